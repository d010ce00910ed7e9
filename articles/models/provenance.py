"""Public provenance: why an article was withdrawn, and what replaced it.

Withdrawals are written only by ``workflow.archive``; they are never edited or deleted.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from articles.content.validators import CleanTextMixin

from .content import Article, Revision


class Withdrawal(CleanTextMixin, models.Model):
    """A published article taken off the site: what, when, why, and what replaces it."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="withdrawals")
    # The version readers saw until the withdrawal.
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(help_text="Public: shown on the article's address and its version pages.")
    replacement = models.ForeignKey(
        Article, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="Optional."
    )
    # None: the article reached its end date (``Article.expires_at``), nobody withdrew it by hand.
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-withdrawn_at", "-pk"]
        indexes = [models.Index(fields=["-withdrawn_at"], name="withdrawal_newest_idx")]

    def __str__(self):
        return f"Withdrawal of “{self.revision.title}” ({self.withdrawn_at:%d %b %Y})"
