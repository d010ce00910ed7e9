"""The review workflow editor: workflows with their ordered stages, and the flags editors tick.

Declarative: what a stage means (who decides, the quorum, which articles) is applied by
``articles.review.stages`` and ``workflow``; this screen only edits the configuration. Versions
already with the board keep the stages they were submitted with (the help text says so).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from articles.models import ArticleFlag, Stage, Workflow
from articles.review import workflow

IN_FLIGHT_HELP = (
    "Stages apply to versions submitted from now on. A version already with the board keeps the stages it "
    "was submitted with, so changing or removing a stage never strands it or publishes it early. To move a "
    "version onto the current stages, use “Re-plan with the current workflow” in the review queue: approvals "
    "already given count again only for stages that still exist (by name)."
)


class StageForm(forms.ModelForm):
    class Meta:
        model = Stage
        fields = [
            "position",
            "name",
            "credit",
            "group",
            "specialty",
            "required_approvals",
            "allow_earlier_approvers",
            "applies_to",
            "topics",
            "flag",
        ]
        widgets = {"topics": forms.CheckboxSelectMultiple}

    def clean(self):
        cleaned = super().clean()
        applies_to = cleaned.get("applies_to")
        if applies_to == Stage.AppliesTo.TOPICS and not cleaned.get("topics"):
            self.add_error("topics", ValidationError("Choose the topics this stage applies to.", code="required"))
        if applies_to == Stage.AppliesTo.FLAG and not cleaned.get("flag"):
            self.add_error("flag", ValidationError("Choose the flag this stage applies to.", code="required"))
        if cleaned.get("required_approvals") == 0:
            self.add_error("required_approvals", ValidationError("A stage needs at least one approval."))
        return cleaned


class StageInline(admin.StackedInline):
    model = Stage
    form = StageForm
    extra = 0
    ordering = ["position", "pk"]
    fieldsets = [
        (None, {"fields": ["position", "name", "credit"]}),
        ("Who decides", {"fields": ["group", "specialty", "required_approvals", "allow_earlier_approvers"]}),
        ("Which articles", {"fields": ["applies_to", "topics", "flag"]}),
    ]


class WorkflowForm(forms.ModelForm):
    class Meta:
        model = Workflow
        fields = ["name", "is_active"]

    def clean_is_active(self):
        active = self.cleaned_data["is_active"]
        if active and Workflow.objects.filter(is_active=True).exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                "Another workflow is active; make it inactive first (one workflow is in force at a time).",
                code="one_active",
            )
        return active


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    form = WorkflowForm
    inlines = [StageInline]
    list_display = ["name", "is_active", "stage_list"]
    fieldsets = [(None, {"fields": ["name", "is_active"], "description": IN_FLIGHT_HELP})]

    class Media:
        css = {"all": ["articles/admin.css"]}

    @admin.display(description="Stages, in order")
    def stage_list(self, obj):
        return " → ".join(stage.name for stage in obj.stages.all()) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("stages")


@admin.register(ArticleFlag)
class ArticleFlagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_readonly_fields(self, request, obj=None):
        # Versions store the slug: renaming a flag is fine, changing its slug would orphan them.
        return ["slug"] if obj is not None else []


@admin.action(description="Re-plan with the current workflow", permissions=["replan"])
def replan_selected(modeladmin, request, queryset):
    """Move the selected versions onto the active workflow's stages (``workflow.replan``)."""
    for article in queryset:
        try:
            kept, dropped = workflow.replan(article, user=request.user)
        except (workflow.WorkflowError, PermissionDenied) as refusal:
            modeladmin.message_user(request, f"“{article.title}”: {refusal}", messages.ERROR)
            continue
        note = f" Approvals kept for {', '.join(kept)}." if kept else ""
        note += f" Approvals no longer counted for {', '.join(dropped)}." if dropped else ""
        modeladmin.message_user(request, f"“{article.title}” re-planned with the current workflow.{note}")
