"""Readers' follow-up questions: taking them in once, telling the editors, replying by email.

Views and the admin call these; the rules (one question per form, who may reply, what a reply
records) live here, not in the views.
"""

import re
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, FollowUpQuestion, QuestionReply

from . import emails

REPLY_PERMISSION = "articles.change_followupquestion"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_token() -> str:
    """Return a one-time token for a question form."""
    return secrets.token_urlsafe(24)


def valid_token(value: str) -> str | None:
    """Return the posted token if it has the shape ``new_token`` gives, else None."""
    return value if value and TOKEN_PATTERN.match(value) else None


def already_received(token: str | None) -> bool:
    return token is not None and FollowUpQuestion.objects.filter(submission_token=token).exists()


def receive(*, article: Article, question: str, email: str, audience: str, token: str | None) -> FollowUpQuestion:
    """Store a reader's question once per form token and tell the editors after it commits.

    A second post with the same token (a double click, Back and resend) returns the question
    already stored; the database's unique constraint settles two posts racing each other.
    """
    try:
        with transaction.atomic():
            stored = FollowUpQuestion.objects.create(
                article=article, question=question, email=email, audience=audience, submission_token=token
            )
    except IntegrityError:
        if token is None:
            raise
        return FollowUpQuestion.objects.get(submission_token=token)
    transaction.on_commit(lambda: emails.question_received(stored))
    return stored


def reply(question: FollowUpQuestion, *, user, body: str) -> QuestionReply:
    """Email ``body`` to the reader who asked, record it, and mark the question answered.

    The reply is recorded even if the mail server refuses it (``delivered`` is then False), so
    nothing an editor wrote is lost; the question is marked answered only once a reply went out.
    """
    if not user.has_perm(REPLY_PERMISSION):
        raise PermissionDenied("You may not reply to readers' questions.")
    body = body.strip()
    if not body:
        raise ValidationError({"reply": "Write the reply to send."}, code="required")
    if not question.email:
        raise ValidationError({"reply": "This reader left no email address, so there is nobody to reply to."})
    sent = emails.question_reply(question, body) == 1
    with transaction.atomic():
        answer = QuestionReply.objects.create(
            question=question, body=body, sent_to=question.email, sent_by=user, sent_at=timezone.now(), delivered=sent
        )
        if sent and question.status != FollowUpQuestion.Status.ANSWERED:
            question.status = FollowUpQuestion.Status.ANSWERED
            question._change_reason = "Replied by email"
            question._history_user = user
            question.save(update_fields=["status"])
    return answer
