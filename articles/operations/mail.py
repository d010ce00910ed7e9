"""Sending mail for the app: one message per recipient, after the work that caused it is saved.

Notifications go through the task queue (``queue``): each message is a job enqueued once the
transaction that caused it commits, retried with backoff while the mail server is away, and
listed in the admin if it fails for good. A mail server outage never becomes an error for the
person whose decision or question is already stored. ``send`` delivers at once, for callers that
report the outcome themselves (a reply to a reader, the reminders command).
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, send_mass_mail

from .tasks import background, enqueue_after_commit

logger = logging.getLogger(__name__)


def absolute(path: str) -> str:
    """The full address of ``path`` on the public site, for links in emails."""
    return settings.EDITORIAL_BASE_URL.rstrip("/") + path


def _messages(subject: str, body: str, recipients) -> list[tuple]:
    subject = " ".join(subject.split())  # no line breaks can reach a mail header
    return [(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in sorted(set(recipients)) if email]


def send(subject: str, body: str, recipients) -> int:
    """Send one message per recipient now, so nobody sees the others' addresses; return how many went.

    A mail server outage is logged for the operators and counted as nothing sent.
    """
    messages = _messages(subject, body, recipients)
    if not messages:
        return 0
    try:
        return send_mass_mail(messages, fail_silently=False)
    except Exception:  # noqa: BLE001 - any backend failure must not undo a saved decision
        logger.exception("Could not send %d notification(s): %s", len(messages), messages[0][0])
        return 0


def queue(subject: str, body: str, recipients) -> int:
    """Send one message per recipient from the task queue, after the current transaction commits.

    Each recipient is a job of its own, so a retry never sends anyone the message twice because
    another address failed. Returns how many messages were queued.
    """
    messages = _messages(subject, body, recipients)
    for subject_line, text, sender, to in messages:
        enqueue_after_commit(deliver, subject_line, text, sender, to)
    return len(messages)


@background(attempts=8, backoff=30, max_backoff=3600)
def deliver(subject: str, body: str, sender: str, to: list[str]) -> int:
    """Deliver one message (a job); raising hands it back to the queue to retry later."""
    return EmailMessage(subject, body, sender, to).send(fail_silently=False)
