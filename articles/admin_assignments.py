"""The review queue's assignment column and its "assigned to me" filter."""

from django.contrib import admin
from django.db.models import Prefetch
from django.utils.html import format_html_join

from .review_models import ReviewAssignment


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
