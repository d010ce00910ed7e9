"""The board's review screen: what changed, how it will look, and the decision, on one page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin

from . import workflow
from .diffing import diff_snapshots
from .forms import DecisionForm
from .models import Article, Revision, hash_content
from .rendering import citation_problems
from .views import make_page, render_article

# Steps a reviewer takes from this screen; each has its own form (and form prefix).
REVIEW_ACTIONS = ["start_review", "claim", "approve", "confirm_current", "request_changes"]


def _may_review_screens(user):
    return user.has_perm("articles.review_article") or user.has_perm("articles.view_article")


def revision_under_review(article: Article) -> Revision | None:
    return article.pending_revision or article.published_revision


def review_view(model_admin, request, object_id):
    article = get_object_or_404(
        Article.objects.select_related("pending_revision", "published_revision", "specialty", "claimed_by"),
        pk=object_id,
    )
    if not _may_review_screens(request.user):
        raise PermissionDenied
    forms = {name: DecisionForm(action=name, prefix=name) for name in REVIEW_ACTIONS}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in REVIEW_ACTIONS:
            return HttpResponseBadRequest("Unknown review action.")
        form = DecisionForm(request.POST, action=action, prefix=action)
        forms[action] = form
        if form.is_valid():
            refusals = form.run(article, request.user)
            for message in refusals:
                form.add_error(None, message)
            if not refusals:
                article.refresh_from_db()
                label = workflow.TRANSITIONS[action].label
                messages.success(
                    request, f"{label}: done. “{article.title}” is now {article.get_status_display().lower()}."
                )
                return redirect(request.path)

    revision = revision_under_review(article)
    is_rereview = article.pending_revision is None and article.published_revision is not None
    previous = article.published_revision if article.pending_revision and article.published_revision else None
    # Only the steps this screen offers: withdraw and archive live on the article page, and
    # counting them here would hide the "no review step" note behind an empty section.
    available = {t.name for t in workflow.available_transitions(article, request.user)} & set(REVIEW_ACTIONS)
    context = {
        **model_admin.admin_site.each_context(request),
        **model_admin.workflow_context(request, article),
        "title": f"Review: {article.title}",
        "opts": model_admin.opts,
        "article": article,
        "revision": revision,
        "previous": previous,
        "is_rereview": is_rereview,
        "diff": diff_snapshots(previous.snapshot(), revision.snapshot()) if previous and revision else None,
        "problems": citation_problems(revision.snapshot()) if article.pending_revision else [],
        "forms": forms,
        "available": available,
        "preview_url": reverse("admin:articles_reviewqueueitem_preview", args=[article.pk, revision.number])
        if revision
        else None,
        "has_professional": bool(revision and revision.professional_body.strip()),
        "now": timezone.now(),
        "decisions": article.decisions.select_related("reviewer__board_profile", "revision")[:20],
    }
    return TemplateResponse(request, "admin/articles/review.html", context)


@xframe_options_sameorigin
def preview_view(model_admin, request, object_id, number):
    """Render any version exactly as the public page would, for staff only."""
    if not _may_review_screens(request.user):
        raise PermissionDenied
    article = get_object_or_404(Article, pk=object_id)
    revision = get_object_or_404(article.revisions, number=number)
    audience = "professional" if request.GET.get("audience") == "professional" else "patient"
    page = make_page(article, revision, pending=not revision.is_approved, audience=audience)
    return render_article(request, page, preview=True)


@xframe_options_sameorigin
def draft_preview_view(model_admin, request, object_id):
    """Render the editors' working copy as readers would see it, before it is submitted."""
    if not _may_review_screens(request.user):
        raise PermissionDenied
    article = get_object_or_404(Article.objects.select_related("specialty", "published_revision"), pk=object_id)
    snapshot = article.content_snapshot()
    draft = Revision(article=article, number=0, content_hash=hash_content(snapshot), **snapshot)
    audience = "professional" if request.GET.get("audience") == "professional" else "patient"
    return render_article(request, make_page(article, draft, pending=True, audience=audience), preview=True)
