"""Replies the editors send to readers' follow-up questions (kept: who answered what, and when)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class QuestionReply(models.Model):
    """One email reply to a reader's question, as sent from the admin."""

    question = models.ForeignKey("articles.FollowUpQuestion", on_delete=models.PROTECT, related_name="replies")
    body = models.TextField(max_length=5000)
    sent_to = models.EmailField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="question_replies")
    sent_at = models.DateTimeField(default=timezone.now)
    # False when the mail server refused it: the reply is kept so an editor can send it again.
    delivered = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name_plural = "question replies"

    def __str__(self):
        return f"Reply to {self.sent_to} ({self.sent_at:%d %b %Y %H:%M})"
