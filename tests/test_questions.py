"""Readers' follow-up questions reach the editors by email, and editors reply from the admin."""

import re
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from articles.models import FollowUpQuestion, QuestionReply

ASK = "/articles/coffee/ask/"


def change_url(question):
    return f"/admin/articles/followupquestion/{question.pk}/change/"


@pytest.fixture
def mail_down(monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)


def test_editors_are_emailed_when_a_question_arrives(
    client, django_capture_on_commit_callbacks, published, author, other_editor, reviewer
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ASK, {"question": "Is decaf <b>different</b>?", "email": "r@example.org"})
    assert response.status_code == 302
    question = FollowUpQuestion.objects.get()
    # Editors answer questions; the board (no change permission on the inbox) is not disturbed.
    assert sorted(m.to[0] for m in mail.outbox) == ["author@example.com", "other_editor@example.com"]
    message = mail.outbox[0]
    assert message.subject == "[Question] Is coffee bad for you?"
    assert "Is decaf <b>different</b>?" in message.body
    assert f"/admin/articles/followupquestion/{question.pk}/change/" in message.body
    assert "you can reply from the inbox" in message.body


def test_no_email_goes_out_before_the_question_is_stored(client, django_capture_on_commit_callbacks, published, author):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(ASK, {"question": "Is decaf different at all?"})
    assert FollowUpQuestion.objects.count() == 1
    assert mail.outbox == []  # sent only once the question has committed
    assert len(callbacks) == 1


def test_a_mail_outage_keeps_the_question_and_thanks_the_reader(
    client, django_capture_on_commit_callbacks, published, author, mail_down, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ASK, {"question": "Is decaf different at all?", "email": "r@example.org"})
    assert response.status_code == 302
    assert response["Location"].endswith("/ask/thanks/")
    assert FollowUpQuestion.objects.get().question == "Is decaf different at all?"
    assert "task deliver failed" in caplog.text  # the job's one line (retried later by a real queue)


def test_editor_replies_from_the_admin_and_the_reader_gets_the_text(client, published, author):
    question = FollowUpQuestion.objects.create(article=published, question="Is decaf different?", email="r@example.org")
    client.force_login(author)
    mail.outbox.clear()
    response = client.post(
        change_url(question),
        {"status": "in_progress", "editor_notes": "", "reply": "Decaf has a little caffeine, far less than coffee."},
        follow=True,
    )
    assert response.status_code == 200
    assert "Reply sent to r@example.org; the question is marked answered." in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["r@example.org"]
    assert "Is coffee bad for you?" in message.subject
    assert message.body.startswith("Decaf has a little caffeine, far less than coffee.")
    assert "You asked:\nIs decaf different?" in message.body
    question.refresh_from_db()
    assert question.status == FollowUpQuestion.Status.ANSWERED
    reply = QuestionReply.objects.get(question=question)
    assert (reply.sent_to, reply.sent_by, reply.delivered) == ("r@example.org", author, True)
    # The reply is kept on the question's page.
    assert "Decaf has a little caffeine" in client.get(change_url(question)).content.decode()


def test_a_refused_reply_is_kept_and_the_question_stays_open(client, published, author, mail_down):
    question = FollowUpQuestion.objects.create(article=published, question="Is decaf different?", email="r@example.org")
    client.force_login(author)
    response = client.post(
        change_url(question), {"status": "new", "editor_notes": "", "reply": "Far less caffeine."}, follow=True
    )
    assert response.status_code == 200
    assert "The mail server refused the reply to r@example.org" in response.content.decode()
    question.refresh_from_db()
    assert question.status == FollowUpQuestion.Status.NEW
    assert QuestionReply.objects.get(question=question).delivered is False


def test_no_reply_box_for_a_reader_who_left_no_address(client, published, author):
    question = FollowUpQuestion.objects.create(article=published, question="Is decaf different?")
    client.force_login(author)
    assert "Reply by email" not in client.get(change_url(question)).content.decode()
    mail.outbox.clear()
    # A hand-made post with a reply is refused, not sent nowhere.
    response = client.post(change_url(question), {"status": "answered", "editor_notes": "", "reply": "Hello"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["reply"][0].startswith("This reader left no email address")
    assert mail.outbox == []
    question.refresh_from_db()
    assert question.status == FollowUpQuestion.Status.NEW


def form_token(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode())[1]


def test_the_same_form_posted_twice_stores_one_question(client, published):
    token = form_token(client.get(ASK))
    data = {"question": "Is decaf different at all?", "email": "r@example.org", "token": token}
    first, second = client.post(ASK, data), client.post(ASK, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == "/articles/coffee/ask/thanks/"
    assert FollowUpQuestion.objects.get().submission_token == token


def test_the_form_shown_again_has_a_fresh_token_and_is_never_cached(client, published):
    first = client.get(ASK)
    client.post(ASK, {"question": "Is decaf different at all?", "token": form_token(first)})
    again = client.get(ASK)
    assert form_token(again) != form_token(first)
    assert "no-store" in again["Cache-Control"]  # Back refetches the form instead of showing the sent one
    # ... and does not refill the sent question into it.
    assert 'autocomplete="off"' in re.search(r"<textarea[^>]*>", again.content.decode())[0]


def test_a_new_token_for_each_form_makes_separate_questions(client, published):
    for text in ("Is decaf different at all?", "And what about green tea?"):
        client.post(ASK, {"question": text, "token": form_token(client.get(ASK))})
    assert FollowUpQuestion.objects.count() == 2


def test_a_form_with_errors_keeps_its_token(client, published):
    token = form_token(client.get(ASK))
    response = client.post(ASK, {"question": "short", "token": token})
    assert response.status_code == 200
    assert form_token(response) == token
    client.post(ASK, {"question": "Long enough this time?", "token": token})
    client.post(ASK, {"question": "Long enough this time?", "token": token})
    assert FollowUpQuestion.objects.count() == 1


def test_a_malformed_token_is_replaced_not_stored(client, published):
    response = client.post(ASK, {"question": "Is decaf different at all?", "token": "<script>"})
    assert response.status_code == 302
    assert FollowUpQuestion.objects.get().submission_token is None
