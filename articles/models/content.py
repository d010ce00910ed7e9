"""Content models: topics, articles (the editors' working copy), references, versions, pages.

An ``Article`` row is the editors' working copy. Submitting it freezes a ``Revision``
(an immutable snapshot, references included); board decisions (``models/review.py``) are
pinned to that revision, and the public site only ever renders an approved revision.
"""

import hashlib
import json
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from articles.content.rendering import MAX_CITABLE_NUMBER, http_url
from articles.content.validators import CleanTextMixin


class Specialty(CleanTextMixin, models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:specialty", args=[self.slug])


class ArticleQuerySet(models.QuerySet):
    @staticmethod
    def _decisions():
        # The board's decisions live in models/review.py, which builds on this module.
        return apps.get_model("articles", "ReviewDecision").objects

    def public(self):
        """Return articles a reader may see: those with a live approved version."""
        return self.filter(published_revision__isnull=False).exclude(status=Article.Status.ARCHIVED)

    def withdrawn(self):
        """Return articles taken off the site after being published (their address answers 410)."""
        return self.filter(status=Article.Status.ARCHIVED, withdrawals__isnull=False).distinct()

    def with_readable_versions(self):
        """Return articles whose approved versions readers may open: public ones and withdrawn ones."""
        public = Q(published_revision__isnull=False) & ~Q(status=Article.Status.ARCHIVED)
        return self.filter(public | Q(status=Article.Status.ARCHIVED, withdrawals__isnull=False)).distinct()

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
                # A subquery, not Count(): a GROUP BY over every article column would sort
                # the whole queue, text included, before the first row is shown.
                approval_count=Coalesce(
                    Subquery(
                        self._decisions()
                        .filter(revision=OuterRef("pending_revision"), decision="approve")
                        .order_by()
                        .values("revision")
                        .annotate(people=Count("reviewer", distinct=True))
                        .values("people")
                    ),
                    Value(0),
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


class Article(CleanTextMixin, models.Model):
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
    # Slugs of the ``ArticleFlag`` rows ticked on the form ("mentions medicines"): reviewed content,
    # frozen into each version, and what decides which review stages a version goes through.
    flags = models.JSONField(default=list, blank=True)

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
        indexes = [
            models.Index(fields=["status", "updated_at"]),
            # The admin lists articles by title, then newest first (its tie-breaker is -pk).
            models.Index(fields=["title", "-id"], name="article_title_idx"),
            models.Index(fields=["status", "title", "-id"], name="article_status_title_idx"),
            # Counting public articles (the sitemap) from the index alone.
            models.Index(fields=["published_revision", "status"], name="article_public_idx"),
            # The review queue finds live articles coming due without reading every article.
            models.Index(fields=["next_review_due"], name="article_review_due_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", args=[self.slug])

    def is_public(self):
        return self.published_revision_id is not None and self.status != self.Status.ARCHIVED

    def is_pending_public(self):
        """Whether ``EDITORIAL_SHOW_PENDING`` would show it: never approved, with the board now."""
        return (
            self.published_revision_id is None
            and self.pending_revision_id is not None
            and self.status in (self.Status.SUBMITTED, self.Status.IN_REVIEW)
        )

    @property
    def is_locked(self):
        """Content in the board's hands is read-only to editors."""
        return self.status in (self.Status.SUBMITTED, self.Status.IN_REVIEW)

    def content_snapshot(self):
        """Return the reviewable content, references and flags included, as plain data."""
        data = {field: getattr(self, field) for field in self.CONTENT_FIELDS}
        data["references"] = [ref.as_dict() for ref in self.references.order_by("number")]
        return with_flags(data, self.flags)


def with_flags(snapshot: dict, flags) -> dict:
    """Add the article's flags to a snapshot, only when it has some: a version without flags keeps the
    content hash it had before flags existed."""
    if flags:
        snapshot["flags"] = sorted(set(flags))
    return snapshot


def max_reference_number() -> int:
    """The most references an article may have, and so the highest number one may carry."""
    return min(settings.EDITORIAL_MAX_REFERENCES, MAX_CITABLE_NUMBER)


class Reference(CleanTextMixin, models.Model):
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

    def clean(self):
        errors = {}
        # Stored URLs become links on public pages: only web addresses, whatever wrote the row.
        if self.url and not http_url(self.url):
            errors["url"] = ValidationError("Enter a web address starting with http:// or https://.", code="scheme")
        if self.number and self.number > max_reference_number():
            errors["number"] = ValidationError(
                "Reference numbers go up to %(max)d: an article has at most %(max)d references.",
                code="max_number",
                params={"max": max_reference_number()},
            )
        if errors:
            raise ValidationError(errors)

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


class Revision(CleanTextMixin, models.Model):
    """An immutable snapshot of an article's content, made when it is submitted."""

    class Kind(models.TextChoices):
        FIRST = "first", "First version"
        UPDATE = "update", "Update"

    class ChangeKind(models.TextChoices):
        CORRECTION = "correction", "Correction of an error"
        CLINICAL = "clinical", "Clinical update"
        EDITORIAL = "editorial", "Editorial or wording change"

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
    # What changed, for readers: required for updates (the board may edit it when approving).
    change_kind = models.CharField(max_length=20, choices=ChangeKind.choices, blank=True)
    change_note = models.CharField(max_length=300, blank=True)
    # The article's flags as submitted (see ``Article.flags``), and the position of the review stage
    # the version waits at (its stages are frozen at submission: ``RevisionStage``).
    flags = models.JSONField(default=list, blank=True)
    current_stage = models.PositiveSmallIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_revision_number"),
        ]
        indexes = [
            models.Index(fields=["article", "approved_at"]),
            # The sitemap's latest approval overall and per topic: newest first, stop at the first.
            models.Index(fields=["-approved_at"], name="revision_approved_idx"),
            models.Index(fields=["specialty", "-approved_at"], name="revision_topic_approved_idx"),
            # The few versions with a professional text (the professional sitemap).
            models.Index(fields=["id"], condition=~Q(professional_body=""), name="revision_professional_idx"),
        ]

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
        return with_flags(data, self.flags)

    def approvals(self):
        return self.decisions.filter(decision="approve")


class Page(CleanTextMixin, models.Model):
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
