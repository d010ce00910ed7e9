"""Admin for editors and the Medical Advisory Board.

The admin is declarative; the only custom views are the workflow steps, which call
``articles.workflow`` and never set a status themselves.
"""

from functools import partial

from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import naturalday
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince
from simple_history.admin import SimpleHistoryAdmin

from . import (
    admin_assignments,
    admin_changelist,
    admin_editor,
    admin_interchange,
    comments,
    history_display,
    presence,
    renumbering,
    review_screen,
    workflow,
)
from .forms import ArticleAdminForm, BoardMemberForm, DecisionForm, PageAdminForm, ReferenceForm, ReferenceFormSet
from .models import (
    Article,
    AuthorProfile,
    BoardMember,
    FollowUpQuestion,
    Page,
    PassageComment,
    Reference,
    ReviewDecision,
    ReviewQueueItem,
    Revision,
    Specialty,
    max_reference_number,
    person_name,
)

# Actions that need words from the user get a confirmation page; others run from a button.
# Approving and confirming ask for the reviewer's conflicts with the article.
ACTIONS_WITH_FORM = {"request_changes", "archive", "approve", "confirm_current"}


def actions_with_form(article) -> set:
    """The steps that open a form for ``article``: submitting an update asks for its change note."""
    return ACTIONS_WITH_FORM | ({"submit"} if article.published_revision_id else set())


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(BoardMember)
class BoardMemberAdmin(admin.ModelAdmin):
    form = BoardMemberForm
    list_display = ["display_name", "credentials", "specialty", "user", "declared_at", "is_active"]
    readonly_fields = ["declared_at"]
    list_filter = ["is_active", "specialty"]
    search_fields = ["display_name", "credentials", "user__username"]
    prepopulated_fields = {"slug": ["display_name"]}
    autocomplete_fields = ["user"]

    def has_delete_permission(self, request, obj=None):
        # Approvals credit members publicly; members who leave are made inactive, never deleted.
        return False

    def save_model(self, request, obj, form, change):
        if form.declaration_changed():
            # A new declaration is dated today; clearing it leaves the member unable to approve.
            obj.declared_at = timezone.now() if obj.has_declaration_text() else None
        super().save_model(request, obj, form, change)


@admin.register(AuthorProfile)
class AuthorProfileAdmin(SimpleHistoryAdmin):
    list_display = ["display_name", "role", "credentials", "user", "is_public"]
    list_filter = ["is_public"]
    search_fields = ["display_name", "role", "user__username"]
    prepopulated_fields = {"slug": ["display_name"]}
    autocomplete_fields = ["user"]

    def has_delete_permission(self, request, obj=None):
        # Bylines on published articles point here: hide a profile (not public) instead.
        return False


class ReferenceInline(admin.TabularInline):
    model = Reference
    form = ReferenceForm
    formset = ReferenceFormSet
    template = "admin/articles/edit_inline/references_tabular.html"
    extra = 0
    fields = ["number", "kind", "title", "source", "year", "url", "doi", "pmid"]

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None else 0

    def get_max_num(self, request, obj=None, **kwargs):
        return max_reference_number()

    def _editable(self, request, obj):
        return obj is None or obj.status in workflow.EDITABLE_STATES

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_delete_permission(request, obj)


class HistoryAdmin(SimpleHistoryAdmin):
    """History pages for reading: simple-history's history form view saves on POST after checking
    only view permission, so writes through it are refused (restoring goes through the workflow)."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied  # before the lookup: guessed record ids learn nothing
        if request.method == "POST" and (self.revert_disabled(request) or not self.has_change_permission(request)):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdminMixin:
    """For records written only by the workflow: viewable, never added, edited or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WorkflowAdminMixin:
    """Workflow buttons and the confirmation view shared by the article and queue admins."""

    class Media:
        css = {"all": ["articles/admin.css"]}

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:object_id>/workflow/<str:action>/",
                self.admin_site.admin_view(self.workflow_view),
                name="{}_{}_workflow".format(*info),
            ),
        ] + super().get_urls()

    def workflow_view(self, request, object_id, action):
        # Before anything is loaded: the same 403 whether the article exists or not.
        if not request.user.has_perm("articles.view_article") or action not in workflow.TRANSITIONS:
            raise PermissionDenied
        article = get_object_or_404(Article, pk=object_id)
        transition = workflow.TRANSITIONS[action]
        # Bind on any POST: a button posts no fields besides the CSRF token, which may come in a header.
        seen = request.GET.get("seen", "")[:64]  # from the article page's button, if any
        form = DecisionForm(
            request.POST if request.method == "POST" else None,
            action=action,
            initial={"seen": seen} if seen else None,
            article=None if seen else article,
            subject=article,
        )
        if request.method == "POST" and form.is_valid():
            refusals = form.run(article, request.user)
            for message in refusals:
                messages.error(request, message)
            if not refusals:
                article.refresh_from_db()
                messages.success(
                    request, f"{transition.label}: done. The article is now {article.get_status_display().lower()}."
                )
                return redirect(_next_url(request, article))
            if action not in actions_with_form(article):
                return redirect(_next_url(request, article))
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
            "actions_with_form": actions_with_form(article),
            "pending_revision": pending,
            "pending_approvals": pending.approvals().select_related("reviewer__board_profile") if pending else [],
            "required_approvals": workflow.required_approvals(),
            "is_author_of_pending": workflow.is_author(request.user, pending),
            "workflow_seen": workflow.state_token(article),
        }


def _change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def _next_url(request, article):
    """Where to go after a step: the posted ``next`` if it stays on this site, else the article."""
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return _change_url(article)


@admin.register(Article)
class ArticleAdmin(admin_changelist.BulkActionsMixin, WorkflowAdminMixin, HistoryAdmin):
    form = ArticleAdminForm
    inlines = [ReferenceInline]
    list_display = [
        "title",
        "status_badge",
        admin_changelist.author,
        "specialty",
        "live_version",
        admin_changelist.next_review,
        "updated_at",
    ]
    # A date filter, not a date hierarchy: the hierarchy's distinct years/months read every row.
    list_filter = ["status", "specialty", admin_changelist.ReviewerFilter, "updated_at"]
    list_select_related = ["specialty", "published_revision", "created_by"]
    search_fields = ["title", "slug", "summary"]
    list_per_page = 50
    show_full_result_count = False  # one COUNT per page, not two, over thousands of articles
    # Our own history list shows the status label; simple-history's column would show its code.
    object_history_list_template = "admin/articles/article/object_history_list.html"
    history_list_per_page = 50
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
        ("Why", {"fields": ["change_reason", "edit_base"]}),
    ]
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    actions = [
        admin_changelist.submit_selected,
        admin_changelist.withdraw_selected,
        admin_changelist.archive_selected,
        admin_interchange.export_markdown,
    ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_import": admin_interchange.may_import(request.user)}
        return super().changelist_view(request, extra_context)

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ["title"]} if obj is None else {}

    def get_view_on_site_url(self, obj=None):
        # Never published: the public URL is a 404, so "View on site" opens the staff preview.
        if obj is not None and obj.published_revision_id is None:
            return reverse("admin:articles_article_preview_draft", args=[obj.pk])
        return super().get_view_on_site_url(obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status not in workflow.EDITABLE_STATES:
            return ArticleAdminForm.Meta.fields
        return []

    def get_fieldsets(self, request, obj=None):
        if obj is not None and obj.status not in workflow.EDITABLE_STATES:
            return self.fieldsets[:2]
        if obj is not None and obj.published_revision_id is not None and self._may_submit(request, obj):
            note = (
                "Public change note",
                {
                    "fields": ["change_kind", "change_note"],
                    "description": "Needed when you save and submit an update: readers see what changed.",
                },
            )
            return [*self.fieldsets, note]
        return self.fieldsets

    def _may_submit(self, request, obj=None) -> bool:
        """Whether to offer "Save and submit for review": an editor, on an article editors may change."""
        editable = obj is None or obj.status in workflow.EDITABLE_STATES
        return editable and request.user.has_perm(workflow.EDITOR_PERMISSION)

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
        # From the row's own slug: ``rev.get_absolute_url()`` would fetch the article once per row.
        return format_html('<a href="{}">v{}</a>', reverse("articles:version", args=[obj.slug, rev.number]), rev.number)

    def save_model(self, request, obj, form, change):
        workflow.save_content(
            obj,
            user=request.user,
            reason=form.cleaned_data.get("change_reason", ""),
            base=form.cleaned_data.get("edit_base") or None,
        )
        if change:
            presence.leave(obj, request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and any(formset.has_changed() for formset in formsets):
            workflow.references_changed(
                form.instance, user=request.user, reason=form.cleaned_data.get("change_reason", "")
            )
        moved = renumbering.renumber_references(form.instance, user=request.user)
        if moved:
            changes = ", ".join(f"{old} → {new}" for old, new in sorted(moved.items()) if old != new)
            self.message_user(
                request,
                f"References renumbered in the order the text first cites them ({changes}); "
                "the citations in the text were updated to match.",
                messages.INFO,
            )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if article is not None:
            extra_context.update(self.workflow_context(request, article))
            extra_context["revisions"] = article.revisions.select_related("submitted_by")
            extra_context["can_restore"] = workflow.can_edit_content(article, request.user)
            if request.method == "GET" and workflow.can_edit_content(article, request.user):
                presence.touch(article, request.user)
            extra_context["editing_now"] = presence.others(article, request.user)
            extra_context["passage_comments"] = thread = list(comments.for_article(article))
            # For the live preview: mark the passages open comments are about, beside the text.
            extra_context["comment_markers"] = [
                {"id": c.pk, "part": c.part, "text": c.passage_text, "quote": c.quote}
                for c in thread
                if not c.is_resolved
            ]
            extra_context["may_answer_comments"] = comments.may_answer(request.user)
            if article.status not in workflow.EDITABLE_STATES:
                # With the board (or archived) the content is read-only: a Save button would only answer an error.
                extra_context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
            extra_context["show_save_and_submit"] = self._may_submit(request, article)
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save_and_submit": self._may_submit(request)}
        return super().add_view(request, form_url, extra_context)

    def response_add(self, request, obj, post_url_continue=None):
        if ArticleAdminForm.SAVE_AND_SUBMIT in request.POST:
            return self._submit_after_save(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if ArticleAdminForm.SAVE_AND_SUBMIT in request.POST:
            return self._submit_after_save(request, obj)
        return super().response_change(request, obj)

    def _submit_after_save(self, request, article):
        """ "Save and submit for review": the text just saved goes to the board in the same request.

        The save has happened (nothing typed is lost); if the workflow refuses the submission
        (citation gate, permissions, state), the editor is told why and stays on the saved draft.
        """
        data = request.POST
        try:
            revision = workflow.submit(
                article,
                user=request.user,
                reason=data.get("change_reason", "").strip(),
                change_note=data.get("change_note", ""),
                change_kind=data.get("change_kind", ""),
            )
        except ValidationError as error:
            messages.error(request, "Saved as a draft, but not submitted: " + " ".join(error.messages))
        except (PermissionDenied, workflow.WorkflowError) as error:
            messages.error(request, f"Saved as a draft, but not submitted: {error}")
        else:
            messages.success(
                request,
                f"Saved and submitted for review: version {revision.number} of “{article.title}” is with the board.",
            )
        return redirect(_change_url(article))

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(partial(admin_interchange.import_view, self)),
                name="{}_{}_import".format(*info),
            ),
            path(
                "live-preview/",
                self.admin_site.admin_view(partial(admin_editor.live_preview_view, self)),
                name="{}_{}_live_preview".format(*info),
            ),
            path(
                "reference-lookup/",
                self.admin_site.admin_view(partial(admin_editor.reference_lookup_view, self)),
                name="{}_{}_reference_lookup".format(*info),
            ),
            path(
                "<int:object_id>/preview-draft/",
                self.admin_site.admin_view(partial(review_screen.draft_preview_view, self)),
                name="{}_{}_preview_draft".format(*info),
            ),
            path(
                "<int:object_id>/comments/<int:comment_id>/",
                self.admin_site.admin_view(self.passage_comment_view),
                name="{}_{}_passage_comment".format(*info),
            ),
            path(
                "<int:object_id>/restore-version/<int:number>/",
                self.admin_site.admin_view(self.restore_version_view),
                name="{}_{}_restore_version".format(*info),
            ),
        ] + super().get_urls()

    def history_view(self, request, object_id, extra_context=None):
        # Before anything is loaded: the same 403 whether the article exists or not.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if not str(object_id).isdigit():
            raise Http404("No such article.")
        extra_context = {
            **(extra_context or {}),
            "reference_history": self._reference_history(object_id),
            "passage_comments": comments.for_article(Article(pk=int(object_id))),
        }
        return super().history_view(request, object_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return history_display.ReadableChanges(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        records = list(historical_records)
        if records:
            article = Article.objects.filter(pk=records[0].id).first()
            if article is not None:
                history_display.attach_diff_links(records, article=article, user=request.user)

    def passage_comment_view(self, request, object_id, comment_id):
        """Reply to a reviewer's passage comment, or mark it resolved (or open again)."""
        if request.method != "POST":
            return redirect(_change_url(get_object_or_404(Article, pk=object_id)) + "#comments")
        if not comments.may_answer(request.user):
            raise PermissionDenied  # before the lookup: guessed ids learn nothing
        comment = get_object_or_404(PassageComment, pk=comment_id, article_id=object_id)
        action = request.POST.get("action")
        try:
            if action == "reply":
                comments.reply(comment, user=request.user, text=request.POST.get("text", ""))
                messages.success(request, "Reply added.")
            elif action in ("resolve", "reopen"):
                comments.set_resolved(comment, user=request.user, resolved=action == "resolve")
                messages.success(request, "Comment resolved." if action == "resolve" else "Comment open again.")
            else:
                messages.error(request, "Unknown comment action.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except PermissionDenied as error:
            messages.error(request, str(error) or "You may not do that.")
        fallback = _change_url(comment.article) + f"#comment-{comment.pk}"
        candidate = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return redirect(candidate if candidate and safe else fallback)

    def _reference_history(self, object_id):
        """The latest changes to the article's references, with who and why."""
        return (
            Reference.history.filter(article_id=object_id)
            .select_related("history_user")
            .order_by("-history_date")[:100]
        )

    def save_formset(self, request, form, formset, change):
        # Reference rows carry the same who and why as the article edit they belong to.
        reason = form.cleaned_data.get("change_reason", "") or "References edited"
        for inline_form in formset.forms:
            inline_form.instance._change_reason = reason
            inline_form.instance._history_user = request.user
        super().save_formset(request, form, formset, change)

    def restore_version_view(self, request, object_id, number):
        """Copy an earlier version's text into a new draft; it is reviewed like any change."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied  # before the lookup: guessed ids learn nothing
        if request.method != "POST":
            return redirect(_change_url(get_object_or_404(Article, pk=object_id)))
        article = get_object_or_404(Article, pk=object_id)
        revision = get_object_or_404(article.revisions, number=number)
        try:
            workflow.restore_version(article, revision, user=request.user)
        except (PermissionDenied, workflow.WorkflowError) as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, f"The text of version {number} is now the working draft. Submit it for review to publish it."
            )
        return redirect(_change_url(article))


class QueueStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("submitted", "Submitted"),
            ("in_review", "Under review"),
            ("rereview", "Re-review due"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "rereview":
            return queryset.filter(queue_kind="rereview")
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


QUEUE_KIND_LABELS = {"first": "First version", "update": "Update", "rereview": "Periodic re-review"}


@admin.register(ReviewQueueItem)
class ReviewQueueAdmin(ReadOnlyAdminMixin, WorkflowAdminMixin, admin.ModelAdmin):
    """Everything waiting for the board, oldest first; each row opens the review screen."""

    list_display = [
        "review_link",
        "queue_kind_label",
        "status_badge",
        "age",
        "author",
        "specialty",
        "claimed_by",
        admin_assignments.assigned_reviewers,
        "approvals",
    ]
    list_display_links = None
    list_filter = [QueueStateFilter, "specialty", admin_assignments.AssignedFilter, ClaimFilter, OverdueFilter]
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
                self.admin_site.admin_view(partial(review_screen.review_view, self)),
                name="{}_{}_review".format(*info),
            ),
            path(
                "<int:object_id>/preview/<int:number>/",
                self.admin_site.admin_view(partial(review_screen.preview_view, self)),
                name="{}_{}_preview".format(*info),
            ),
        ] + super().get_urls()

    def get_queryset(self, request):
        # Annotate first: the ordering refers to the annotations.
        queue = self.model._default_manager.review_queue().order_by(*self.get_ordering(request))
        return admin_assignments.with_open_assignments(queue)

    @admin.display(description="Article", ordering="title")
    def review_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:articles_reviewqueueitem_review", args=[obj.pk]), obj.title
        )

    @admin.display(description="Kind")
    def queue_kind_label(self, obj):
        return QUEUE_KIND_LABELS[obj.queue_kind]

    @admin.display(description="Status")
    def status_badge(self, obj):
        return ArticleAdmin.status_badge(self, obj)

    @admin.display(description="Waiting", ordering="waiting_since")
    def age(self, obj):
        if obj.queue_kind == "rereview":
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
        if obj.queue_kind == "rereview":
            return "—"
        return f"{obj.approval_count} of {workflow.required_approvals()}"

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Review queue: waiting for the Medical Advisory Board", **(extra_context or {})}
        return super().changelist_view(request, extra_context)


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A read-only log: decisions are made through the workflow, never edited."""

    list_display = ["article", "revision", "decision", "reason", "reviewer", "created_at"]
    list_select_related = ["article", "revision", "reviewer"]
    search_fields = ["article__title", "comment"]
    list_filter = ["decision", "reason", "created_at"]
    show_full_result_count = False


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Submitted versions, read-only: what was reviewed is what stays on record."""

    list_display = ["article", "number", "kind", "submitted_by", "submitted_at", "approved_at"]
    list_filter = ["kind"]
    list_select_related = ["article", "submitted_by"]
    search_fields = ["article__title", "title"]


@admin.register(Page)
class PageAdmin(HistoryAdmin):
    """Editable public pages such as the editorial policy (Markdown, sanitised when shown)."""

    form = PageAdminForm
    list_display = ["title", "slug", "updated_at"]
    prepopulated_fields = {"slug": ["title"]}


# The inbox lives in its own module; registered here with the history guard above.
from .admin_questions import QuestionInboxMixin  # noqa: E402


@admin.register(FollowUpQuestion)
class FollowUpQuestionAdmin(QuestionInboxMixin, HistoryAdmin):
    """The editors' inbox of readers' follow-up questions (articles/admin_questions.py)."""
