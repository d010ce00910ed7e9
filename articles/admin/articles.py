"""The article admin: the editors' change form with its references, preview, comments and history.

The only custom views are workflow screens (steps, restoring a version, a comment's passage),
which call ``articles.review`` and never set a status themselves.
"""

from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from articles.models import Article, ArticleFlag, PassageComment, Reference
from articles.review import comments, editing, presence, workflow

from . import autosave, changelist, editor, history, image_picker, interchange, previews
from .base import HistoryAdmin, WorkflowAdminMixin, _change_url
from .compare import compare_view
from .forms import ArticleAdminForm
from .references import ReferenceInline

WHY_FIELDS = "why-fields"  # the fieldsets saying why (a fieldset class the change form looks for)


@admin.register(Article)
class ArticleAdmin(changelist.BulkActionsMixin, WorkflowAdminMixin, HistoryAdmin):
    form = ArticleAdminForm
    inlines = [ReferenceInline]
    list_display = [
        "title",
        "status_badge",
        changelist.author,
        "specialty",
        "live_version",
        changelist.next_review,
        "updated_at",
    ]
    # A date filter, not a date hierarchy: the hierarchy's distinct years/months read every row.
    list_filter = ["status", "specialty", changelist.ReviewerFilter, "updated_at"]
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
        (
            "Timing (optional)",
            {
                "fields": ["not_before", "requested_go_live_at", "ends_at", "end_reason"],
                "description": "Frozen into the version you submit; the board sees it. Nothing can make a "
                "version public before its embargo.",
            },
        ),
        # Rendered after the references, next to the save buttons they go with (change_form.html),
        # not between the body and the references.
        ("Why", {"fields": ["change_reason", "edit_base"], "classes": [WHY_FIELDS]}),
    ]
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    actions = [
        changelist.submit_selected,
        changelist.withdraw_selected,
        changelist.archive_selected,
        interchange.export_markdown,
    ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_import": interchange.may_import(request.user)}
        return super().changelist_view(request, extra_context)

    class Media:
        # The safety net of the change form: autosave and recovery, signing in again in place.
        # Replaces WorkflowAdminMixin.Media (a plain mixin's Media is not merged): its stylesheet first.
        css = {"all": ["articles/admin.css", "articles/autosave.css", "articles/image_picker.css"]}
        js = ["articles/session.js", "articles/autosave.js", "articles/comment_replies.js", "articles/image_picker.js"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        kept = self._kept_initial(request, obj)
        return type(form.__name__, (form,), {"kept_initial": kept}) if kept else form

    def _kept_initial(self, request, obj) -> dict:
        """The change note, kind and reason to show again: a refused submission's (kept in the session
        for the page it comes back to), else those of the submission the board sent back."""
        if obj is None or request.method != "GET":
            return {}
        if not hasattr(request, "_kept_initial"):
            refused = request.session.pop(f"refused-submission-{obj.pk}", None)
            request._kept_initial = refused or editing.sent_back_change_note(obj)
        return request._kept_initial

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ["title"]} if obj is None else {}

    def get_view_on_site_url(self, obj=None):
        # Never published: the public URL is a 404, so "View on site" opens the staff preview.
        if obj is not None and obj.published_revision_id is None:
            return reverse("admin:articles_article_preview_draft", args=[obj.pk])
        return super().get_view_on_site_url(obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status not in editing.EDITABLE_STATES:
            return ArticleAdminForm.Meta.fields
        return []

    def get_fieldsets(self, request, obj=None):
        fieldsets = self._fieldsets()
        if obj is not None and obj.status not in editing.EDITABLE_STATES:
            return fieldsets[:3]
        if obj is not None and obj.published_revision_id is not None and self._may_submit(request, obj):
            note = (
                "Public change note",
                {
                    "fields": ["change_kind", "change_note"],
                    "classes": [WHY_FIELDS],
                    "description": "Needed when you save and submit an update: readers see what changed.",
                },
            )
            return [*fieldsets, note]
        return fieldsets

    def _fieldsets(self):
        # The flags' checkboxes only where the admin has configured flags.
        if not ArticleFlag.objects.exists():
            return self.fieldsets
        main = self.fieldsets[0][1]["fields"]
        at = main.index("specialty") + 1
        return [(None, {"fields": [*main[:at], "flags", *main[at:]]}), *self.fieldsets[1:]]

    def _may_submit(self, request, obj=None) -> bool:
        """Whether to offer "Save and submit for review": an editor, on an article editors may change."""
        editable = obj is None or obj.status in editing.EDITABLE_STATES
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
        editing.save_content(
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
            editing.references_changed(
                form.instance, user=request.user, reason=form.cleaned_data.get("change_reason", "")
            )
        moved = editing.renumber_references(form.instance, user=request.user)
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
            extra_context["can_restore"] = editing.can_edit_content(article, request.user)
            if request.method == "GET" and editing.can_edit_content(article, request.user):
                presence.touch(article, request.user)
            extra_context["editing_now"] = presence.others(article, request.user)
            extra_context["passage_comments"] = thread = list(comments.for_article(article))
            # Resolved threads are folded under the open ones, so they do not push the form down.
            extra_context["open_comments"] = [c for c in thread if not c.is_resolved]
            extra_context["resolved_comments"] = [c for c in thread if c.is_resolved]
            # For the live preview: mark the passages open comments are about, beside the text.
            extra_context["comment_markers"] = [
                {"id": c.pk, "part": c.part, "text": c.passage_text, "quote": c.quote}
                for c in thread
                if not c.is_resolved
            ]
            extra_context["may_answer_comments"] = comments.may_answer(request.user)
            if article.status not in editing.EDITABLE_STATES:
                # With the board (or archived) the content is read-only: a Save button would only answer an error.
                extra_context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
            extra_context["show_save_and_submit"] = self._may_submit(request, article)
            extra_context["image_picker"] = image_picker.may_pick(self, request)
            if extra_context["can_restore"]:
                extra_context.update(autosave.context(request, article))
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "show_save_and_submit": self._may_submit(request),
            "image_picker": image_picker.may_pick(self, request),
            **autosave.context(request, None),
        }
        return super().add_view(request, form_url, extra_context)

    def response_add(self, request, obj, post_url_continue=None):
        autosave.mark_saved(request, obj, added=True)
        if ArticleAdminForm.SAVE_AND_SUBMIT in request.POST:
            return self._submit_after_save(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        autosave.mark_saved(request, obj, added=False)
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
            self._keep_refused_submission(request, article)
        except (PermissionDenied, workflow.WorkflowError) as error:
            messages.error(request, f"Saved as a draft, but not submitted: {error}")
            self._keep_refused_submission(request, article)
        else:
            messages.success(
                request,
                f"Saved and submitted for review: version {revision.number} of “{article.title}” is with the board.",
            )
        return redirect(_change_url(article))

    @staticmethod
    def _keep_refused_submission(request, article) -> None:
        """Keep the change note, its kind and the reason for the form the editor comes back to."""
        names = ("change_note", "change_kind", "change_reason")
        request.session[f"refused-submission-{article.pk}"] = {name: request.POST.get(name, "")[:300] for name in names}

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(partial(interchange.import_view, self)),
                name="{}_{}_import".format(*info),
            ),
            path(
                "live-preview/",
                autosave.json_admin_view(self, editor.live_preview_view),
                name="{}_{}_live_preview".format(*info),
            ),
            path(
                "live-preview/frame/",
                self.admin_site.admin_view(partial(editor.live_preview_frame_view, self)),
                name="{}_{}_live_preview_frame".format(*info),
            ),
            path(
                "<int:object_id>/autosave/",
                autosave.json_admin_view(self, autosave.autosave_view),
                name="{}_{}_autosave".format(*info),
            ),
            path(
                "autosave-diff/",
                autosave.json_admin_view(self, autosave.autosave_diff_view),
                name="{}_{}_autosave_diff".format(*info),
            ),
            path("session/", autosave.json_admin_view(self, autosave.session_view), name="{}_{}_session".format(*info)),
            path("sign-in/", autosave.sign_in_view, name="{}_{}_sign_in".format(*info)),
            path(
                "reference-lookup/",
                autosave.json_admin_view(self, editor.reference_lookup_view),
                name="{}_{}_reference_lookup".format(*info),
            ),
            path(
                "image-library/",
                autosave.json_admin_view(self, image_picker.library_view),
                name="{}_{}_image_library".format(*info),
            ),
            path(
                "image-library/figure/",
                autosave.json_admin_view(self, image_picker.figure_view),
                name="{}_{}_image_figure".format(*info),
            ),
            path(
                "<int:object_id>/preview-draft/",
                self.admin_site.admin_view(partial(previews.draft_preview_view, self)),
                name="{}_{}_preview_draft".format(*info),
            ),
            path(
                "<int:object_id>/compare/",
                self.admin_site.admin_view(partial(compare_view, self)),
                name="{}_{}_compare".format(*info),
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
        return history.ReadableChanges(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        records = list(historical_records)
        if records:
            article = Article.objects.filter(pk=records[0].id).first()
            if article is not None:
                history.attach_diff_links(records, article=article, user=request.user)

    def passage_comment_view(self, request, object_id, comment_id):
        """Reply to a reviewer's passage comment, or mark it resolved (or open again).

        From the change form's script (``Accept: application/json``) it answers the comment's
        thread as it is now, so the editor replies in place without leaving unsaved text.
        """
        if request.method != "POST":
            return redirect(_change_url(get_object_or_404(Article, pk=object_id)) + "#comments")
        if not comments.may_answer(request.user):
            raise PermissionDenied  # before the lookup: guessed ids learn nothing
        comment = get_object_or_404(PassageComment, pk=comment_id, article_id=object_id)
        action = request.POST.get("action")
        ok, message = False, "Unknown comment action."
        try:
            if action == "reply":
                comments.reply(comment, user=request.user, text=request.POST.get("text", ""))
                ok, message = True, "Reply added."
            elif action in ("resolve", "reopen"):
                comments.set_resolved(comment, user=request.user, resolved=action == "resolve")
                ok, message = True, "Comment resolved." if action == "resolve" else "Comment open again."
        except ValidationError as error:
            message = " ".join(error.messages)
        except PermissionDenied as error:
            message = str(error) or "You may not do that."
        fallback = _change_url(comment.article) + f"#comment-{comment.pk}"
        candidate = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        if "application/json" in request.headers.get("Accept", ""):
            return self._comment_json(request, comment, ok, message, candidate.partition("#")[0] if safe else "")
        (messages.success if ok else messages.error)(request, message)
        return redirect(candidate if candidate and safe else fallback)

    def _comment_json(self, request, comment, ok, message, comments_next):
        """The comment's thread as the change form shows it, for the script to put in place."""
        thread = comments.for_article(comment.article).filter(pk=comment.pk)
        html = render_to_string(
            "admin/articles/_passage_comments.html",
            {"passage_comments": thread, "may_answer_comments": True, "comments_next": comments_next},
            request=request,
        )
        return JsonResponse({"ok": ok, "message": message, "html": html}, status=200 if ok else 400)

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
            editing.restore_version(article, revision, user=request.user)
        except (PermissionDenied, workflow.WorkflowError) as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, f"The text of version {number} is now the working draft. Submit it for review to publish it."
            )
        return redirect(_change_url(article))
