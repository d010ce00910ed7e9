"""Who reviews what: named reviewers assigned to review queue items.

Imported at the end of ``models.py`` so Django registers these models with the app.
Rows are written only by ``articles.assignments``; an assignment that ends is kept,
with who ended it, when and why (nothing is deleted).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .models import Article
from .validators import CleanTextMixin


class ReviewAssignmentQuerySet(models.QuerySet):
    def open(self):
        """Return assignments still running: not released and the item not yet decided."""
        return self.filter(ended_at__isnull=True)


class ReviewAssignment(CleanTextMixin, models.Model):
    """A board member asked by name to review an article while it waits in the queue."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    end_reason = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()
    objects = ReviewAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["assigned_at", "pk"]
        permissions = [("assign_reviewers", "Can assign board members to review queue items")]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "reviewer"],
                condition=Q(ended_at__isnull=True),
                name="one_open_assignment_per_reviewer",
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "ended_at"], name="assignment_reviewer_open_idx")]

    def __str__(self):
        return f"{self.reviewer} on “{self.article}”"

    @property
    def is_open(self):
        return self.ended_at is None
