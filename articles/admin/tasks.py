"""Background jobs in the admin: django-tasks' own read-only screen, with attempts and the error.

Pending (ready, with the time of the next attempt), running, failed and done jobs; each job's
last error in one line in the list, its whole traceback on its page (``articles.operations.tasks``).
An administrator can run failed jobs again (a purge that failed through a long CDN outage).
"""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult, get_date_max

from articles.operations.tasks import POLICIES, summary


class JobAdmin(DBTaskResultAdmin):
    list_display = ("task_name", "status", "attempts", "next_attempt", "error", "enqueued_at")
    list_filter = ("status", "task_path")
    search_fields = ("task_path", "traceback")
    actions = ["run_again"]

    def has_change_permission(self, request, obj=None):
        return False  # read-only; "Run again" below is for superusers

    @admin.action(description="Run the selected failed jobs again")
    def run_again(self, request, queryset):
        if not request.user.is_superuser:
            self.message_user(request, "Only an administrator may run jobs again.", messages.ERROR)
            return
        count = queryset.filter(status="FAILED").update(status="READY", run_after=timezone.now(), finished_at=None)
        self.message_user(request, f"{count} failed job(s) will run again (other jobs selected were left alone).")

    @admin.display(description="attempts")
    def attempts(self, obj):
        policy = POLICIES.get(obj.task_path)
        return f"{len(obj.worker_ids)} of {policy.attempts}" if policy else len(obj.worker_ids)

    @admin.display(description="next attempt")
    def next_attempt(self, obj):
        if obj.status != "READY" or obj.run_after == get_date_max():
            return "at once" if obj.status == "READY" else "—"
        return obj.run_after

    @admin.display(description="traceback")
    def formatted_traceback(self, obj):
        if not obj.traceback:
            return "—"
        # Focusable: a long traceback scrolls sideways, and keyboard users must be able to scroll it.
        return format_html('<pre tabindex="0" aria-label="Traceback">{}</pre>', obj.traceback)

    @admin.display(description="last error")
    def error(self, obj):
        return summary(obj.exception_class_path, obj.traceback) if obj.traceback else "—"


admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, JobAdmin)
