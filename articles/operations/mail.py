"""Sending mail for the app: one message per recipient, after the work that caused it is saved.

A mail server outage is logged for the operators, never turned into an error for the person
whose decision or question is already stored.
"""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail

logger = logging.getLogger(__name__)


def absolute(path: str) -> str:
    """The full address of ``path`` on the public site, for links in emails."""
    return settings.EDITORIAL_BASE_URL.rstrip("/") + path


def send(subject: str, body: str, recipients) -> int:
    """Send one message per recipient, so nobody sees the others' addresses; return how many went.

    Mail runs after the workflow step has committed: a mail server outage is logged for the
    operators, never turned into an error for the reviewer whose decision is already saved.
    """
    subject = " ".join(subject.split())  # no line breaks can reach a mail header
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in sorted(set(recipients)) if email]
    if not messages:
        return 0
    try:
        return send_mass_mail(messages, fail_silently=False)
    except Exception:  # noqa: BLE001 - any backend failure must not undo a saved decision
        logger.exception("Could not send %d notification(s): %s", len(messages), subject)
        return 0
