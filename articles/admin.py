"""Admin for editors and the Medical Advisory Board.

The admin is declarative; the only custom views are the workflow steps, which call
``articles.workflow`` and never set a status themselves.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from . import workflow
from .forms import ArticleAdminForm, DecisionForm, ReferenceForm
from .views import rendered_revision
from .models import Article, BoardMember, Reference, ReviewDecision, ReviewQueueItem, Revision, Specialty

# Actions that need words from the user get a confirmation page; others run from a button.
ACTIONS_WITH_FORM = {"request_changes", "archive"}


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(BoardMember)
class BoardMemberAdmin(admin.ModelAdmin):
    list_display = ["display_name", "credentials", "specialty", "user", "is_active"]
    list_filter = ["is_active", "specialty"]
    search_fields = ["display_name", "credentials", "user__username"]
    prepopulated_fields = {"slug": ["display_name"]}
    autocomplete_fields = ["user"]


class ReferenceInline(admin.TabularInline):
    model = Reference
    form = ReferenceForm
    extra = 0
    fields = ["number", "kind", "title", "source", "year", "url", "doi", "pmid"]

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None else 0

    def _editable(self, request, obj):
        return obj is None or obj.status in workflow.EDITABLE_STATES

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_delete_permission(request, obj)


class WorkflowAdminMixin:
    """Workflow buttons and the confirmation view shared by the article and queue admins."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/workflow/<str:action>/",
                self.admin_site.admin_view(self.workflow_view),
                name="%s_%s_workflow" % info,
            ),
        ] + super().get_urls()

    def workflow_view(self, request, object_id, action):
        article = get_object_or_404(Article, pk=object_id)
        if action not in workflow.TRANSITIONS:
            raise PermissionDenied
        transition = workflow.TRANSITIONS[action]
        # Bind on any POST: a button posts no fields besides the CSRF token, which may come in a header.
        form = DecisionForm(request.POST if request.method == "POST" else None, action=action)
        if request.method == "POST" and form.is_valid():
            try:
                workflow.run(action, article, user=request.user, **form.transition_kwargs())
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            except (PermissionDenied, workflow.WorkflowError) as error:
                messages.error(request, str(error) or "You may not do that.")
            else:
                article.refresh_from_db()
                messages.success(request, f"{transition.label}: done. The article is now {article.get_status_display().lower()}.")
                return redirect(request.POST.get("next") or _change_url(article))
            if action not in ACTIONS_WITH_FORM:
                return redirect(request.POST.get("next") or _change_url(article))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{transition.label}: {article.title}",
            "article": article,
            "transition": transition,
            "form": form,
            "opts": Article._meta,
            "allowed": workflow.allowed(action, article, request.user),
            "next": request.GET.get("next", ""),
        }
        return TemplateResponse(request, "admin/articles/workflow_confirm.html", context)

    def workflow_context(self, request, article):
        transitions = workflow.available_transitions(article, request.user)
        pending = article.pending_revision
        return {
            "workflow_transitions": transitions,
            "actions_with_form": ACTIONS_WITH_FORM,
            "pending_revision": pending,
            "pending_approvals": pending.approvals().select_related("reviewer__board_profile") if pending else [],
            "required_approvals": workflow.required_approvals(),
            "is_author_of_pending": workflow.is_author(request.user, pending),
        }


def _change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


@admin.register(Article)
class ArticleAdmin(WorkflowAdminMixin, SimpleHistoryAdmin):
    form = ArticleAdminForm
    inlines = [ReferenceInline]
    list_display = ["title", "status_badge", "specialty", "live_version", "updated_at"]
    list_filter = ["status", "specialty"]
    list_select_related = ["specialty", "published_revision"]
    search_fields = ["title", "slug", "summary"]
    date_hierarchy = "updated_at"
    history_list_display = ["status"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "specialty", "summary", "body"]}),
        (
            "Professional version (optional)",
            {
                "fields": ["professional_summary", "professional_body"],
                "classes": ["collapse"],
                "description": "A separately reviewed version for healthcare professionals.",
            },
        ),
        ("Why", {"fields": ["change_reason"]}),
    ]
    change_form_template = "admin/articles/article/change_form.html"

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ["title"]} if obj is None else {}

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status not in workflow.EDITABLE_STATES:
            return ArticleAdminForm.Meta.fields
        return []

    def get_fieldsets(self, request, obj=None):
        if obj is not None and obj.status not in workflow.EDITABLE_STATES:
            return self.fieldsets[:2]
        return self.fieldsets

    def has_delete_permission(self, request, obj=None):
        # Nothing is hard-deleted through the workflow: archive instead.
        return False

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return format_html('<span class="wf-status wf-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description="Live version")
    def live_version(self, obj):
        rev = obj.published_revision
        if rev is None:
            return "—"
        return format_html('<a href="{}">v{}</a>', rev.get_absolute_url(), rev.number)

    def save_model(self, request, obj, form, change):
        workflow.save_content(obj, user=request.user, reason=form.cleaned_data.get("change_reason", ""))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and any(formset.has_changed() for formset in formsets):
            workflow.references_changed(
                form.instance, user=request.user, reason=form.cleaned_data.get("change_reason", "")
            )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if article is not None:
            extra_context.update(self.workflow_context(request, article))
        return super().change_view(request, object_id, form_url, extra_context)


class OldestFirst(admin.SimpleListFilter):
    title = "claimed"
    parameter_name = "claimed"

    def lookups(self, request, model_admin):
        return [("me", "Claimed by me"), ("nobody", "Not claimed")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(claimed_by=request.user)
        if self.value() == "nobody":
            return queryset.filter(claimed_by=None)
        return queryset


@admin.register(ReviewQueueItem)
class ReviewQueueAdmin(WorkflowAdminMixin, admin.ModelAdmin):
    list_display = ["title", "status_badge", "waiting_since", "specialty", "claimed_by"]
    list_filter = ["status", "specialty", OldestFirst]
    list_select_related = ["specialty", "pending_revision", "claimed_by"]
    search_fields = ["title"]
    list_display_links = ["title"]
    # The changelist applies ModelAdmin/Meta ordering over get_queryset's, so set it here.
    ordering = ["pending_revision__submitted_at", "pk"]

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("<path:object_id>/review/", self.admin_site.admin_view(self.review_view), name="%s_%s_review" % info),
        ] + super().get_urls()

    def review_view(self, request, object_id):
        article = get_object_or_404(Article.objects.select_related("pending_revision", "published_revision"), pk=object_id)
        if not self.has_view_permission(request):
            raise PermissionDenied
        revision = article.pending_revision or article.published_revision
        context = {
            **self.admin_site.each_context(request),
            **self.workflow_context(request, article),
            "title": f"Review: {article.title}",
            "article": article,
            "revision": revision,
            "rendered": rendered_revision(revision) if revision else None,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/articles/review.html", context)

    def get_queryset(self, request):
        return super().get_queryset(request).awaiting_review().order_by("pending_revision__submitted_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Status")
    def status_badge(self, obj):
        return ArticleAdmin.status_badge(self, obj)

    @admin.display(description="Waiting since", ordering="pending_revision__submitted_at")
    def waiting_since(self, obj):
        return obj.pending_revision.submitted_at if obj.pending_revision else None


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(admin.ModelAdmin):
    """A read-only log: decisions are made through the workflow, never edited."""

    list_display = ["article", "revision", "decision", "reason", "reviewer", "created_at"]
    list_filter = ["decision", "reason"]
    list_select_related = ["article", "revision", "reviewer"]
    search_fields = ["article__title", "comment"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Submitted versions, read-only: what was reviewed is what stays on record."""

    list_display = ["article", "number", "kind", "submitted_by", "submitted_at", "approved_at"]
    list_filter = ["kind"]
    list_select_related = ["article", "submitted_by"]
    search_fields = ["article__title", "title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
