"""Emails: submissions to the board, decisions to authors, daily reminders."""

from datetime import timedelta
from io import StringIO

import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from articles.review import editing, workflow

from . import factories


def test_submission_emails_each_board_member_but_not_the_authors(
    django_capture_on_commit_callbacks, author, reviewer, second_reviewer
):
    article = factories.make_article(author=author, title="Gout and diet")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(article, user=author)
    assert sorted(m.to[0] for m in mail.outbox) == ["reviewer@example.com", "second_reviewer@example.com"]
    message = mail.outbox[0]
    assert "Gout and diet" in message.subject
    assert f"/admin/articles/reviewqueueitem/{article.pk}/review/" in message.body
    assert all(len(m.to) == 1 for m in mail.outbox)


def test_approval_emails_the_author_with_the_public_link(django_capture_on_commit_callbacks, author, reviewer):
    article = factories.make_article(author=author, slug="gout")
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(
            article, user=reviewer, revision=factories.under_decision("approve", article), comment="Clear and accurate"
        )
    [message] = mail.outbox
    assert message.to == ["author@example.com"]
    assert "Approved" in message.subject
    assert "Clear and accurate" in message.body
    assert "/articles/gout/" in message.body
    assert f"/admin/articles/article/{article.pk}/change/" in message.body


def test_request_changes_emails_every_author_with_reason_and_comment(
    django_capture_on_commit_callbacks, author, other_editor, reviewer
):
    article = factories.make_article(author=author)
    article.body = "Co-written [1]."
    editing.save_content(article, user=other_editor)
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(
            article,
            user=reviewer,
            revision=factories.under_decision("request_changes", article),
            comment="Check the dose",
            reason="safety",
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["author@example.com", "other_editor@example.com"]
    assert "Reason: Safety" in mail.outbox[0].body
    assert "Check the dose" in mail.outbox[0].body


def test_no_email_is_sent_when_a_transition_fails(django_capture_on_commit_callbacks, author):
    article = factories.make_article(author=author, body="Broken [5].")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            workflow.submit(article, user=author)
        except Exception:  # noqa: BLE001 - the citation gate refuses it
            pass
    assert mail.outbox == []


def test_reminders_list_due_and_overdue_items_to_the_board(author, reviewer, second_reviewer):
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=400), tick=False):
        factories.publish(
            factories.make_article(author=author, title="Overdue one"), author=author, reviewers=[reviewer]
        )
    waiting = factories.make_article(author=author, title="Fresh submission")
    workflow.submit(waiting, user=author)
    mail.outbox.clear()
    out = StringIO()
    call_command("review_reminders", stdout=out)
    assert "OVERDUE Overdue one" in out.getvalue()
    assert "Fresh submission" in out.getvalue()
    assert sorted(m.to[0] for m in mail.outbox) == ["reviewer@example.com", "second_reviewer@example.com"]
    body = mail.outbox[0].body
    assert "Overdue one: re-review overdue by 35 day(s)" in body
    assert "/admin/articles/reviewqueueitem/" in body
    assert "1 overdue" in mail.outbox[0].subject


def test_reminders_dry_run_sends_nothing(author, reviewer):
    workflow.submit(factories.make_article(author=author, title="Waiting"), user=author)
    mail.outbox.clear()
    out = StringIO()
    call_command("review_reminders", "--dry-run", stdout=out)
    assert "Waiting" in out.getvalue()
    assert mail.outbox == []


def test_reminders_with_nothing_due_say_so_and_send_nothing(reviewer):
    out = StringIO()
    call_command("review_reminders", stdout=out)
    assert "Nothing is due" in out.getvalue()
    assert mail.outbox == []
