"""Approved versions are rendered once, stored with them, and pages are assembled from what is stored."""

from io import StringIO
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import DatabaseError
from django.urls import reverse

from articles.content import versions
from articles.content.versions import RENDERER_VERSION, plain_summary, render_revision
from articles.models import Article, RenderedVersion, Revision
from articles.models import rendered as rendered_module
from articles.models.rendered import audiences_of, reader_text, render_fields, renderer_stamp, store_renderings
from articles.review import editing, workflow
from articles.site import caching

from . import factories


def assert_stored_equals_fresh(revisions):
    """Every audience of every approved revision has a rendering by this renderer equal to a fresh one."""
    checked = 0
    for revision in revisions:
        rows = {row.audience: row for row in RenderedVersion.objects.filter(revision=revision)}
        assert set(rows) == set(audiences_of(revision)), revision
        for audience, row in rows.items():
            fresh = render_revision(revision, audience)
            assert row.renderer == renderer_stamp()
            assert row.text == fresh, (revision.pk, audience)
            assert row.references_html == render_fields(revision, audience)["references_html"]
            assert row.plain_summary == plain_summary(revision, audience)
            checked += 1
    return checked


def page_url(article, audience="patient"):
    name = "articles:detail_professional" if audience == "professional" else "articles:detail"
    return reverse(name, args=[article.slug])


@pytest.mark.django_db
def test_every_demo_version_is_stored_at_approval_and_equals_a_fresh_render():
    call_command("seed_demo", stdout=StringIO())
    approved = Revision.objects.filter(approved_at__isnull=False)
    assert approved.exists()
    # Stored by the approval itself (seed_demo approves through the workflow), not on first view.
    checked = assert_stored_equals_fresh(approved)
    assert checked > approved.count()  # the demo has professional versions too
    assert not RenderedVersion.objects.filter(revision__approved_at__isnull=True).exists()


@pytest.mark.django_db
def test_every_generated_version_is_stored_by_the_command_and_equals_a_fresh_render():
    call_command("generate_dataset", "--scale", "0.005", "--seed", "3", stdout=StringIO())
    out = StringIO()
    call_command("rerender_versions", stdout=out)
    approved = Revision.objects.filter(approved_at__isnull=False)
    assert "Stored" in out.getvalue()
    assert assert_stored_equals_fresh(approved) >= approved.count() > 0
    # Run again: nothing left to do.
    out = StringIO()
    call_command("rerender_versions", stdout=out)
    assert out.getvalue().startswith("Stored 0 rendering(s) of 0 approved version(s)")


@pytest.mark.django_db
def test_approval_stores_both_audiences(author, reviewer):
    article = factories.make_article(author=author, slug="dual", professional_body="For clinicians [1].")
    assert not RenderedVersion.objects.exists()  # a draft: nothing stored
    article = factories.publish(article, author=author, reviewers=[reviewer])
    rows = RenderedVersion.objects.filter(revision=article.published_revision)
    assert sorted(rows.values_list("audience", flat=True)) == ["patient", "professional"]
    assert "For clinicians" in rows.get(audience="professional").body_html


@pytest.mark.django_db
def test_a_cold_article_page_renders_nothing_and_runs_a_bounded_number_of_queries(
    client, published, count_queries, markdown_parses
):
    """With every cache empty, the page is assembled from the stored rendering: no Markdown, 3 queries."""
    from articles.content.budget import VERDICTS
    from articles.content.rendering import plain_text

    permalink = reverse("articles:version", args=[published.slug, published.published_revision.number])
    for url in (page_url(published), page_url(published, "professional"), permalink):
        cache.clear()
        cache.set(caching.SYNCED_KEY, True, timeout=caching.SYNC_SECONDS)  # not the page's: see test_caching
        plain_text.cache_clear()
        VERDICTS.clear()
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200
        assert "Some text" in response.text
        assert markdown_parses == []
        # The article (with its live version and its stored rendering, joined), its history, the board's decisions.
        assert counter.count <= 3


@pytest.mark.django_db
def test_a_version_approved_before_stored_renderings_is_rendered_on_first_view_then_stored(client, published):
    RenderedVersion.objects.all().delete()
    assert client.get(page_url(published)).status_code == 200
    row = RenderedVersion.objects.get(revision=published.published_revision, audience="patient")
    assert row.text == render_revision(published.published_revision, "patient")
    with mock.patch.object(rendered_module, "render_revision") as render:
        assert "Some text" in client.get(page_url(published)).text
    render.assert_not_called()


@pytest.mark.django_db
def test_a_rendering_by_another_renderer_is_rendered_again(client, published, monkeypatch):
    revision = published.published_revision
    RenderedVersion.objects.filter(revision=revision).update(body_html="<p>old renderer</p>")
    response = client.get(page_url(published))
    assert "old renderer" in response.text  # same stamp: what is stored is what is served

    monkeypatch.setattr(rendered_module, "RENDERER_VERSION", RENDERER_VERSION + 1)
    response = client.get(page_url(published))
    assert "old renderer" not in response.text and "Some text" in response.text
    row = RenderedVersion.objects.get(revision=revision, audience="patient")
    assert row.renderer == renderer_stamp() and "old renderer" not in row.body_html
    assert row.renderer.startswith(f"{RENDERER_VERSION + 1}.")


@pytest.mark.django_db
def test_an_edit_of_the_references_template_makes_stored_renderings_stale(client, published, monkeypatch):
    RenderedVersion.objects.update(references_html="<p>old references section</p>")
    assert "old references section" in client.get(page_url(published)).text
    monkeypatch.setattr(rendered_module, "_references_fingerprint", lambda: "edited")
    response = client.get(page_url(published))
    assert "old references section" not in response.text and 'id="references-heading"' in response.text


@pytest.mark.django_db
def test_the_command_renders_again_what_another_renderer_made(published, monkeypatch):
    RenderedVersion.objects.update(body_html="<p>old renderer</p>")
    monkeypatch.setattr(rendered_module, "RENDERER_VERSION", RENDERER_VERSION + 1)
    out = StringIO()
    call_command("rerender_versions", stdout=out)
    assert "Stored 1 rendering(s) of 1 approved version(s)" in out.getvalue()
    row = RenderedVersion.objects.get()
    assert row.renderer == renderer_stamp() and "Some text" in row.body_html


@pytest.mark.django_db
def test_a_version_not_approved_is_never_stored_nor_served_as_approved(client, published, author, settings):
    article = Article.objects.get(pk=published.pk)
    article.body = "A new draft sentence [1]."
    editing.save_content(article, user=author)
    workflow.submit(article, user=author, **factories.change_note_for(article))
    pending = Article.objects.get(pk=published.pk).pending_revision
    with pytest.raises(ValueError, match="not approved"):
        store_renderings(pending)
    # Shown to readers only under EDITORIAL_SHOW_PENDING (no live version then): rendered, never stored.
    settings.EDITORIAL_SHOW_PENDING = True
    text = reader_text(pending)
    assert "A new draft sentence" in text.rendered.body_html and text.references_html is None
    assert not RenderedVersion.objects.filter(revision=pending).exists()
    # The live page still shows the approved version, from its stored rendering.
    response = client.get(page_url(published))
    assert "A new draft sentence" not in response.text and "Some text" in response.text
    # A rendering stored for the pending version by mistake is never read for it.
    RenderedVersion.objects.create(
        revision=pending, audience="patient", renderer=renderer_stamp(), summary_html="", body_html="<p>wrong</p>",
        references_html="", plain_summary="", extras=versions.dump_extras(render_revision(pending)),
    )  # fmt: skip
    assert "wrong" not in reader_text(pending).rendered.body_html


@pytest.mark.django_db
def test_a_database_that_refuses_the_write_still_serves_the_page(client, published):
    RenderedVersion.objects.all().delete()
    with mock.patch.object(rendered_module, "save_rendering", side_effect=DatabaseError("read-only")):
        response = client.get(page_url(published))
    assert response.status_code == 200 and "Some text" in response.text
    assert not RenderedVersion.objects.exists()


@pytest.mark.django_db
def test_a_page_shown_pending_review_is_rendered_and_never_stored(client, settings, author, reviewer):
    settings.EDITORIAL_SHOW_PENDING = True
    article = factories.make_article(author=author, slug="in-review", body="Unreviewed words [1].")
    workflow.submit(article, user=author)
    response = client.get(page_url(article))
    assert response.status_code == 200 and "Unreviewed words" in response.text
    assert "Content is pending review" in response.text
    assert not RenderedVersion.objects.exists()


# --- The history fragment ---------------------------------------------------------------------


@pytest.mark.django_db
def test_with_fragments_warm_an_article_page_runs_one_query(client, published, count_queries):
    """Page cache off: the history (approvers, byline...) is kept as a fragment; only the article is read."""
    cache.set(caching.SYNCED_KEY, True, timeout=caching.SYNC_SECONDS)
    assert client.get(page_url(published)).status_code == 200
    with count_queries() as counter:
        response = client.get(page_url(published))
    assert "Version 1" in response.text and counter.count == 1


@pytest.mark.django_db
def test_the_history_fragment_follows_a_board_profile_change(
    client, published, reviewer, django_capture_on_commit_callbacks
):
    board_link = f'href="/board/#{reviewer.board_profile.slug}"'
    assert board_link in client.get(page_url(published)).text
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.board_profile.is_active = False  # left the board: credited, no longer linked
        reviewer.board_profile.save()
    assert board_link not in client.get(page_url(published)).text


@pytest.mark.django_db
def test_the_history_fragment_follows_an_approval_even_before_its_event(client, published, author, reviewer):
    """Tests never commit, so the approval's event never runs: the article row alone changes the key."""
    assert "Version 2" not in client.get(page_url(published)).text
    article = Article.objects.get(pk=published.pk)
    article.body = "Changed [1]."
    editing.save_content(article, user=author)
    factories.publish(article, author=author, reviewers=[reviewer])
    response = client.get(page_url(published))
    assert "Version 2" in response.text and "Changed" in response.text
