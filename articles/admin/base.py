"""What the article and queue admins share: readable history, read-only records, workflow buttons."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from simple_history.admin import SimpleHistoryAdmin

from articles.models import Article
from articles.review import workflow
from articles.review.forms import DecisionForm

# Actions that need words from the user get a confirmation page; others run from a button.
# Approving and confirming ask for the reviewer's conflicts with the article.
ACTIONS_WITH_FORM = {"request_changes", "archive", "approve", "confirm_current"}


def actions_with_form(article) -> set:
    """The steps that open a form for ``article``: submitting an update asks for its change note."""
    return ACTIONS_WITH_FORM | ({"submit"} if article.published_revision_id else set())


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
