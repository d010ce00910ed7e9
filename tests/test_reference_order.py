"""Editors set the order of references the text does not cite; cited ones follow the text."""

import pytest
from django.urls import reverse

from articles.models import Article, Reference

from . import factories

pytestmark = pytest.mark.django_db


def post_numbers(client, article, numbers, **fields):
    data = factories.change_form_post(article, _continue="1", **fields)
    for i, number in enumerate(numbers):
        data[f"references-{i}-number"] = str(number)
    return client.post(reverse("admin:articles_article_change", args=[article.pk]), data, follow=True)


def titles_in_order(article):
    return list(Article.objects.get(pk=article.pk).references.order_by("number").values_list("title", flat=True))


def test_swapping_two_uncited_references_keeps_the_new_order(client, author):
    article = factories.make_article(author=author, body="Cites only the first [1].", references=3)
    before = titles_in_order(article)
    client.force_login(author)
    response = post_numbers(client, article, [1, 3, 2])
    assert response.status_code == 200
    assert titles_in_order(article) == [before[0], before[2], before[1]]
    assert Article.objects.get(pk=article.pk).body == "Cites only the first [1]."


def test_a_number_given_twice_is_a_form_error_and_saves_nothing(client, author):
    article = factories.make_article(author=author, body="x", references=2)
    before = titles_in_order(article)
    client.force_login(author)
    response = post_numbers(client, article, [1, 1])
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert titles_in_order(article) == before


def test_a_deleted_references_number_can_be_taken_in_the_same_save(client, author):
    article = factories.make_article(author=author, body="Cites the first [1].", references=3)
    before = titles_in_order(article)
    client.force_login(author)
    data = factories.change_form_post(article, _continue="1")
    data["references-1-number"] = "3"  # saved before the row that holds 3 is deleted
    data["references-2-DELETE"] = "on"
    response = client.post(reverse("admin:articles_article_change", args=[article.pk]), data, follow=True)
    assert response.status_code == 200
    assert titles_in_order(article) == [before[0], before[1]]


def test_history_records_only_the_final_numbers(client, author):
    article = factories.make_article(author=author, body="Cites the first [1].", references=3)
    client.force_login(author)
    post_numbers(client, article, [1, 3, 2])
    numbers = set(Reference.history.filter(article_id=article.pk).values_list("number", flat=True))
    assert numbers == {1, 2, 3}
