"""The editorial checklist (issue 24): one row, each check off, a warning or blocking.

The changelist goes straight to the one row (created with the defaults on first visit); there is
nothing to add or delete. What each check finds is ``articles.content.checks``; the workflow
applies the levels (``articles.review.checks``, ``validation.validate_for_review``).
"""

from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from articles.content.checks import CHECKS
from articles.models import Checklist


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    radio_fields = {check: admin.HORIZONTAL for check in CHECKS}

    def get_fieldsets(self, request, obj=None):
        description = (
            "“Warning” shows the finding beside the editor's preview and to the board on the review screen; "
            "“Blocks submission and approval” also refuses to submit or approve a version with it, naming "
            f"the sentence. The patient text's target reading grade is {settings.EDITORIAL_PATIENT_READING_GRADE} "
            "(the EDITORIAL_PATIENT_READING_GRADE setting). Defaults: every check a warning, none blocking."
        )
        return [(None, {"fields": list(CHECKS), "description": description})]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)  # the admin's own refusal
        checklist = Checklist.current()
        if checklist._state.adding:
            checklist.save()
        return redirect(reverse("admin:articles_checklist_change", args=[checklist.pk]))
