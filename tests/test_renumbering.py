"""Reference numbers follow the text: renumbered on save in order of first citation."""

import pytest
from django.urls import reverse

from articles.content.renumbering import citation_order, renumbering, rewrite_citations
from articles.models import Article, Reference
from articles.review import editing, workflow

from . import factories
from .test_permissions import change_form_data

pytestmark = pytest.mark.django_db


def test_citation_order_is_first_appearance_across_texts():
    assert citation_order(["Intro [3].", "Body [1, 3] and [2-4].", "", "Pro [5]."]) == [3, 1, 2, 4, 5]


def test_links_are_not_citations():
    assert citation_order(["A [link](https://x.org/2) and [1]."]) == [1]


def test_renumbering_puts_cited_references_first_then_uncited_in_old_order():
    assert renumbering(["See [3], then [1]."], [1, 2, 3, 4]) == {3: 1, 1: 2, 2: 3, 4: 4}


def test_numbers_already_in_citation_order_need_nothing():
    assert renumbering(["[1] then [2] and [1]."], [1, 2]) == {}


def test_nothing_moves_while_the_text_cites_a_missing_reference():
    assert renumbering(["[2] then [9]."], [1, 2]) == {}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Salt [3].", "Salt [1]."),
        ("Both [3, 1].", "Both [1, 2]."),
        # Numbers that swap places stay in ascending order, the house style ("[1, 2]", not "[2, 1]").
        ("Together [1, 3].", "Together [1, 2]."),
        ("With a range [1-2, 3].", "With a range [1, 2-3]."),
        (
            "A range [1-3] stays one while its numbers stay together.",
            "A range [1-3] stays one while its numbers stay together.",
        ),
        ("Split [2–3].", "Split [1, 3]."),
        ("Link [text](https://example.org/3) untouched [3].", "Link [text](https://example.org/3) untouched [1]."),
    ],
)
def test_markers_are_rewritten(text, expected):
    assert rewrite_citations(text, {3: 1, 1: 2, 2: 3}) == expected


def test_renumber_references_rewrites_text_and_rows_with_history(author):
    body = "First [3], then [1] and [2]."
    article = factories.make_article(author=author, summary="Short [3].", body=body, references=3)
    titles = {r.number: r.title for r in article.references.all()}
    mapping = editing.renumber_references(article, user=author)
    assert mapping == {3: 1, 1: 2, 2: 3}
    article.refresh_from_db()
    assert article.summary == "Short [1]."
    assert article.body == "First [1], then [2] and [3]."
    assert {r.number: r.title for r in article.references.all()} == {1: titles[3], 2: titles[1], 3: titles[2]}
    latest = article.history.first()
    assert latest.history_user == author
    assert latest.history_change_reason == "References renumbered in order of first citation"
    moved = Reference.history.filter(history_change_reason="References renumbered in order of first citation")
    assert moved.count() == 3
    assert editing.renumber_references(article, user=author) == {}  # a second save changes nothing


def test_renumbering_is_refused_where_editing_is(author, reviewer):
    article = factories.make_article(author=author, body="[2] then [1].", references=2)
    workflow.submit(article, user=author)
    with pytest.raises(workflow.WorkflowError):
        editing.renumber_references(article, user=author)
    assert sorted(article.references.values_list("number", flat=True)) == [1, 2]
    article.refresh_from_db()
    assert article.body == "[2] then [1]."


def test_saving_the_change_form_renumbers_and_says_so(client, author):
    article = factories.make_article(author=author, body="x", references=2)
    client.force_login(author)
    data = change_form_data(article) | {"body": "Second source first [2], then [1].", "_continue": "1"}
    response = client.post(reverse("admin:articles_article_change", args=[article.pk]), data, follow=True)
    assert response.status_code == 200
    article = Article.objects.get(pk=article.pk)
    assert article.body == "Second source first [1], then [2]."
    messages = [str(m) for m in response.context["messages"]]
    assert any("References renumbered in the order the text first cites them (1 → 2, 2 → 1)" in m for m in messages)
    html = response.content.decode()
    assert "Second source first [1], then [2]." in html  # the form shows the rewritten text
