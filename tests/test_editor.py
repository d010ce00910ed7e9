"""The article editor: Markdown toolbar widgets and the live preview rendered as readers see it."""

import pytest
from django.urls import reverse

from articles.admin_editor import references_from_form

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
    assert response.status_code == 302 and "/admin/login/" in response["Location"]  # anonymous
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
