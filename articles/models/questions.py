"""Readers' follow-up questions and the editors' replies (kept: who answered what, and when)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from articles.content.validators import CleanTextMixin

from .content import Article


class FollowUpQuestion(CleanTextMixin, models.Model):
    """A reader's follow-up question about an article, for the editors' inbox."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_PROGRESS = "in_progress", "In progress"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed (no action)"

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="questions")
    question = models.TextField(max_length=2000)
    email = models.EmailField(blank=True, help_text="Optional; only used to reply.")
    audience = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    editor_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The one-time token of the form it came from: a double click or a resend stores it once.
    submission_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The inbox, newest first (the admin's tie-breaker is -pk).
            models.Index(fields=["-created_at", "-id"], name="question_newest_idx"),
        ]

    def __str__(self):
        return f"Question about “{self.article}” ({self.created_at:%d %b %Y})"


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
