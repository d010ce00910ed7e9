"""Source checks in the admin: every cited URL, DOI and PubMed ID with what its last check found
(README, "Sources still standing"). Read-only; anyone who may see articles may look, and
"Check again now" enqueues fresh checks of the selected sources."""

from django.contrib import admin
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join

from articles.models import SourceCheck
from articles.review import sources


class ProblemFilter(admin.SimpleListFilter):
    title = "problem"
    parameter_name = "problem"

    def lookups(self, request, model_admin):
        return [
            ("any", "Any problem"),
            ("dead", "Dead links"),
            ("retracted", "Retracted or concern"),
            ("corrected", "Corrected"),
        ]

    def queryset(self, request, queryset):
        Status = SourceCheck.Status
        wanted = {
            "any": [Status.DEAD, Status.REFUSED, Status.RETRACTED, Status.CONCERN, Status.CORRECTED],
            "dead": [Status.DEAD, Status.REFUSED],
            "retracted": [Status.RETRACTED, Status.CONCERN],
            "corrected": [Status.CORRECTED],
        }.get(self.value())
        return queryset.filter(status__in=wanted) if wanted else queryset


@admin.register(SourceCheck)
class SourceCheckAdmin(admin.ModelAdmin):
    list_display = ["source", "kind", "status_badge", "checked", "detail", "cited_by"]
    list_filter = [ProblemFilter, "status", "kind", ("checked_at", admin.DateFieldListFilter)]
    search_fields = ["key", "detail"]
    ordering = ["-checked_at"]
    fields = ["kind", "key", "status_badge", "checked", "detail", "failures", "citing_versions", "results"]
    readonly_fields = fields
    actions = ["check_again"]
    list_per_page = 50

    class Media:
        css = {"all": ["articles/admin.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citations_count=Count("citations", distinct=True))

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and request.user.has_perm("articles.view_article")

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        # The admin offers actions only with the change permission; this one only enqueues checks.
        actions = super().get_actions(request)
        if self.has_view_permission(request):
            actions.setdefault("check_again", self.get_action("check_again"))
        return actions

    @admin.action(description="Check the selected sources again now")
    def check_again(self, request, queryset):
        count = sources.enqueue(queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} source check(s) enqueued; results appear here once a worker has run them.")

    @admin.display(description="Source", ordering="key")
    def source(self, obj):
        return obj.key

    @admin.display(description="Result", ordering="status")
    def status_badge(self, obj):
        return format_html('<span class="source-badge source-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description="Last checked", ordering="checked_at")
    def checked(self, obj):
        if not obj.checked_at:
            return "never"
        return format_html(
            '<time datetime="{}">{}</time>', obj.checked_at.isoformat(), obj.checked_at.strftime("%d %b %Y %H:%M")
        )

    @admin.display(description="Cited by versions", ordering="citations_count")
    def cited_by(self, obj):
        return getattr(obj, "citations_count", obj.citations.count())

    @admin.display(description="Cited by")
    def citing_versions(self, obj):
        rows = obj.citations.select_related("revision__article").order_by(
            "revision__article__title", "-revision__number"
        )
        return (
            format_html_join(
                "",
                "<div>[{}] {} (version {})</div>",
                ((c.number, c.revision.article.title, c.revision.number) for c in rows[:50]),
            )
            or "—"
        )

    @admin.display(description="History of results")
    def results(self, obj):
        history = [{**entry, "at": parse_datetime(entry.get("at") or "")} for entry in reversed(obj.history)]
        return render_to_string("admin/articles/_source_history.html", {"history": history})
