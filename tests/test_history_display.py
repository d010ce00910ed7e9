"""The admin's article history reads as labels and short plain-text excerpts, not stored values."""

from html import unescape

import pytest
from django.urls import reverse

from articles.admin import history as history_display
from articles.models import Article
from articles.review import editing, workflow

from . import factories

LONG_BODY = (
    "## What helps\n\nFor most people with a tension headache, **ibuprofen** or paracetamol taken early "
    "works well [1]. Rest, water and a regular sleep pattern also help, and most headaches pass within a day "
    "without any other treatment."
)


def test_shorten_cuts_at_a_word_and_marks_the_cut():
    assert history_display.shorten("short text") == "short text"
    cut = history_display.shorten("word " * 40, limit=30)
    assert len(cut) <= 30 and cut.endswith("…") and "wor…" not in cut


def test_shorten_cuts_one_unbroken_word():
    cut = history_display.shorten("x" * 200, limit=20)
    assert cut == "x" * 19 + "…"


def test_changed_excerpts_strip_markdown_and_show_the_words_around_the_change():
    new = LONG_BODY.replace("ibuprofen", "naproxen")
    old_excerpt, new_excerpt = history_display.changed_excerpts(LONG_BODY, new)
    assert "ibuprofen" in old_excerpt and "naproxen" in new_excerpt
    assert "##" not in old_excerpt + new_excerpt and "**" not in old_excerpt + new_excerpt
    assert "[1]" not in new_excerpt
    assert new_excerpt.startswith("…") and new_excerpt.endswith("…")
    assert len(new_excerpt) < 80


def test_changed_excerpts_of_an_empty_text():
    assert history_display.changed_excerpts("", "New text here.") == ("(empty)", "New text here.")


def test_choice_values_show_their_labels():
    field = Article._meta.get_field("status")
    assert history_display.display_value(field, "in_review") == "Under review"
    assert history_display.display_value(field, "unknown") == "unknown"
    assert history_display.display_value(field, None) == "(empty)"


@pytest.fixture
def reviewed(author, reviewer):
    article = factories.make_article(author=author, title="What helps a headache?", body=LONG_BODY)
    article.body = LONG_BODY.replace("ibuprofen", "naproxen")
    editing.save_content(article, user=author, reason="Safer first choice")
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    article.refresh_from_db()
    return article


def test_history_page_shows_labels_and_excerpts_not_codes_or_truncation_markers(admin_client, reviewed):
    response = admin_client.get(reverse("admin:articles_article_history", args=[reviewed.pk]))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Under review" in html and "Submitted" in html
    assert "in_review" not in html.replace("wf-in_review", "")
    assert "chars]" not in html
    assert "##" not in html
    assert "Body:" in html and "naproxen" in html
    assert "Title:" not in html  # only what changed is listed


def test_history_page_links_the_submission_to_the_diff_on_the_review_screen(admin_client, reviewed):
    response = admin_client.get(reverse("admin:articles_article_history", args=[reviewed.pk]))
    review = reverse("admin:articles_reviewqueueitem_review", args=[reviewed.pk])
    assert response.content.decode().count(f'href="{review}"') == 1


def test_history_page_escapes_what_changed(admin_client, author):
    article = factories.make_article(author=author, title="Plain")
    article.title = "<script>alert(1)</script> title"
    editing.save_content(article, user=author, reason="<b>why</b>")
    html = admin_client.get(reverse("admin:articles_article_history", args=[article.pk])).content.decode()
    assert "<script>alert(1)" not in html and "<b>why</b>" not in html
