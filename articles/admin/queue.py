"""The board's screens: the review queue (with the review screen behind each row), decisions, versions."""

from functools import partial

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.humanize.templatetags.humanize import naturalday
from django.db.models import Prefetch
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from articles.content.times import describe
from articles.models import ReviewAssignment, ReviewDecision, ReviewQueueItem, Revision, RevisionStage, person_name
from articles.review import screen, sources, stages
from articles.review.workflow import REPLAN_PERMISSION

from . import previews
from .articles import ArticleAdmin
from .base import ReadOnlyAdminMixin, WorkflowAdminMixin
from .workflows import replan_selected


def with_open_assignments(queryset):
    """Fetch each row's running assignments in one query (the column below reads them)."""
    running = ReviewAssignment.objects.open().select_related("reviewer__board_profile")
    return queryset.prefetch_related(Prefetch("assignments", queryset=running, to_attr="open_assignments"))


@admin.display(description="Assigned to")
def assigned_reviewers(obj):
    people = getattr(obj, "open_assignments", None)
    if not people:
        return "—"
    names = ((getattr(a.reviewer, "board_profile", None) or a.reviewer,) for a in people)
    return format_html_join(", ", "{}", names)


class AssignedFilter(admin.SimpleListFilter):
    title = "assigned"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "Assigned to me"), ("others", "Assigned to others"), ("nobody", "Not assigned")]

    def queryset(self, request, queryset):
        running = ReviewAssignment.objects.open()
        if self.value() == "me":
            return queryset.filter(pk__in=running.filter(reviewer=request.user).values("article"))
        if self.value() == "others":
            return queryset.filter(pk__in=running.exclude(reviewer=request.user).values("article")).exclude(
                pk__in=running.filter(reviewer=request.user).values("article")
            )
        if self.value() == "nobody":
            return queryset.exclude(pk__in=running.values("article"))
        return queryset


class QueueStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("submitted", "Submitted"),
            ("in_review", "Under review"),
            ("rereview", "Re-review due"),
            ("scheduled", "Scheduled go-live"),
        ]

    def queryset(self, request, queryset):
        if self.value() in ("rereview", "scheduled"):
            return queryset.filter(queue_kind=self.value())
        if self.value() in ("submitted", "in_review"):
            return queryset.filter(status=self.value())
        return queryset


class ClaimFilter(admin.SimpleListFilter):
    title = "claimed"
    parameter_name = "claimed"

    def lookups(self, request, model_admin):
        return [("me", "Claimed by me"), ("others", "Claimed by others"), ("nobody", "Not claimed")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(claimed_by=request.user)
        if self.value() == "others":
            return queryset.exclude(claimed_by=None).exclude(claimed_by=request.user)
        if self.value() == "nobody":
            return queryset.filter(claimed_by=None)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_overdue=self.value() == "yes")
        return queryset


class StageFilter(admin.SimpleListFilter):
    title = "review stage"
    parameter_name = "stage"

    def lookups(self, request, model_admin):
        return [("mine", "Waiting for my stage"), ("others", "Waiting for others' stage")]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(stages.waiting_for(request.user))
        if self.value() == "others":
            return queryset.filter(pending_revision__isnull=False).exclude(stages.waiting_for(request.user))
        return queryset


class QueueChangeList(ChangeList):
    """The queue's page of rows, with each version's stage progress read in two queries for the page."""

    def get_results(self, request):
        super().get_results(request)
        rows = [article for article in self.result_list if article.pending_revision_id]
        progress = stages.progress_of_many([article.pending_revision for article in rows])
        for article in rows:
            article.stage_progress = progress[article.pending_revision_id]


QUEUE_KIND_LABELS = {
    "first": "First version",
    "update": "Update",
    "rereview": "Periodic re-review",
    "scheduled": "Scheduled go-live",
}


@admin.register(ReviewQueueItem)
class ReviewQueueAdmin(ReadOnlyAdminMixin, WorkflowAdminMixin, admin.ModelAdmin):
    """Everything waiting for the board, oldest first; each row opens the review screen."""

    actions = [replan_selected]
    list_display = [
        "review_link",
        "queue_kind_label",
        "status_badge",
        "age",
        "author",
        "specialty",
        "claimed_by",
        assigned_reviewers,
        "approvals",
    ]
    list_display_links = None
    list_filter = [QueueStateFilter, StageFilter, "specialty", AssignedFilter, ClaimFilter, OverdueFilter]
    list_select_related = ["specialty", "pending_revision__submitted_by", "claimed_by"]
    search_fields = ["title"]
    list_per_page = 50
    show_full_result_count = False
    # Only for the column sort marker (no column is the default); rows come oldest first.
    ordering = ["pk"]

    def get_ordering(self, request):
        # Oldest first by an annotation (the check framework only accepts real fields in ``ordering``).
        return ["waiting_since", "pk"]

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:object_id>/review/",
                self.admin_site.admin_view(partial(screen.review_view, self)),
                name="{}_{}_review".format(*info),
            ),
            path(
                "<int:object_id>/preview/<int:number>/",
                self.admin_site.admin_view(partial(previews.preview_view, self)),
                name="{}_{}_preview".format(*info),
            ),
        ] + super().get_urls()

    def has_replan_permission(self, request):
        return request.user.has_perm(REPLAN_PERMISSION)

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def get_queryset(self, request):
        # Annotate first: the ordering refers to the annotations.
        queue = self.model._default_manager.review_queue().order_by(*self.get_ordering(request))
        return sources.with_alert_reason(with_open_assignments(queue))

    @admin.display(description="Article", ordering="title")
    def review_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:articles_reviewqueueitem_review", args=[obj.pk]), obj.title
        )

    @admin.display(description="Kind")
    def queue_kind_label(self, obj):
        label = QUEUE_KIND_LABELS[obj.queue_kind]
        pending, now = obj.pending_revision, timezone.now()
        notes = []
        if pending is not None and pending.not_before and pending.not_before > now:
            notes.append(("queue-embargo", f"Embargo: not before {describe(pending.not_before)}"))
        if obj.queue_kind == "rereview" and obj.expires_at and obj.published_revision_id:
            notes.append(("queue-ends", f"Ends {describe(obj.expires_at)}"))
        if getattr(obj, "source_alert_reason", None):
            label = "Early re-review"
            notes.append(("queue-source-alert", obj.source_alert_reason))
        if not notes:
            return label
        return format_html("{}{}", label, format_html_join("", '<br><strong class="{}">{}</strong>', notes))

    @admin.display(description="Status")
    def status_badge(self, obj):
        return ArticleAdmin.status_badge(self, obj)

    @admin.display(description="Waiting", ordering="waiting_since")
    def age(self, obj):
        if obj.queue_kind == "scheduled":
            when = obj.go_live_at
            return format_html('goes live <time datetime="{}">{}</time>', when.isoformat(), describe(when))
        if obj.queue_kind == "rereview" and obj.expires_at and obj.waiting_since == obj.expires_at:
            when = obj.expires_at
            return format_html('ends <time datetime="{}">{}</time>', when.isoformat(), naturalday(when))
        if obj.queue_kind == "rereview" and getattr(obj, "source_alert_at", None):
            when = obj.source_alert_at
            age = format_html('early, since <time datetime="{}">{}</time>', when.isoformat(), naturalday(when))
        elif obj.queue_kind == "rereview":
            age = format_html(
                'due <time datetime="{}">{}</time>', obj.next_review_due.isoformat(), naturalday(obj.next_review_due)
            )
        else:
            age = format_html(
                '<time datetime="{}" title="{}">{}</time>',
                obj.waiting_since.isoformat(),
                obj.waiting_since.strftime("%d %b %Y %H:%M"),
                timesince(obj.waiting_since),
            )
        if obj.is_overdue:
            return format_html('{} <strong class="wf-overdue">Overdue</strong>', age)
        return age

    @admin.display(description="Author")
    def author(self, obj):
        if obj.pending_revision:
            return person_name(obj.pending_revision.submitted_by)
        return "—"

    @admin.display(description="Approvals")
    def approvals(self, obj):
        if obj.queue_kind == "scheduled":
            return "Approved"
        progress = getattr(obj, "stage_progress", None)
        if obj.queue_kind == "rereview" or progress is None:
            return "—"
        # "Clinical review 1 of 1 ✓ · Pharmacist sign-off 0 of 1", the stage it waits at in bold.
        parts = (
            format_html(
                "<strong>{} {} of {}</strong>" if row["current"] else "{} {} of {}{}",
                row["stage"].name,
                row["count"],
                row["needed"],
                " ✓" if row["done"] else "",
            )
            for row in progress.rows
        )
        return format_html_join(" · ", "{}", ((part,) for part in parts))

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Review queue: waiting for the Medical Advisory Board", **(extra_context or {})}
        return super().changelist_view(request, extra_context)


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A read-only log: decisions are made through the workflow, never edited."""

    list_display = ["article", "revision", "stage", "decision", "reason", "reviewer", "created_at"]
    list_select_related = ["article", "revision", "reviewer"]
    search_fields = ["article__title", "comment"]
    list_filter = ["decision", "reason", "created_at"]
    show_full_result_count = False


class RevisionStageInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The review stages frozen into a version at submission (superseded ones stay, marked)."""

    model = RevisionStage
    fields = ["position", "name", "deciders", "required_approvals", "completed_at", "superseded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "review stages, as frozen at submission"

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Who decides")
    def deciders(self, obj):
        return obj.deciders()


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Submitted versions, read-only: what was reviewed is what stays on record."""

    inlines = [RevisionStageInline]

    list_display = ["article", "number", "kind", "submitted_by", "submitted_at", "approved_at"]
    list_filter = ["kind"]
    list_select_related = ["article", "submitted_by"]
    search_fields = ["article__title", "title"]
