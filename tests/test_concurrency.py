"""Racing decisions: each carries the state the reviewer saw; exactly one outcome per the rules."""

import re
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connection

from articles.models import Article, ReviewDecision
from articles.review import editing, workflow

from . import factories
from .test_review import review_url

S = Article.Status


@pytest.fixture
def in_review(author, reviewer):
    article = factories.make_article(author=author, slug="racing")
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer)
    return article


def seen_on_review_screen(client, article):
    response = client.get(review_url(article))
    return response.context["forms"]["request_changes"].initial["seen"]


def test_request_for_changes_on_a_version_approved_meanwhile_is_refused(client, in_review, reviewer, second_reviewer):
    client.force_login(second_reviewer)
    seen = seen_on_review_screen(client, in_review)
    workflow.approve(in_review, user=reviewer)  # published while the page was open

    response = client.post(
        review_url(in_review),
        {
            "action": "request_changes",
            "request_changes-seen": seen,
            "request_changes-reason": "safety",
            "request_changes-comment": "The dose in paragraph 2 is wrong.",
        },
    )
    html = response.content.decode()
    assert "moved on since you opened this page" in html
    assert "Approved version 1" in html  # what happened since
    assert "The dose in paragraph 2 is wrong." in html  # the reviewer's words are kept on screen
    in_review.refresh_from_db()
    assert in_review.status == S.APPROVED
    assert not ReviewDecision.objects.filter(decision="request_changes").exists()


def test_approval_after_another_reviewer_published_is_refused_with_a_reason(
    client, in_review, reviewer, second_reviewer
):
    client.force_login(second_reviewer)
    seen = seen_on_review_screen(client, in_review)
    workflow.approve(in_review, user=reviewer)
    response = client.post(review_url(in_review), {"action": "approve", "approve-seen": seen})
    assert "moved on since you opened this page" in response.content.decode()
    assert ReviewDecision.objects.filter(decision="approve").count() == 1


def test_second_approval_towards_a_quorum_still_counts(client, settings, author, reviewer, second_reviewer):
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    third = factories.reviewer(username="third")
    article = factories.make_article(author=author)
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer)
    client.force_login(second_reviewer)
    seen = seen_on_review_screen(client, article)
    workflow.approve(article, user=third)  # one of two: the state the page showed still holds
    client.post(review_url(article), {"action": "approve", "approve-seen": seen})
    article.refresh_from_db()
    assert article.status == S.APPROVED
    assert article.published_revision.approvals().count() == 2


def test_withdrawal_after_a_decision_from_a_stale_page_is_refused(client, in_review, author, reviewer):
    seen = workflow.state_token(in_review)
    workflow.request_changes(in_review, user=reviewer, comment="Add the 2024 guideline.")
    with pytest.raises(workflow.WorkflowError, match="moved on"):
        workflow.withdraw(in_review, user=author, seen=seen)


def test_stale_token_reveals_nothing_to_someone_who_cannot_read_articles(in_review, reviewer, db):
    outsider = factories.UserFactory(username="outsider")
    seen = workflow.state_token(in_review)
    workflow.approve(in_review, user=reviewer)
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.approve(in_review, user=outsider, seen=seen)
    assert "Approved version" not in str(refused.value)


def test_article_page_buttons_carry_the_state(client, in_review, author):
    client.force_login(author)
    html = client.get(f"/admin/articles/article/{in_review.pk}/change/").content.decode()
    assert f'name="seen" value="{workflow.state_token(in_review)}"' in html


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="real concurrent connections need PostgreSQL")
def test_twenty_simultaneous_decisions_give_exactly_one_outcome(django_capture_on_commit_callbacks):
    """20 threads, each its own database connection, decide on one item under review at once."""
    author = factories.editor(username="race-author")
    reviewers = [factories.reviewer(username=f"race-reviewer-{i}") for i in range(19)]
    article = factories.make_article(author=author, slug="race")
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewers[0])
    seen = workflow.state_token(article)
    history_before = article.history.count()
    mail.outbox.clear()

    actions = []
    for i, member in enumerate(reviewers):
        if i % 2:
            actions.append(lambda m=member: workflow.approve(Article.objects.get(slug="race"), user=m, seen=seen))
        else:
            actions.append(
                lambda m=member: workflow.request_changes(
                    Article.objects.get(slug="race"), user=m, comment="Needs work.", seen=seen
                )
            )
    actions.append(lambda: workflow.withdraw(Article.objects.get(slug="race"), user=author, seen=seen))

    start = threading.Barrier(len(actions))
    outcomes, errors = [], []

    def decide(action):
        try:
            start.wait()
            action()
            outcomes.append("done")
        except (workflow.WorkflowError, PermissionDenied) as refusal:
            outcomes.append(f"refused: {refusal}")
        except Exception as error:  # anything else is a bug
            errors.append(repr(error))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=decide, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert outcomes.count("done") == 1, outcomes
    assert all("moved on" in o for o in outcomes if o != "done")
    article.refresh_from_db()
    decisions = list(ReviewDecision.objects.filter(article=article))
    assert article.history.count() == history_before + 1  # one row per effective change
    if article.status == S.APPROVED:
        assert [d.decision for d in decisions] == ["approve"]
        assert article.published_revision_id is not None
    elif article.status == S.CHANGES_REQUESTED:
        assert [d.decision for d in decisions] == ["request_changes"]
        assert article.published_revision_id is None
    else:
        assert article.status == S.DRAFT and decisions == []
    # Emails go out after commit, for the one decision that was made only.
    assert len(mail.outbox) == (0 if article.status == S.DRAFT else 1)


# --- Editors never overwrite each other silently ---------------------------------------


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def form_data(response, **changes):
    """The change form exactly as the browser would post it back, with ``changes`` typed in."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            if form.is_bound:  # a form shown again after an error: what the browser holds now
                value = form.data.get(form.add_prefix(name))
            else:
                value = form.initial.get(name, field.initial)
            value = getattr(value, "pk", value)
            if value is not None and value is not False:
                data[form.add_prefix(name)] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    data.update(changes)
    return data


def test_second_save_from_a_stale_form_is_refused_with_the_text_kept(client, published, author, other_editor):
    client.force_login(author)
    first = client.get(change_url(published))
    client.force_login(other_editor)
    second = client.get(change_url(published))

    client.force_login(author)
    saved = client.post(change_url(published), form_data(first, body="Coffee raises blood pressure briefly [1]."))
    assert saved.status_code == 302

    client.force_login(other_editor)
    refused = client.post(
        change_url(published),
        form_data(second, body="Coffee is fine in moderation [1].", change_reason="Softer wording"),
    )
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Someone else saved this article while you were editing it" in html
    assert "author at" in html and "body" in html  # who, and what they changed
    assert "Coffee is fine in moderation [1]." in html  # the refused text is still on screen
    published.refresh_from_db()
    assert published.body == "Coffee raises blood pressure briefly [1]."

    # Having seen the conflict, saving again is a deliberate choice and goes through.
    again = client.post(change_url(published), form_data(refused, body="Merged: both points [1]."))
    assert again.status_code == 302
    published.refresh_from_db()
    assert published.body == "Merged: both points [1]."


def test_reference_change_by_another_editor_is_a_conflict(client, draft, author, other_editor):
    client.force_login(other_editor)
    stale = client.get(change_url(draft))
    factories.ReferenceFactory(article=draft, number=2)
    editing.references_changed(draft, user=author, reason="Added the 2024 review")
    response = client.post(change_url(draft), form_data(stale, title="What really causes headaches?"))
    assert response.status_code == 200
    assert "Someone else saved this article" in response.content.decode()
    assert "references" in response.content.decode()


def test_a_workflow_step_meanwhile_is_no_conflict(published, author, reviewer):
    base = editing.edit_version(published)
    workflow.claim(published, user=factories.reviewer(username="claimer"))
    published.body = "Edited after the claim [1]."
    editing.save_content(published, user=author, base=base)
    assert Article.objects.get(pk=published.pk).body == "Edited after the claim [1]."


def test_save_content_refuses_a_stale_base_for_any_caller(published, author, other_editor):
    base = editing.edit_version(published)
    published.summary = "Changed by the first editor."
    editing.save_content(published, user=author, base=base)
    stale = Article.objects.get(pk=published.pk)
    stale.summary = "Changed by the second editor."
    with pytest.raises(workflow.EditConflict, match="author at"):
        editing.save_content(stale, user=other_editor, base=base)
    assert Article.objects.get(pk=published.pk).summary == "Changed by the first editor."


def test_change_form_names_who_else_has_the_article_open(client, draft, author, other_editor):
    client.force_login(author)
    client.get(change_url(draft))
    client.force_login(other_editor)
    note = editing_note(client.get(change_url(draft)))
    assert "<strong>author</strong>" in note and "has this article open for editing" in note
    client.force_login(author)
    note = editing_note(client.get(change_url(draft)))
    assert "<strong>other_editor</strong>" in note and "<strong>author</strong>" not in note


def editing_note(response):
    match = re.search(r'<p class="wf-editing".*?</p>', response.content.decode(), re.S)
    assert match, "no editing note"
    return match.group(0)
