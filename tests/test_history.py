"""Article history in the admin, and restoring an old version through review."""

import pytest
from django.db import connection
from django.urls import reverse

from articles.models import Article
from articles.review import editing, workflow

from . import factories
from .conftest import QueryCounter

S = Article.Status


def make_history(article, user, edits):
    for i in range(edits):
        article.summary = f"Summary edit {i}"
        editing.save_content(article, user=user, reason=f"Edit number {i}")


def history_queries(client, article):
    url = reverse("admin:articles_article_history", args=[article.pk])
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        response = client.get(url)
    assert response.status_code == 200
    return counter.count, response


def test_history_page_names_who_when_why_and_what_changed(admin_client, author):
    article = factories.make_article(author=author)
    article.title = "A better title"
    editing.save_content(article, user=author, reason="Clearer title")
    _, response = history_queries(admin_client, article)
    html = response.content.decode()
    assert "Clearer title" in html
    assert "author" in html
    assert "A better title" in html  # the field change is shown


def test_history_page_is_paginated_with_constant_queries(admin_client, author):
    small = factories.make_article(author=author, title="Small")
    make_history(small, author, 3)
    big = factories.make_article(author=author, title="Big")
    make_history(big, author, 70)
    small_count, _ = history_queries(admin_client, small)
    big_count, response = history_queries(admin_client, big)
    assert response.context["pagination_required"]
    assert len(response.context["page_obj"].object_list) == 50
    assert small_count > 0
    assert big_count <= small_count + 1  # the paginator's COUNT, not one query per row


def test_history_cannot_be_reverted_around_the_workflow(admin_client, author):
    article = factories.make_article(author=author)
    record = article.history.first()
    url = reverse("admin:articles_article_simple_history", args=[article.pk, record.history_id])
    assert admin_client.get(url).status_code == 200  # reading an old record is fine
    response = admin_client.post(url, {"title": "Reverted"})
    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).title != "Reverted"


@pytest.fixture
def two_versions(author, reviewer, second_reviewer):
    article = factories.make_article(author=author, slug="v", body="First text [1].")
    factories.publish(article, author=author, reviewers=[reviewer])
    article.body = "Second text [1]."
    ref = article.references.get()
    ref.title = "Changed reference"
    ref.save()
    editing.save_content(article, user=author)
    factories.publish(article, author=author, reviewers=[second_reviewer])
    return article


def test_restoring_an_old_version_makes_a_new_draft_and_keeps_the_live_one(client, two_versions, author):
    first = two_versions.revisions.get(number=1)
    editing.restore_version(two_versions, first, user=author)
    two_versions.refresh_from_db()
    assert two_versions.status == S.DRAFT
    assert two_versions.body == "First text [1]."
    assert two_versions.references.get().title == first.references[0]["title"]
    assert two_versions.published_revision.number == 2
    assert "Second text" in client.get("/articles/v/").content.decode()
    assert "Restored the text of version 1" in two_versions.history.first().history_change_reason


def test_restored_version_must_be_reviewed_to_go_live(two_versions, author, reviewer):
    editing.restore_version(two_versions, two_versions.revisions.get(number=1), user=author)
    revision = workflow.submit(two_versions, user=author, **factories.change_note_for(two_versions))
    assert revision.number == 3
    assert list(revision.authors.all()) == [author]
    workflow.start_review(two_versions, user=reviewer, revision=factories.under_decision("start_review", two_versions))
    workflow.approve(two_versions, user=reviewer, revision=factories.under_decision("approve", two_versions))
    two_versions.refresh_from_db()
    assert two_versions.published_revision.body == "First text [1]."


def test_restoring_is_refused_while_the_board_has_it(two_versions, author):
    two_versions.body = "Third [1]."
    editing.save_content(two_versions, user=author)
    workflow.submit(two_versions, user=author, **factories.change_note_for(two_versions))
    with pytest.raises(workflow.WorkflowError):
        editing.restore_version(two_versions, two_versions.revisions.get(number=1), user=author)


def test_restore_button_in_admin(client, two_versions, author):
    client.force_login(author)
    url = reverse("admin:articles_article_restore_version", args=[two_versions.pk, 1])
    response = client.post(url, follow=True)
    assert "now the working draft" in response.content.decode()
    assert Article.objects.get(pk=two_versions.pk).body == "First text [1]."


def test_board_members_cannot_restore_versions(client, two_versions, reviewer):
    client.force_login(reviewer)
    client.post(reverse("admin:articles_article_restore_version", args=[two_versions.pk, 1]))
    assert Article.objects.get(pk=two_versions.pk).body == "Second text [1]."
