"""The article editor: Markdown toolbar widgets and the live preview rendered as readers see it."""

import pytest
from django.urls import reverse

from articles.admin.editor import references_from_form
from articles.review import editing, workflow

from . import factories

pytestmark = pytest.mark.django_db

PREVIEW_URL = "/admin/articles/article/live-preview/"


def reference_rows(*rows, deleted=()):
    data = {"references-TOTAL_FORMS": str(len(rows))}
    for index, (number, title) in enumerate(rows):
        data |= {f"references-{index}-number": str(number), f"references-{index}-title": title}
        data |= {f"references-{index}-kind": "research", f"references-{index}-year": "2021"}
        if index in deleted:
            data[f"references-{index}-DELETE"] = "on"
    return data


def test_preview_renders_the_posted_text_with_numbered_citations(client, author):
    client.force_login(author)
    data = {
        "title": "Gout",
        "summary": "Crystals in a joint [2].",
        "body": "## Causes\n\nUric acid builds up [1] [2].",
        **reference_rows((1, "Diet and gout"), (2, "Urate crystals")),
    }
    html = client.post(PREVIEW_URL, data).content.decode()
    assert "<h1>Gout</h1>" in html
    assert '<h2 id="h-causes">Causes</h2>' in html
    # Numbered by first appearance, as on the public page: the summary cites reference 2 first.
    assert html.index("Urate crystals") < html.index("Diet and gout")
    assert 'href="#ref-1"' in html
    assert "md-problems" not in html


def test_preview_names_citations_without_a_reference(client, author):
    client.force_login(author)
    data = {"summary": "Short.", "body": "Cites a missing one [3].", **reference_rows((1, "Kept"))}
    html = client.post(PREVIEW_URL, data).content.decode()
    assert "cites [3], but there is no reference 3" in html
    assert "Reference 1 (“Kept”) is never cited" in html


def test_preview_of_the_professional_version(client, author):
    client.force_login(author)
    data = {
        "audience": "professional",
        "summary": "Plain words.",
        "body": "Plain [1].",
        "professional_summary": "Monosodium urate deposition [1].",
        "professional_body": "Titrate allopurinol [1].",
        **reference_rows((1, "A guideline")),
    }
    html = client.post(PREVIEW_URL, data).content.decode()
    assert "Titrate allopurinol" in html
    assert "Plain words" not in html


def test_preview_sanitises_the_text(client, author):
    client.force_login(author)
    data = {"summary": "<script>alert(1)</script>", "body": "[x](javascript:alert(1)) <img src=x onerror=alert(1)>"}
    html = client.post(PREVIEW_URL, data).content.decode()
    assert "<script>alert" not in html
    assert "javascript:" not in html
    assert "onerror" not in html


def test_preview_is_for_editors_only(client, reviewer, db):
    response = client.post(PREVIEW_URL, {"body": "x"})
    # Anonymous (or a session that ended): a JSON 401 for the script, never the login page as a preview.
    assert response.status_code == 401 and response.json()["error"] == "signed_out"
    client.force_login(reviewer)  # staff, but may not add or change articles
    assert client.post(PREVIEW_URL, {"body": "x"}).status_code == 403


def test_preview_takes_posts_only(client, author):
    client.force_login(author)
    assert client.get(PREVIEW_URL).status_code == 405


def test_preview_needs_the_csrf_token(author):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    assert client.post(PREVIEW_URL, {"body": "x"}).status_code == 403


def test_reference_rows_skip_deleted_untitled_and_malformed_rows():
    rows = [(2, "Second"), (1, "First"), (3, "Gone"), ("x", "Bad"), (4, ""), (2, "Duplicate")]
    data = reference_rows(*rows, deleted={2})
    assert [(r["number"], r["title"], r["year"]) for r in references_from_form(data)] == [
        (1, "First", 2021),
        (2, "Second", 2021),
    ]
    assert references_from_form({"references-TOTAL_FORMS": "many"}) == []


def test_change_form_has_the_toolbar_and_preview_panels(client, author):
    article = factories.make_article(author=author)
    client.force_login(author)
    html = client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert html.count('role="toolbar"') == 4  # both summaries and both bodies
    assert f'data-preview-url="{PREVIEW_URL}"' in html
    assert 'data-preview="patient"' in html and 'data-preview="professional"' in html
    assert "articles/editor.js" in html


def test_the_preview_frame_is_the_public_stylesheet_framed_by_this_site_only(client, author, reviewer):
    url = reverse("admin:articles_article_live_preview_frame")
    client.force_login(author)
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    html = response.content.decode()
    assert "articles/site.css" in html and "admin/css" not in html
    client.force_login(reviewer)
    assert client.get(url).status_code == 403


def test_the_preview_uses_the_public_pages_markup(client, author):
    client.force_login(author)
    html = client.post(PREVIEW_URL, {"title": "Gout", "summary": "Short.", "body": "- one\n- two"}).content.decode()
    assert '<div class="answer md-preview-summary">' in html
    assert '<div class="article-body md-preview-body"><ul>' in html


def test_a_new_reference_row_with_only_its_number_is_not_saved(client, author):
    from .test_concurrency import form_data

    article = factories.make_article(author=author, references=1)
    client.force_login(author)
    data = form_data(client.get(change_url(article)))
    # The editor's script numbers a row as soon as it is added; left empty, it is no reference.
    data |= {"references-1-number": "2", "references-1-kind": "research", "references-TOTAL_FORMS": "2"}
    response = client.post(change_url(article), data)
    assert response.status_code == 302, response.content[:300]
    assert article.references.count() == 1


def test_a_read_only_article_offers_no_room_for_a_reference(client, author):
    article = factories.make_article(author=author, body="Cited [1].", references=1)
    workflow.submit(article, user=author)
    client.force_login(author)
    html = client.get(change_url(article)).content.decode()
    assert 'name="references-MAX_NUM_FORMS" value="0"' in html


def test_the_change_note_help_shows_the_public_line(client, author, reviewer):
    article = factories.publish(factories.make_article(author=author), author=author, reviewers=[reviewer])
    client.force_login(author)
    html = client.get(change_url(article)).content.decode()
    assert "<date>" not in html and "<note>" not in html
    assert "<strong>Updated " in html and "Dosing table corrected" in html


# --- Save and submit for review --------------------------------------------------------


def change_form_post(article, **fields):
    """The change form's post for ``article`` with "Save and submit for review" pressed."""
    return factories.change_form_post(article, _saveandsubmit="Save and submit for review", **fields)


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def test_save_and_submit_sends_the_typed_text_to_the_board(client, author):
    draft = factories.make_article(author=author, slug="gout")
    client.force_login(author)
    response = client.post(change_url(draft), change_form_post(draft, body="Typed just now [1]."), follow=True)
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert draft.pending_revision.body == "Typed just now [1]."
    assert any("Saved and submitted for review" in str(m) for m in response.context["messages"])


def test_save_and_submit_is_offered_to_editors_on_editable_articles_only(client, author, reviewer):
    draft = factories.make_article(author=author, slug="gout")
    client.force_login(author)
    assert 'name="_saveandsubmit"' in client.get(change_url(draft)).content.decode()
    assert 'name="_saveandsubmit"' in client.get(reverse("admin:articles_article_add")).content.decode()
    factories.publish(draft, author=author, reviewers=[reviewer])
    from articles.review import workflow

    draft.body = "Next [1]."
    editing.save_content(draft, user=author)
    workflow.submit(draft, user=author, **factories.change_note_for(draft))
    assert 'name="_saveandsubmit"' not in client.get(change_url(draft)).content.decode()


def test_an_update_without_its_change_note_is_a_form_error_and_nothing_is_saved(client, author, reviewer):
    published = factories.publish(
        factories.make_article(author=author, slug="gout"), author=author, reviewers=[reviewer]
    )
    client.force_login(author)
    page = client.get(change_url(published)).content.decode()
    assert 'name="change_note"' in page and 'name="change_kind"' in page
    response = client.post(change_url(published), change_form_post(published, body="Typed update [1]."))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"change_note", "change_kind"} <= set(errors)
    assert "Typed update [1]." in response.content.decode()  # the typed text is still on screen
    published.refresh_from_db()
    assert published.body == "Some text [1]." and published.status == "approved"

    data = change_form_post(published, body="Typed update [1].", change_note="Clearer advice.", change_kind="editorial")
    client.post(change_url(published), data)
    published.refresh_from_db()
    assert published.status == "submitted"
    assert (published.pending_revision.change_note, published.pending_revision.change_kind) == (
        "Clearer advice.",
        "editorial",
    )


def test_a_refused_submission_keeps_the_saved_text_and_says_why(client, author):
    draft = factories.make_article(author=author, slug="gout")
    client.force_login(author)
    response = client.post(change_url(draft), change_form_post(draft, body="Cites a missing one [4]."), follow=True)
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert draft.body == "Cites a missing one [4]."
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors and errors[0].startswith("Saved as a draft, but not submitted:") and "[4]" in errors[0]
    assert "Cites a missing one [4]." in response.content.decode()


# --- Every size the product allows saves ------------------------------------------------


def test_an_article_with_references_up_to_the_cap_saves_from_the_change_form(client, author, settings):
    from .test_concurrency import form_data

    cap = settings.EDITORIAL_MAX_REFERENCES
    body = "Cites all of them " + " ".join(f"[{n}]" for n in range(1, cap + 1)) + "."
    article = factories.make_article(author=author, body=body, references=cap)
    client.force_login(author)
    form = client.get(change_url(article))
    response = client.post(change_url(article), form_data(form, body=body + "\n\nOne more sentence [1]."))
    assert response.status_code == 302, response.content[:300]
    article.refresh_from_db()
    assert article.body.endswith("One more sentence [1].")
    assert article.references.count() == cap


def test_the_live_preview_takes_an_article_at_the_reference_cap(client, author, settings):
    from .test_concurrency import form_data

    cap = settings.EDITORIAL_MAX_REFERENCES
    body = " ".join(f"[{n}]" for n in range(1, cap + 1))
    article = factories.make_article(author=author, body=body, references=cap)
    client.force_login(author)
    # The editor's script posts the whole change form, every reference row with all its fields.
    response = client.post(PREVIEW_URL, form_data(client.get(change_url(article))))
    assert response.status_code == 200
    assert f'href="#ref-{cap}"' in response.content.decode()


def test_more_references_than_the_cap_is_a_form_error_that_keeps_the_text(client, author, settings):
    from .test_concurrency import form_data

    cap = settings.EDITORIAL_MAX_REFERENCES
    article = factories.make_article(author=author, references=cap)
    client.force_login(author)
    data = form_data(client.get(change_url(article)), body="My new paragraph that must not be lost [1].")
    extra = 20
    for index in range(cap, cap + extra):
        data |= {
            f"references-{index}-number": str(index + 1),
            f"references-{index}-title": f"Extra study {index + 1}",
            f"references-{index}-kind": "research",
        }
    data["references-TOTAL_FORMS"] = str(cap + extra)
    response = client.post(change_url(article), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"at most {cap} references" in html
    assert "My new paragraph that must not be lost [1]." in html
    article.refresh_from_db()
    assert "My new paragraph" not in article.body
