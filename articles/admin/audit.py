"""The audit log screen (read-only, filters, CSV export) and the board's governance report."""

import csv
from functools import partial

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from articles.models import AuditEntry
from articles.operations import audit
from articles.review import governance

# Areas of the action codes (the part before the dot), for the filter.
AREAS = {
    "auth": "Sign-in",
    "workflow": "Workflow",
    "admin": "Admin changes",
    "user": "Users",
    "group": "Groups",
    "board": "Board membership",
    "import": "Import",
    "export": "Export",
    "backup": "Backup",
    "restore": "Restore",
    "privacy": "Readers' data",
    "audit": "Audit log",
    "report": "Reports",
    "api_key": "API keys",
    "2fa": "Two-factor",
}
# The query parameters the filter form above the list sets (the admin accepts them as lookups).
FORM_FILTERS = ["actor_username", "time__date__gte", "time__date__lte"]
CSV_COLUMNS = ["id", "time", "who", "address", "action", "target type", "target id", "target", "details", "hash"]


class AreaFilter(admin.SimpleListFilter):
    title = "area"
    parameter_name = "area"

    def lookups(self, request, model_admin):
        return list(AREAS.items())

    def queryset(self, request, queryset):
        if self.value() in AREAS:
            return queryset.filter(action__startswith=f"{self.value()}.")
        return queryset


class _Echo:
    """A file-like whose ``write`` returns the line, for csv.writer inside a streaming response."""

    def write(self, value):
        return value


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["when", "actor_username", "address", "action", "target", "summary"]
    list_display_links = ["when"]
    list_filter = [AreaFilter]
    search_fields = ["actor_username", "action", "target_repr", "address"]
    list_per_page = 50
    show_full_result_count = False
    change_list_template = "admin/articles/auditentry/change_list.html"
    fields = [
        "id",
        "time",
        "actor_username",
        "actor",
        "address",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "details",
        "prev_hash",
        "hash",
    ]

    # Read-only for everyone, superusers included: entries are written only by audit.record.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}

    @admin.display(description="When", ordering="id")
    def when(self, obj):
        local = timezone.localtime(obj.time)
        return format_html('<time datetime="{}">{}</time>', obj.time.isoformat(), local.strftime("%Y-%m-%d %H:%M:%S"))

    @admin.display(description="Target")
    def target(self, obj):
        return obj.target_repr or obj.target_type

    @admin.display(description="Details")
    def summary(self, obj):
        text = ", ".join(f"{key}: {value}" for key, value in sorted(obj.details.items()))
        return text if len(text) <= 120 else text[:119] + "…"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name="{}_{}_export".format(*info)),
            path(
                "governance/",
                self.admin_site.admin_view(partial(governance_view, self)),
                name="{}_{}_governance".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"filter_values": {name: request.GET.get(name, "") for name in FORM_FILTERS}}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def export_view(self, request):
        """Stream the log as the list shows it now (filters, search) as CSV; the export is itself recorded."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request).order_by("id")
        filters = {key: value for key, value in request.GET.items() if value}
        audit.record("audit.export", request=request, filters=filters)

        def rows():
            writer = csv.writer(_Echo())
            yield writer.writerow(CSV_COLUMNS)
            for entry in queryset.iterator(chunk_size=1000):
                yield writer.writerow(
                    [
                        entry.id,
                        entry.time.isoformat(),
                        entry.actor_username,
                        entry.address,
                        entry.action,
                        entry.target_type,
                        entry.target_id,
                        entry.target_repr,
                        _json(entry.details),
                        entry.hash,
                    ]
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-log-{timezone.now():%Y%m%d-%H%M%S}.csv"'
        return response


def _json(value) -> str:
    import json

    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def governance_view(model_admin, request):
    """The governance report for a quarter, on screen or as CSV."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    asked = request.GET.get("quarter", "")
    error = ""
    try:
        quarter = governance.Quarter.parse(asked) if asked else governance.Quarter.current()
    except ValidationError as problem:
        error, quarter = problem.message_dict["quarter"][0], governance.Quarter.current()
    report = governance.report(quarter)
    if request.GET.get("format") == "csv" and not error:
        audit.record("report.governance", request=request, quarter=str(quarter), format="csv")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="governance-{quarter}.csv"'
        writer = csv.writer(response)
        for row in report.csv_rows():
            writer.writerow(row)
        return response
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": f"Governance report, {quarter}",
        "report": report,
        "quarter": quarter,
        "asked": asked or str(quarter),
        "error": error,
        "categories": governance.CATEGORIES,
        "rows": [(row, [row.count(name) for name in governance.CATEGORIES]) for row in report.reviewers],
        "totals": [report.totals[name] for name in governance.CATEGORIES],
    }
    return TemplateResponse(request, "admin/articles/auditentry/governance.html", context, status=400 if error else 200)
