"""The article changelist for editors with many articles: columns, the reviewer filter, bulk actions."""

from datetime import timedelta
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.utils import timezone
from django.utils.dateformat import format as date_format

from articles.admin import changelist as admin_changelist
from articles.admin.articles import ArticleAdmin
from articles.models import Article
from articles.models.review import ReviewAssignment
from articles.review import editing, workflow

from . import factories

S = Article.Status
URL = "/admin/articles/article/"


def messages_of(response, level_tag=None):
    return [str(m) for m in get_messages(response.wsgi_request) if level_tag in (None, m.level_tag)]


def bulk(client, action, articles, **data):
    """Post a bulk action; confirming it (``apply``) carries each article's state as the confirmation page showed it."""
    if "apply" in data:
        data = {**confirmation_page(articles), **data}
    return client.post(URL, {"action": action, "_selected_action": [a.pk for a in articles], **data})


def confirmation_page(articles) -> dict:
    return {f"seen-{a.pk}": workflow.state_token(Article.objects.get(pk=a.pk)) for a in articles}


# --- Columns ----------------------------------------------------------------------


def test_changelist_shows_the_author_and_the_next_review_date(client, author, published):
    author.first_name, author.last_name = "Ada", "Writer"
    author.save()
    client.force_login(author)
    html = unescape(client.get(URL).content.decode())
    assert "Ada Writer" in html
    assert "Next review due" in html
    assert date_format(published.next_review_due, "j M Y") in html


def test_an_overdue_review_is_marked_in_words(client, author, published):
    Article.objects.filter(pk=published.pk).update(next_review_due=timezone.now() - timedelta(days=3))
    client.force_login(author)
    html = client.get(URL).content.decode()
    assert '<strong class="wf-overdue">Overdue</strong>' in html


def test_author_and_next_review_columns_sort(client, author, published, draft):
    client.force_login(author)
    columns = list(ArticleAdmin.list_display)
    for column in (admin_changelist.author, admin_changelist.next_review):
        index = columns.index(column)
        for order in (str(index), f"-{index}"):
            assert client.get(URL, {"o": order}).status_code == 200
    assert admin_changelist.next_review.admin_order_field == "next_review_due"
    assert admin_changelist.author.admin_order_field == "created_by__username"


def test_changelist_queries_do_not_grow_with_the_number_of_articles(client, author, reviewer, count_queries):
    client.force_login(author)
    for i in range(2):
        factories.publish(factories.make_article(author=author, slug=f"small-{i}"), author=author, reviewers=[reviewer])
    client.get(URL)  # per-process caches fill on the first request

    def queries():
        with count_queries() as counter:
            assert client.get(URL, {"reviewer": str(reviewer.pk)}).status_code == 200
            assert client.get(URL).status_code == 200
        return counter.count

    small = queries()
    for i in range(8):
        article = factories.make_article(author=factories.editor(), slug=f"big-{i}")
        if i % 2:
            factories.publish(article, author=author, reviewers=[reviewer])
    assert queries() == small


# --- Reviewer filter --------------------------------------------------------------


def test_reviewer_filter_lists_active_board_members_and_finds_what_they_approved_or_are_assigned(
    client, author, reviewer, second_reviewer, published, draft
):
    retired = factories.reviewer(username="retired")
    retired.board_profile.is_active = False
    retired.board_profile.save()
    workflow.submit(draft, user=author)
    ReviewAssignment.objects.create(article=draft, reviewer=second_reviewer, assigned_by=reviewer)
    other = factories.make_article(author=author, title="Unrelated", slug="unrelated")
    client.force_login(author)

    html = unescape(client.get(URL).content.decode())
    assert "By reviewer" in html
    assert f"?reviewer={reviewer.pk}" in html and f"?reviewer={second_reviewer.pk}" in html
    assert f"?reviewer={retired.pk}" not in html

    approved = client.get(URL, {"reviewer": str(reviewer.pk)}).context["cl"].result_list
    assert list(approved) == [published]
    assigned = client.get(URL, {"reviewer": str(second_reviewer.pk)}).context["cl"].result_list
    assert list(assigned) == [draft]
    assert other not in assigned


def test_reviewer_filter_with_a_bad_value_is_not_an_error(client, author, reviewer, draft):
    client.force_login(author)
    response = client.get(URL, {"reviewer": "x'; drop"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


# --- Bulk actions -----------------------------------------------------------------


def test_editor_bulk_submits_three_drafts(client, author):
    drafts = [factories.make_article(author=author, slug=f"d-{i}") for i in range(3)]
    client.force_login(author)
    page = bulk(client, "submit_selected", drafts)
    assert page.status_code == 200
    assert "admin/articles/article/bulk_confirm.html" in [t.name for t in page.templates]
    for article in drafts:
        assert article.title in page.content.decode()

    response = bulk(client, "submit_selected", drafts, apply="1")
    assert response.status_code == 302
    assert all(a.status == S.SUBMITTED for a in Article.objects.filter(pk__in=[d.pk for d in drafts]))
    assert messages_of(response, "success") == ["Submitted for review: 3 articles."]


def test_bulk_submit_of_a_mixed_selection_does_the_possible_ones_and_names_the_refused(
    client, author, reviewer, published
):
    drafts = [factories.make_article(author=author, slug=f"d-{i}", title=f"Draft {i}") for i in range(2)]
    waiting = factories.make_article(author=author, slug="waiting", title="Already waiting")
    workflow.submit(waiting, user=author)
    client.force_login(author)

    response = bulk(client, "submit_selected", [*drafts, waiting, published], apply="1")
    assert response.status_code == 302
    for article in drafts:
        article.refresh_from_db()
        assert article.status == S.SUBMITTED
    published.refresh_from_db()
    assert published.status == S.APPROVED and published.pending_revision_id is None
    assert messages_of(response, "success") == ["Submitted for review: 2 articles."]
    warnings = messages_of(response, "warning")
    assert any("Already waiting" in w and "submitted" in w for w in warnings)
    assert any(published.title in w for w in warnings)
    assert len(warnings) == 2


def test_bulk_submit_of_an_update_asks_for_the_change_note(client, author, reviewer, published):
    published.body = "Some new text [1]."
    editing.save_content(published, user=author, reason="Edit")
    client.force_login(author)
    response = bulk(client, "submit_selected", [published], apply="1")
    assert response.status_code == 200
    assert "change_note" in response.context["form"].errors
    published.refresh_from_db()
    assert published.status == S.DRAFT

    response = bulk(
        client, "submit_selected", [published], apply="1", change_note="Clearer wording.", change_kind="editorial"
    )
    published.refresh_from_db()
    assert published.status == S.SUBMITTED
    assert published.pending_revision.change_note == "Clearer wording."


def test_reviewer_is_not_offered_bulk_submit_and_a_direct_post_does_nothing(client, author, reviewer, draft):
    client.force_login(reviewer)
    actions = client.get(URL).context["action_form"].fields["action"].choices
    names = [name for name, _ in actions]
    assert "submit_selected" not in names and "withdraw_selected" not in names
    response = bulk(client, "submit_selected", [draft], apply="1")
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    assert response.status_code in (200, 302)


def test_workflow_refuses_a_bulk_submit_by_someone_without_permission_even_past_the_admin(reviewer, draft):
    from django.contrib.admin import site
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = RequestFactory().post(URL, {"action": "submit_selected", "apply": "1", **confirmation_page([draft])})
    request.user = reviewer
    request.session = {}
    request._messages = FallbackStorage(request)
    modeladmin = site._registry[Article]
    result = admin_changelist.submit_selected(modeladmin, request, Article.objects.filter(pk=draft.pk))
    assert result is None
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    texts = [(m.level_tag, str(m)) for m in request._messages]
    assert texts == [("warning", f"Not done for “{draft.title}”: You do not have permission to submit for review.")]


def test_bulk_archive_without_a_reason_is_a_form_error_and_changes_nothing(client, author, published, draft):
    client.force_login(author)
    response = bulk(client, "archive_selected", [published, draft], apply="1", reason="  ")
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert "Why are they withdrawn from the site" in response.content.decode()
    published.refresh_from_db()
    draft.refresh_from_db()
    assert (published.status, draft.status) == (S.APPROVED, S.DRAFT)


def test_bulk_archive_with_a_reason_archives_through_the_workflow(client, author, published, draft):
    client.force_login(author)
    response = bulk(client, "archive_selected", [published, draft], apply="1", reason="Superseded by new guidance.")
    assert response.status_code == 302
    published.refresh_from_db()
    draft.refresh_from_db()
    assert (published.status, draft.status) == (S.ARCHIVED, S.ARCHIVED)
    assert published.withdrawals.get().reason == "Superseded by new guidance."
    assert messages_of(response, "success") == ["Archived: 2 articles."]


def test_bulk_withdraw_takes_submitted_articles_back_to_draft(client, author, draft):
    workflow.submit(draft, user=author)
    other = factories.make_article(author=author, slug="still-draft", title="Still a draft")
    client.force_login(author)
    response = bulk(client, "withdraw_selected", [draft, other], apply="1")
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and draft.pending_revision_id is None
    assert messages_of(response, "success") == ["Withdrawn to draft: 1 article."]
    assert any("Still a draft" in w for w in messages_of(response, "warning"))


@pytest.mark.parametrize("action", ["submit_selected", "withdraw_selected", "archive_selected"])
def test_bulk_actions_with_nothing_selected_or_unknown_ids_are_not_errors(client, author, action):
    client.force_login(author)
    response = client.post(URL, {"action": action, "_selected_action": ["999999", "abc"], "apply": "1"})
    assert response.status_code in (200, 302)
