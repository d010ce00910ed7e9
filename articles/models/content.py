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
from django.db import models
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Least
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from articles.content.validators import CleanTextMixin

from .figures import images_for


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

    def public(self, now=None):
        """Return articles a reader may see: with a live approved version, and not past their end date.

        The first request after a scheduled go-live or end date applies it (``articles.site.schedule``).
        """
        now = now or timezone.now()
        return (
            self.filter(published_revision__isnull=False)
            .exclude(status=Article.Status.ARCHIVED)
            .exclude(expires_at__lte=now)
        )

    def due(self, now=None):
        """Return articles whose scheduled go-live or end date has come (``schedule.apply_due`` acts on them)."""
        now = now or timezone.now()
        live = Q(published_revision__isnull=False) & ~Q(status=Article.Status.ARCHIVED)
        return self.filter(Q(status=Article.Status.SCHEDULED, go_live_at__lte=now) | (live & Q(expires_at__lte=now)))

    def next_scheduled_change(self):
        """The next instant any article's public state changes by the clock (a go-live or an end date), or None."""
        live = Q(published_revision__isnull=False) & ~Q(status=Article.Status.ARCHIVED)
        found = self.aggregate(
            go=models.Min("go_live_at", filter=Q(status=Article.Status.SCHEDULED)),
            end=models.Min("expires_at", filter=live),
        )
        return min((t for t in found.values() if t is not None), default=None)

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
        # An end date coming up brings the article to the board the same way: confirming it
        # still accurate moves or clears the date (``workflow.confirm_current``).
        # A cited source retracted (or given an expression of concern) since the board last
        # reviewed the live version brings it to the board at once (``review/sources.py``).
        alerts = apps.get_model("articles", "SourceAlert").objects.filter(article=OuterRef("pk"))
        alerts = alerts.filter(
            Q(article__last_reviewed_at__isnull=True) | Q(created_at__gt=F("article__last_reviewed_at"))
        )
        rereview = (
            Q(published_revision__isnull=False)
            & (Q(next_review_due__lte=due_soon) | Q(expires_at__lte=due_soon) | Q(source_alert_at__isnull=False))
            & ~with_board
            & ~Q(status=Status.SCHEDULED)
            & ~Q(status=Status.ARCHIVED)
        )
        # Approved versions waiting for their go-live stay in sight: the board may move or cancel it.
        scheduled = Q(status=Status.SCHEDULED)
        due_or_ending = Least(Coalesce("next_review_due", "expires_at"), Coalesce("expires_at", "next_review_due"))
        return (
            self.annotate(source_alert_at=Subquery(alerts.order_by("created_at").values("created_at")[:1]))
            .filter(with_board | rereview | scheduled)
            .annotate(
                waiting_since=Case(
                    When(scheduled, then=F("go_live_at")),
                    When(~with_board & Q(source_alert_at__isnull=False), then=F("source_alert_at")),
                    default=Coalesce("pending_revision__submitted_at", due_or_ending),
                ),
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
                    When(scheduled, then=Value("scheduled")),
                    When(with_board & Q(published_revision__isnull=False), then=Value("update")),
                    When(with_board, then=Value("first")),
                    default=Value("rereview"),
                ),
                is_overdue=Case(
                    When(scheduled, then=Value(False)),
                    When(with_board & Q(pending_revision__submitted_at__lt=waiting_too_long), then=Value(True)),
                    When(~with_board & Q(next_review_due__lt=now), then=Value(True)),
                    When(~with_board & Q(expires_at__lt=due_soon), then=Value(True)),
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
        # Approved by the board, waiting for its go-live time (``go_live_at``); readers keep the
        # previous approved version, or get a 404 for a first version, until then.
        SCHEDULED = "scheduled", "Scheduled"
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

    # Timing the editors ask for, frozen into the next version submitted (``Revision``); rules in
    # ``articles/review/workflow.py``.
    not_before = models.DateTimeField(
        "embargo: not before",
        null=True,
        blank=True,
        help_text="A journal embargo: the next version cannot go live before this time, whatever the board does.",
    )
    requested_go_live_at = models.DateTimeField(
        "requested go-live",
        null=True,
        blank=True,
        help_text="When you would like the next version to go live; the board sees it and decides.",
    )
    ends_at = models.DateTimeField(
        "end date",
        null=True,
        blank=True,
        help_text="Seasonal content: the article leaves the site at this time (410 with the reason below), "
        "unless the board re-reviews it before.",
    )
    end_reason = models.CharField(
        "reason shown after the end date",
        max_length=300,
        blank=True,
        help_text="Readers see it on the article's address once it has ended.",
    )
    # The workflow's own: when the scheduled version goes live, and the live version's end date.
    go_live_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    expiry_reason = models.CharField(max_length=300, blank=True, editable=False)

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
            # The next scheduled change (go-live or end date) without reading every article.
            models.Index(fields=["go_live_at"], condition=Q(go_live_at__isnull=False), name="article_go_live_idx"),
            models.Index(fields=["expires_at"], condition=Q(expires_at__isnull=False), name="article_expires_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", args=[self.slug])

    def is_public(self, now=None):
        """The instance twin of ``ArticleQuerySet.public()``."""
        if self.published_revision_id is None or self.status == self.Status.ARCHIVED:
            return False
        return self.expires_at is None or self.expires_at > (now or timezone.now())

    def next_scheduled_change(self):
        """When what readers see of this article changes next by the clock: its go-live or its end, or None."""
        go = self.go_live_at if self.status == self.Status.SCHEDULED else None
        end = self.expires_at if self.published_revision_id and self.status != self.Status.ARCHIVED else None
        return min((t for t in (go, end) if t is not None), default=None)

    def is_pending_public(self):
        """Whether ``EDITORIAL_SHOW_PENDING`` would show it: never approved, with the board now."""
        return (
            self.published_revision_id is None
            and self.pending_revision_id is not None
            and self.status in (self.Status.SUBMITTED, self.Status.IN_REVIEW)
        )

    @property
    def is_locked(self):
        """Content in the board's hands, or approved and waiting to go live, is read-only to editors."""
        return self.status in (self.Status.SUBMITTED, self.Status.IN_REVIEW, self.Status.SCHEDULED)

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
    # Timing frozen from the working copy at submission (see ``Article``), and the board's go-live.
    not_before = models.DateTimeField("embargo: not before", null=True, blank=True)
    requested_go_live_at = models.DateTimeField("requested go-live", null=True, blank=True)
    ends_at = models.DateTimeField("end date", null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    go_live_at = models.DateTimeField("scheduled go-live", null=True, blank=True)

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

    def figure_images(self) -> dict:
        """The images this version's figures show (``figures.images_for``): frozen at submission,
        the library's for a working copy not submitted yet. Read once per instance."""
        if not hasattr(self, "_figure_images"):
            self._figure_images = images_for(self)
        return self._figure_images


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
