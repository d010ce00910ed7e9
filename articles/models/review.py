"""The board's records: decisions on versions, the review queue, assignments, passage comments.

Decisions are written only by ``articles.review.workflow`` and assignments by
``articles.review.assignments``; nothing here is edited after the fact or deleted (an
assignment that ends is kept, with who ended it, when and why).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from articles.content.validators import CleanTextMixin

from .content import Article, Revision


class ReviewDecision(CleanTextMixin, models.Model):
    """A board member's decision on one revision; decisions are never edited."""

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approved"
        REQUEST_CHANGES = "request_changes", "Changes requested"
        CONFIRM_CURRENT = "confirm_current", "Confirmed still accurate"

    class Reason(models.TextChoices):
        ACCURACY = "accuracy", "Accuracy"
        MISSING_EVIDENCE = "missing_evidence", "Missing evidence"
        CLARITY = "clarity", "Clarity"
        SAFETY = "safety", "Safety"
        OTHER = "other", "Other"

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="decisions")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="decisions")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The public attribution as it stood when the decision was made; later profile edits
    # (or a member leaving the board) never rewrite who approved what.
    reviewer_name = models.CharField(max_length=150, blank=True)
    reviewer_credentials = models.CharField(max_length=100, blank=True)
    reviewer_slug = models.SlugField(max_length=150, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    comment = models.TextField(blank=True)
    # The reviewer's conflicts declaration for this article, shown beside their name.
    conflicts = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The review stage of the version decided at (``RevisionStage.position``); 1 for single-stage reviews.
    stage = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One approval per reviewer per stage of a revision: each stage's quorum counts distinct people.
            models.UniqueConstraint(
                fields=["revision", "stage", "reviewer"],
                condition=Q(decision="approve"),
                name="one_approval_per_reviewer_per_stage",
            ),
            models.CheckConstraint(
                condition=~Q(decision="request_changes") | ~Q(comment=""),
                name="request_changes_needs_comment",
            ),
        ]

    def __str__(self):
        return f"{self.get_decision_display()} by {self.reviewer} on {self.revision}"

    @property
    def attribution(self):
        name = self.reviewer_name or self.reviewer.get_full_name() or "a board member"
        return f"{name}, {self.reviewer_credentials}" if self.reviewer_credentials else name


class ReviewQueueItem(Article):
    """The board's view of articles waiting for them (a proxy: same rows, its own admin)."""

    class Meta:
        proxy = True
        verbose_name = "review queue item"
        verbose_name_plural = "review queue"


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


class PassageComment(CleanTextMixin, models.Model):
    """A reviewer's comment on one passage (or selected words) of a version under review.

    Never public. Editors answer with replies and mark it resolved; nothing is deleted.
    """

    class Part(models.TextChoices):
        SUMMARY = "summary", "Summary"
        BODY = "body", "Body"
        PROFESSIONAL_SUMMARY = "professional_summary", "Professional summary"
        PROFESSIONAL_BODY = "professional_body", "Professional body"

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="passage_comments")
    revision = models.ForeignKey("articles.Revision", on_delete=models.PROTECT, related_name="passage_comments")
    part = models.CharField(max_length=30, choices=Part.choices)
    passage_index = models.PositiveIntegerField(help_text="Position of the passage in the rendered part, from 0.")
    passage_text = models.TextField(help_text="The passage as the reviewer read it.")
    quote = models.CharField(max_length=500, blank=True, help_text="The words the reviewer selected, if any.")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["article", "resolved_at"], name="comment_article_open_idx")]

    def __str__(self):
        return f"Comment on “{self.article}” ({self.get_part_display()})"

    @property
    def is_resolved(self):
        return self.resolved_at is not None


class PassageCommentReply(CleanTextMixin, models.Model):
    """An answer in a passage comment's thread, by an editor or a reviewer."""

    comment = models.ForeignKey(PassageComment, on_delete=models.PROTECT, related_name="replies")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "passage comment replies"

    def __str__(self):
        return f"Reply to {self.comment}"
