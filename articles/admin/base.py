"""What the article and queue admins share: readable history, read-only records, workflow buttons."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core import checks
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import get_history_model_for_model

from articles.models import Article
from articles.review import editing, stages, steps, workflow
from articles.review.forms import DecisionForm

# Actions that need words from the user get a confirmation page; others run from a button.
# Approving and confirming ask for the reviewer's conflicts with the article.
ACTIONS_WITH_FORM = {"request_changes", "archive", "approve", "confirm_current"}
# The board decides in one place: the review screen's decision form, with the diff, the change
# note, the declaration and the open comments. These steps' links lead there.
DECIDED_ON_REVIEW_SCREEN = {"approve", "confirm_current", "request_changes"}


def actions_with_form(article) -> set:
    """The steps that open a form for ``article``: submitting an update asks for its change note."""
    return ACTIONS_WITH_FORM | ({"submit"} if article.published_revision_id else set())


class HistoryAdmin(SimpleHistoryAdmin):
    """History pages for reading, the one admin every model with simple-history is registered with
    (``check_history_admins`` below refuses any other).

    simple-history's history form view saves on POST after checking only view permission, so
    writes through it are refused (restoring goes through the workflow); its URLs take any text
    as ids, so ids that are not ids of the model answer 404 instead of a database error.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied  # before the lookup: guessed record ids learn nothing
        if request.method == "POST":
            raise PermissionDenied  # history is read here; nothing is written through this page
        history_id = get_history_model_for_model(self.model)._meta.get_field("history_id")
        return super().history_form_view(
            request, _id_or_404(self.model._meta.pk, object_id), _id_or_404(history_id, version_id), extra_context
        )

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied  # before the lookup, as above
        _id_or_404(self.model._meta.pk, unquote(object_id))
        return super().history_view(request, object_id, extra_context)


def _id_or_404(field, value):
    """``value`` as a value of ``field`` (a primary key), or 404: not a number, or beyond the column's range."""
    try:
        value = field.to_python(value)
        field.run_validators(value)
    except (ValidationError, ValueError, TypeError):
        raise Http404("No such record.") from None
    return value


@checks.register(checks.Tags.admin)
def check_history_admins(app_configs, site=None, **kwargs):
    """Every ModelAdmin with simple-history's pages must be a ``HistoryAdmin``: one rule for all of them."""
    site = site or admin.site
    return [
        checks.Error(
            f"{model.__name__} is registered with {type(model_admin).__name__}, a SimpleHistoryAdmin that is not a "
            "HistoryAdmin: its history form would save what is posted to it.",
            hint="Derive the admin from articles.admin.base.HistoryAdmin.",
            obj=type(model_admin),
            id="articles.E001",
        )
        for model, model_admin in site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin) and not isinstance(model_admin, HistoryAdmin)
    ]


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
        if request.method != "POST" and action in DECIDED_ON_REVIEW_SCREEN:
            return redirect(reverse("admin:articles_reviewqueueitem_review", args=[article.pk]) + "#decision")
        transition = workflow.TRANSITIONS[action]
        # Bind on any POST: a button posts no fields besides the CSRF token, which may come in a header.
        # From the article page's link: the state and the version under decision that page showed.
        seen = request.GET.get("seen", "")[:64]
        initial = {"seen": seen, "revision": request.GET.get("revision", "")[:20]} if seen else {}
        if action == "submit":
            # Resubmitting after "changes requested": the update's note, as it was sent, to start from.
            initial.update(editing.sent_back_change_note(article))
        form = DecisionForm(
            request.POST if request.method == "POST" else None,
            action=action,
            initial=initial or None,
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
            "refusal": _refusal(action, article, request.user),
            "next": request.GET.get("next", ""),
        }
        return TemplateResponse(request, "admin/articles/workflow_confirm.html", context)

    def workflow_context(self, request, article):
        transitions = workflow.available_transitions(article, request.user)
        if any(t.name in steps.LIVE_ONLY for t in transitions) and not steps.in_queue(article):
            # As on the review screen: a re-review is offered while it is due, not right after approval.
            transitions = [t for t in transitions if t.name not in steps.LIVE_ONLY]
        pending = article.pending_revision
        progress = stages.progress(pending) if pending else None
        stage = stages.current(pending) if pending else None
        approvals = pending.approvals().filter(stage=stage.position) if pending else None
        return {
            "workflow_transitions": transitions,
            # Each step's button or link carries the version it decides on (the board's decisions).
            "workflow_steps": [
                (t, workflow.under_decision(t.name, article) if t.name in workflow.DECISIONS else "")
                for t in transitions
            ],
            "actions_with_form": actions_with_form(article),
            "pending_revision": pending,
            # The stage the version waits at, its approvals so far and its quorum; every stage when there are more.
            "pending_stage": stage,
            "pending_approvals": approvals.select_related("reviewer__board_profile") if pending else [],
            "required_approvals": stage.required_approvals if stage else workflow.required_approvals(),
            "stage_progress": progress if progress and len(progress.rows) > 1 else None,
            # Why a board member may not decide at the stage it waits at (a group or specialty it names).
            "stage_refusal": stages.refusal(stage, request.user)
            if stage and request.user.has_perm(workflow.BOARD_PERMISSION)
            else None,
            "is_author_of_pending": workflow.is_author(request.user, pending),
            "workflow_seen": workflow.state_token(article),
        }


def _refusal(action, article, user) -> str:
    """Why ``user`` may not run ``action`` now (a second factor missing, say), or ""."""
    try:
        workflow.check(action, article, user)
    except (PermissionDenied, workflow.WorkflowError) as error:
        return str(error)
    return ""


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
