"""Content model: specialties, board members, articles, references, versions and decisions.

An ``Article`` row is the editors' working copy. Submitting it freezes a ``Revision``
(an immutable snapshot, references included); board decisions are pinned to that
revision, and the public site only ever renders an approved revision.
"""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, Count, Q, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Specialty(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:specialty", args=[self.slug])


class BoardMember(models.Model):
    """The public profile of a Medical Advisory Board reviewer."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="board_profile")
    display_name = models.CharField(max_length=150, help_text="As shown publicly, e.g. “Dr Jane Doe”.")
    slug = models.SlugField(max_length=150, unique=True)
    credentials = models.CharField(max_length=100, help_text="e.g. “MD, PhD”.")
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, null=True, blank=True)
    bio = models.TextField(blank=True)
    conflicts_of_interest = models.TextField(
        blank=True, help_text="Public statement; write “None declared.” if there are none."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self):
        return self.name_with_credentials

    def get_absolute_url(self):
        return reverse("articles:board") + f"#{self.slug}"

    @property
    def name_with_credentials(self):
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name


class ArticleQuerySet(models.QuerySet):
    def public(self):
        """Return articles a reader may see: those with a live approved version."""
        return self.filter(published_revision__isnull=False).exclude(status=Article.Status.ARCHIVED)

    def pending_public(self):
        """Return never-approved articles shown under ``EDITORIAL_SHOW_PENDING``."""
        return self.filter(
            published_revision__isnull=True,
            pending_revision__isnull=False,
            status__in=[Article.Status.SUBMITTED, Article.Status.IN_REVIEW],
        )

    def awaiting_review(self):
        return self.filter(status__in=[Article.Status.SUBMITTED, Article.Status.IN_REVIEW])

    def review_queue(self, now=None):
        """Return everything waiting for the board, oldest first, annotated for the queue.

        That is submitted and under-review versions, plus live articles whose periodic
        re-review falls due within ``EDITORIAL_REVIEW_DUE_SOON_DAYS``.
        """
        now = now or timezone.now()
        Status = Article.Status
        due_soon = now + timedelta(days=settings.EDITORIAL_REVIEW_DUE_SOON_DAYS)
        waiting_too_long = now - timedelta(days=settings.EDITORIAL_REVIEW_SLA_DAYS)
        with_board = Q(status__in=[Status.SUBMITTED, Status.IN_REVIEW])
        # Live articles come due whatever their editors are doing with the next draft.
        rereview = (
            Q(published_revision__isnull=False, next_review_due__lte=due_soon)
            & ~with_board
            & ~Q(status=Status.ARCHIVED)
        )
        return (
            self.filter(with_board | rereview)
            .annotate(
                waiting_since=Coalesce("pending_revision__submitted_at", "next_review_due"),
                approval_count=Count(
                    "pending_revision__decisions",
                    filter=Q(pending_revision__decisions__decision="approve"),
                    distinct=True,
                ),
                queue_kind=Case(
                    When(with_board & Q(published_revision__isnull=False), then=Value("update")),
                    When(with_board, then=Value("first")),
                    default=Value("rereview"),
                ),
                is_overdue=Case(
                    When(with_board & Q(pending_revision__submitted_at__lt=waiting_too_long), then=Value(True)),
                    When(~with_board & Q(next_review_due__lt=now), then=Value(True)),
                    default=Value(False),
                    output_field=models.BooleanField(),
                ),
            )
            .order_by("waiting_since", "pk")
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        IN_REVIEW = "in_review", "Under review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        ARCHIVED = "archived", "Archived"

    # Fields frozen into a Revision; editing any of them is a content change.
    CONTENT_FIELDS = ("title", "specialty_id", "summary", "body", "professional_summary", "professional_body")

    title = models.CharField(max_length=200, help_text="Often a question a reader would ask.")
    slug = models.SlugField(max_length=200, unique=True, help_text="Part of the public URL; keep it stable.")
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, related_name="articles")
    summary = models.TextField(
        help_text="One paragraph answering the question up front (plain language). Citations like [1] allowed."
    )
    body = models.TextField(
        help_text="Markdown, plain-language version. Cite references by their number: [1], [2, 3], [4-6]."
    )
    professional_summary = models.TextField(blank=True, help_text="Optional version for healthcare professionals.")
    professional_body = models.TextField(blank=True, help_text="Optional Markdown version for professionals.")

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False, null=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # The revision currently in the board's hands, and the one readers see.
    pending_revision = models.ForeignKey(
        "Revision", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    published_revision = models.ForeignKey(
        "Revision", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_review_due = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        permissions = [
            ("submit_article", "Can submit articles for review and withdraw them"),
            ("review_article", "Can review articles (Medical Advisory Board)"),
            ("archive_article", "Can archive and restore articles"),
        ]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", args=[self.slug])

    def is_public(self):
        return self.published_revision_id is not None and self.status != self.Status.ARCHIVED

    @property
    def is_locked(self):
        """Content in the board's hands is read-only to editors."""
        return self.status in (self.Status.SUBMITTED, self.Status.IN_REVIEW)

    def content_snapshot(self):
        """Return the reviewable content, references included, as plain data."""
        data = {field: getattr(self, field) for field in self.CONTENT_FIELDS}
        data["references"] = [ref.as_dict() for ref in self.references.order_by("number")]
        return data


class Reference(models.Model):
    class Kind(models.TextChoices):
        GUIDELINE = "guideline", "Guideline"
        RESEARCH = "research", "Research"
        OTHER = "other", "Other"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="references")
    number = models.PositiveSmallIntegerField(
        help_text="The number the text cites, e.g. 1 for [1]. Readers see references renumbered "
        "in order of first citation."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RESEARCH)
    title = models.CharField(max_length=500)
    source = models.CharField(max_length=300, blank=True, help_text="Journal or issuing body.")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    doi = models.CharField(max_length=200, blank=True, verbose_name="DOI")
    pmid = models.CharField(max_length=20, blank=True, verbose_name="PubMed ID")

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_reference_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="reference_number_positive"),
        ]

    def __str__(self):
        return f"[{self.number}] {self.title}"

    def as_dict(self):
        return {
            "number": self.number,
            "kind": self.kind,
            "title": self.title,
            "source": self.source,
            "year": self.year,
            "url": self.url,
            "doi": self.doi,
            "pmid": self.pmid,
        }


def hash_content(snapshot: dict) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()


class Revision(models.Model):
    """An immutable snapshot of an article's content, made when it is submitted."""

    class Kind(models.TextChoices):
        FIRST = "first", "First version"
        UPDATE = "update", "Update"

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200)
    # Reviewed like the text: moving an article to another topic is a change the board sees.
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, null=True, related_name="revisions")
    summary = models.TextField()
    body = models.TextField()
    professional_summary = models.TextField(blank=True)
    professional_body = models.TextField(blank=True)
    references = models.JSONField(default=list)
    content_hash = models.CharField(max_length=64)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="authored_revisions",
        help_text="Everyone who changed the content in this revision; none of them may approve it.",
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_revision_number"),
        ]
        indexes = [models.Index(fields=["article", "approved_at"])]

    def __str__(self):
        return f"{self.article} (version {self.number})"

    def get_absolute_url(self):
        return reverse("articles:version", args=[self.article.slug, self.number])

    @property
    def is_approved(self):
        return self.approved_at is not None

    def snapshot(self):
        data = {field: getattr(self, field) for field in Article.CONTENT_FIELDS}
        data["references"] = self.references
        return data

    def approvals(self):
        return self.decisions.filter(decision=ReviewDecision.Decision.APPROVE)


class ReviewDecision(models.Model):
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
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One approval per reviewer per revision: quorum counts distinct people.
            models.UniqueConstraint(
                fields=["revision", "reviewer"],
                condition=Q(decision="approve"),
                name="one_approval_per_reviewer_per_revision",
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


class Page(models.Model):
    """A simple editable public page, such as the editorial policy."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title


class FollowUpQuestion(models.Model):
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

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"Question about “{self.article}” ({self.created_at:%d %b %Y})"
