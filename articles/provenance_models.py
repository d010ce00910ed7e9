"""Public provenance: who wrote articles (author profiles) and why an article was withdrawn.

Imported at the end of ``models.py`` so Django registers these models with the app.
Withdrawals are written only by ``workflow.archive``; they are never edited or deleted.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .models import Article, Revision
from .validators import CleanTextMixin


class AuthorProfile(CleanTextMixin, models.Model):
    """An editor's public byline: shown on the articles they wrote when ``is_public``."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="author_profile")
    display_name = models.CharField(max_length=150, help_text="As shown publicly, e.g. “Sam Rivera”.")
    slug = models.SlugField(max_length=150, unique=True)
    role = models.CharField(max_length=100, help_text="e.g. “Medical writer”, “Health editor”.")
    credentials = models.CharField(max_length=100, blank=True, help_text="e.g. “MPH”, “RN”. Optional.")
    bio = models.TextField(blank=True)
    is_public = models.BooleanField(
        default=True, help_text="Credit this person by name; otherwise they are credited as “the editorial team”."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["display_name"]

    def __str__(self):
        return self.name_with_credentials

    def get_absolute_url(self):
        return reverse("articles:author", args=[self.slug])

    @property
    def name_with_credentials(self):
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name


class Withdrawal(CleanTextMixin, models.Model):
    """A published article taken off the site: what, when, why, and what replaces it."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="withdrawals")
    # The version readers saw until the withdrawal.
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(help_text="Public: shown on the article's address and its version pages.")
    replacement = models.ForeignKey(
        Article, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="Optional."
    )
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-withdrawn_at", "-pk"]
        indexes = [models.Index(fields=["-withdrawn_at"], name="withdrawal_newest_idx")]

    def __str__(self):
        return f"Withdrawal of “{self.revision.title}” ({self.withdrawn_at:%d %b %Y})"
