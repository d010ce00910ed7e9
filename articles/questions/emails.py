"""Emails about readers' questions: to the editors when one arrives, to the reader when answered.

The editors' notice goes through the task queue; a reply is sent at once, because the inbox
records (and shows the editor) whether it went.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse

from articles.operations.mail import absolute, queue, send


def inbox_editors():
    """Return active users who answer readers' questions (the inbox's change permission)."""
    User = get_user_model()
    perm = Q(groups__permissions__codename="change_followupquestion") | Q(
        user_permissions__codename="change_followupquestion"
    )
    return User.objects.filter(is_active=True).exclude(email="").filter(perm).distinct()


def question_received(question) -> None:
    """Tell the editors a reader asked a follow-up question, with a link to it in the inbox."""
    article = question.article
    link = absolute(reverse("admin:articles_followupquestion_change", args=[question.pk]))
    subject = f"[Question] {article.title}"
    body = (
        f"A reader asked a follow-up question about “{article.title}”:\n\n{question.question}\n\n"
        + ("They left an email address, so you can reply from the inbox.\n" if question.email else "")
        + f"Open it in the inbox: {link}\n"
    )
    queue(subject, body, [u.email for u in inbox_editors()])


def question_reply(question, body: str) -> int:
    """Send an editor's reply to the reader who asked; return 1 if it went, 0 if not."""
    site = settings.EDITORIAL_SITE_NAME
    subject = f"Your question about “{question.article.title}” ({site})"
    text = (
        f"{body}\n\n— The editors of {site}\n\n"
        f"You asked:\n{question.question}\n\n"
        f"The article: {absolute(question.article.get_absolute_url())}\n"
        "We cannot give personal medical advice; for that, please talk to your doctor.\n"
    )
    return send(subject, text, [question.email])
