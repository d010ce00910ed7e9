"""Staff previews and admin links state the real status of what they show."""

import re

import pytest
from django.urls import reverse

from articles.review import editing, workflow

from . import factories


def _steps(html):
    """Return [(label, state)] of the stepper on a page."""
    return re.findall(r'class="step step-(\w+)"[^>]*>\s*<span class="step-label">([^<]+)</span>', html)


@pytest.fixture
def editor_client(client, author):
    client.force_login(author)
    return client


def test_draft_preview_shows_no_step_reached_and_says_it_is_a_draft(editor_client, draft):
    html = editor_client.get(reverse("admin:articles_article_preview_draft", args=[draft.pk])).content.decode()
    assert _steps(html) == [("todo", "Submitted"), ("todo", "Under review"), ("todo", "Approved")]
    assert "has not been submitted for review yet" in html
    assert "article-pending" in html  # the "Not yet reviewed" line wears the caution colour, not green
    assert "Reviewed by the Medical Advisory Board" not in html


def test_preview_of_a_submitted_version_marks_submitted_as_current(client, author, reviewer, draft):
    workflow.submit(draft, user=author)
    client.force_login(reviewer)
    html = client.get(reverse("admin:articles_reviewqueueitem_preview", args=[draft.pk, 1])).content.decode()
    assert _steps(html) == [("current", "Submitted"), ("todo", "Under review"), ("todo", "Approved")]
    assert "will look to readers once approved" in html


def test_preview_of_the_live_version_says_readers_see_it_now(client, reviewer, published):
    client.force_login(reviewer)
    review = client.get(reverse("admin:articles_reviewqueueitem_review", args=[published.pk]))
    html = client.get(review.context["preview_url"]).content.decode()
    assert "once approved" not in html
    assert "this is the version readers see now" in html
    assert all(state == "done" for state, _ in _steps(html))


def test_preview_of_a_replaced_version_says_it_was_replaced(client, author, reviewer, second_reviewer, published):
    published.body = "Newer text [1]."
    editing.save_content(published, user=author)
    factories.publish(published, author=author, reviewers=[second_reviewer])
    client.force_login(reviewer)
    html = client.get(reverse("admin:articles_reviewqueueitem_preview", args=[published.pk, 1])).content.decode()
    assert "has since been replaced by version 2" in html
    assert "once approved" not in html


def test_view_on_site_of_a_never_published_article_opens_its_preview(editor_client, draft):
    html = editor_client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()
    preview = reverse("admin:articles_article_preview_draft", args=[draft.pk])
    assert f'href="{preview}" class="viewsitelink">Preview (not yet on the site)' in html
    assert editor_client.get(preview).status_code == 200


def test_view_on_site_of_a_published_article_opens_the_public_page(client, author, published):
    client.force_login(author)
    html = client.get(reverse("admin:articles_article_change", args=[published.pk])).content.decode()
    assert re.search(r'href="[^"]*"\s+class="viewsitelink">View on site', html)
    link = re.search(r'href="([^"]*)"\s+class="viewsitelink"', html).group(1)
    assert client.get(link, follow=True).request["PATH_INFO"] == published.get_absolute_url()


def test_read_only_submitted_article_shows_no_save_buttons(editor_client, author, draft):
    workflow.submit(draft, user=author)
    html = editor_client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()
    assert 'name="_save"' not in html
    assert 'name="_continue"' not in html
    assert 'name="_addanother"' not in html


def test_editable_draft_keeps_its_save_buttons(editor_client, draft):
    html = editor_client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()
    assert 'name="_save"' in html and 'name="_continue"' in html
