"""The board's review screen: what changed, how it will look, and the decision, on one page."""

import logging

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from articles.content.rendering import citation_problems
from articles.content.versions import RENDER_CACHE_VERSION, has_professional_version, rendered_revision
from articles.models import Article, ReviewDecision, Revision

from . import alignment, assignments, checks, comments, diffing, sources, steps, workflow
from .diffing import RenderedTexts
from .figure_diff import figure_changes
from .forms import AssignReviewersForm, DecisionForm, PassageCommentForm, refusals

# Steps a reviewer takes from this screen; each has its own form (and form prefix).
REVIEW_ACTIONS = [
    "start_review",
    "claim",
    "approve",
    "confirm_current",
    "request_changes",
    "reschedule",
    "cancel_schedule",
]
# Who reviews it: assigning named reviewers, releasing an assignment or a claim.
ASSIGNMENT_ACTIONS = ["assign", "release_assignment", "release_claim"]
# The diffs of a pair of versions are computed once and kept (versions never change): bump the
# version when what a diff shows changes. Kept for a while rather than forever: a pair matters
# while the newer version is with the board.
DIFF_CACHE_VERSION = 2
DIFF_CACHE_TIMEOUT = 30 * 24 * 3600
RENDERED_PARTS = [part for _, _, part in RenderedTexts("", "").parts()]
# How the "not recorded" note names a decision that came too late.
DECISION_NOUNS = {
    "approve": "approval",
    "confirm_current": "confirmation",
    "request_changes": "request for changes",
    "start_review": "start of the review",
    "claim": "claim",
    "reschedule": "new go-live time",
    "cancel_schedule": "cancellation of the go-live",
}
# Where the page lands after a step: the top of the content, where its message is.
TOP = "#content-start"

logger = logging.getLogger(__name__)


def may_review_screens(user):
    return user.has_perm("articles.review_article") or user.has_perm("articles.view_article")


def revision_under_review(article: Article) -> Revision | None:
    """The version this screen shows and comments attach to: the one with the board, the one just
    sent back to its editors (until they resubmit), else the live one (a re-review)."""
    if article.pending_revision_id:
        return article.pending_revision
    if article.status == Article.Status.CHANGES_REQUESTED:
        sent_back = article.decisions.filter(decision=ReviewDecision.Decision.REQUEST_CHANGES).order_by("-pk").first()
        if sent_back is not None:
            return sent_back.revision
    return article.published_revision


def offered_steps(article: Article, user) -> set[str]:
    """The review steps this screen offers ``user`` now.

    The workflow allows a live article's re-review steps at any time; the screen offers them only
    while its re-review is due (the queue's rule), so a reviewer who comes late to an article
    approved a minute ago is not invited to "confirm it still accurate".
    """
    available = {t.name for t in workflow.available_transitions(article, user)} & set(REVIEW_ACTIONS)
    if available & steps.LIVE_ONLY and not steps.in_queue(article):
        available -= steps.LIVE_ONLY
    return available


def review_view(model_admin, request, object_id):
    if not may_review_screens(request.user):
        raise PermissionDenied
    article = get_object_or_404(
        Article.objects.select_related("pending_revision", "published_revision", "specialty", "claimed_by"),
        pk=object_id,
    )
    forms = {name: DecisionForm(action=name, prefix=name, article=article) for name in REVIEW_ACTIONS}
    assign_form = late = None
    revision = revision_under_review(article)
    comment_form = None
    if comments.may_comment(request.user) and revision is not None:
        comment_form = PassageCommentForm(parts=comments.parts_of(revision), prefix="comment")
    if request.method == "POST" and request.POST.get("action") == "comment":
        if comment_form is None:
            raise PermissionDenied
        comment_form = PassageCommentForm(request.POST, parts=comments.parts_of(revision), prefix="comment")
        if comment_form.is_valid() and comment_form.run(article, revision, request.user):
            messages.success(request, "Comment added. The article's editors see it beside the text in their form.")
            return redirect(f"{request.path}#comments")
    elif request.method == "POST" and request.POST.get("action") in ASSIGNMENT_ACTIONS:
        assign_form, done = _assignment_post(request, article)
        if done:
            return redirect(f"{request.path}{TOP}")
    elif request.method == "POST":
        action = request.POST.get("action", "")
        if action not in REVIEW_ACTIONS:
            return HttpResponseBadRequest("Unknown review action.")
        form = DecisionForm(request.POST, action=action, prefix=action, subject=article)
        forms[action] = form
        if not form.is_valid() and not workflow.allowed(action, article, request.user):
            # The page does not show this form, so say at the top why nothing was done.
            for message in form.non_field_errors():
                messages.error(request, message)
        if form.is_valid():
            refusals = form.run(article, request.user)
            article.refresh_from_db()
            still_offered = action in offered_steps(article, request.user)
            moved_on = form.cleaned_data.get("seen") not in (None, "", workflow.state_token(article))
            if refusals and not still_offered and moved_on:
                # Someone else decided first and took the form away: say what happened beside
                # the decision, and keep what the reviewer wrote (``late``).
                late = _late(form, article, refusals)
                messages.error(request, f"{late['label']}: not recorded; see “Your decision” below.")
            elif refusals and not still_offered:
                for message in refusals:
                    messages.error(request, message)  # the page does not show this form: say it at the top
            elif refusals:
                for message in refusals:
                    form.add_error(None, message)  # beside the form, which is still offered
            if not refusals:
                label = workflow.TRANSITIONS[action].label
                messages.success(
                    request, f"{label}: done. “{article.title}” is now {article.get_status_display().lower()}."
                )
                # To the top, where the message is: a fragment of the page's own address (the
                # comments, the decision) would otherwise carry over the redirect.
                return redirect(f"{request.path}{TOP}")

    revision = revision_under_review(article)  # again: a decision above may have moved it on
    is_rereview = revision is not None and revision.pk == article.published_revision_id
    previous = article.published_revision if revision and article.published_revision and not is_rereview else None
    diff, rendered, problems = _computed(previous, revision, problems=article.pending_revision is not None)
    # Only the steps this screen offers: withdraw and archive live on the article page, and
    # counting them here would hide the "no review step" note behind an empty section.
    available = offered_steps(article, request.user)
    if late and comment_form is not None and not comment_form.is_bound and revision is not None:
        # The kept words can still reach the editors as a comment on a passage.
        comment_form = PassageCommentForm(
            parts=comments.parts_of(revision), prefix="comment", initial={"text": late["comment"]}
        )
    thread = list(comments.for_article(article))
    context = {
        **model_admin.admin_site.each_context(request),
        **model_admin.workflow_context(request, article),
        "title": f"Review: {article.title}",
        "opts": model_admin.opts,
        "article": article,
        "revision": revision,
        "previous": previous,
        "is_rereview": is_rereview,
        "diff": diff,
        "rendered_diff": rendered,
        "figure_diff": figure_changes(previous, revision) if previous and revision else [],
        "figure_old_label": f"Live version {previous.number}" if previous else "",
        "figure_new_label": f"Version {revision.number}" if revision else "",
        # The reader's view by default; ``?diff=source`` for the Markdown, ``?expand=all`` unfolds.
        "diff_view": "source" if request.GET.get("diff") == "source" else "rendered",
        "expand_all": request.GET.get("expand") == "all",
        "problems": problems,
        # The editorial checks of the exact version under review (cached by its text's hash).
        "editorial_checks": checks.report(revision.snapshot()) if revision else None,
        "editorial_checks_label": f"version {revision.number}" if revision else "",
        "forms": forms,
        "available": available,
        "late": late,
        "preview_url": reverse("admin:articles_reviewqueueitem_preview", args=[article.pk, revision.number])
        if revision
        else None,
        "has_professional": bool(revision and revision.professional_body.strip()),
        "now": timezone.now(),
        "decisions": article.decisions.select_related("reviewer__board_profile", "revision")[:20],
        **_assignment_context(request, article, assign_form),
        "comment_form": comment_form,
        "passage_comments": thread,
        "open_comment_count": sum(1 for c in thread if not c.is_resolved),
        "may_answer_comments": comments.may_answer(request.user),
        "source_rows": sources.review_rows(revision),
        "source_alerts": list(sources.open_alerts(article)),
    }
    return TemplateResponse(request, "admin/articles/review.html", context)


def _late(form, article, refusals) -> dict:
    """What to show a reviewer whose decision came too late: why, and the words they wrote."""
    data = form.cleaned_data
    number = str(data.get("revision") or "").removesuffix(steps.LIVE)
    judged = article.revisions.filter(number=number).first() if number.isdigit() else None
    note = data.get("change_note") or ""
    return {
        "label": workflow.TRANSITIONS[form.action].label,
        "noun": DECISION_NOUNS.get(form.action, "decision"),
        "refusals": refusals,
        "comment": data.get("comment", ""),
        "conflicts": data.get("conflicts", ""),
        # Only a note the approver rewrote: the editors' own note is still on the version.
        "change_note": note if judged is None or note != judged.change_note else "",
    }


def _computed(previous: Revision | None, revision: Revision | None, *, problems: bool):
    """The source diff, the rendered diff (a field per part with text) and the citation problems.

    Each part is computed once per pair of versions, renderer and diff budget and kept in the
    cache under its own key, all fetched in one round trip; with the cache down, they are
    computed and the page still shows.
    """
    keys = {}
    if previous and revision:
        pair = f"{previous.pk}:{previous.content_hash}:{revision.pk}:{revision.content_hash}"
        prefix = f"reviewdiff:{DIFF_CACHE_VERSION}:{RENDER_CACHE_VERSION}:{alignment.WORD_BUDGET}:{pair}"
        keys = {part: f"{prefix}:{part}" for part in ["source", *RENDERED_PARTS]}
    if problems and revision:
        keys["problems"] = f"citationproblems:{RENDER_CACHE_VERSION}:{revision.pk}:{revision.content_hash}"
    try:
        found, cache_up = (cache.get_many(list(keys.values())) if keys else {}), True
    except Exception:  # the cache is down: compute everything, and do not try to store it
        found, cache_up = {}, False
    results = {part: found[key] for part, key in keys.items() if key in found}
    missing = [part for part in keys if part not in results]
    if "source" in missing:
        results["source"] = diffing.diff_snapshots(previous.snapshot(), revision.snapshot())
    if "problems" in missing:
        results["problems"] = citation_problems(revision.snapshot())
    if any(part in RENDERED_PARTS for part in missing):
        old, new = _rendered(previous).parts(), _rendered(revision).parts()
        for (label, before, part), (_, after, _) in zip(old, new, strict=True):
            if part in missing:
                results[part] = (diffing.rendered_part(label, before, after, part),)  # (None,): no text there
    if missing and cache_up:
        try:
            cache.set_many({keys[part]: results[part] for part in missing}, timeout=DIFF_CACHE_TIMEOUT)
        except Exception:
            logger.warning(
                "cache unavailable; the review diffs of revision %s were not kept",
                revision.pk,
                extra={"outage": "cache"},
            )
    rendered = [results[part][0] for part in RENDERED_PARTS if part in results and results[part][0]]
    return results.get("source"), rendered if previous and revision else None, results.get("problems", [])


def _rendered(revision: Revision) -> RenderedTexts:
    """Render a version as readers see it, for each audience it has (the public page's cache)."""
    patient = rendered_revision(revision, "patient")
    texts = RenderedTexts(patient.summary_html, patient.body_html)
    if has_professional_version(revision):
        professional = rendered_revision(revision, "professional")
        texts.professional_summary, texts.professional_body = professional.summary_html, professional.body_html
    return texts


def _assignment_post(request, article):
    """Run an assign or release step from the review screen; return (assign form, whether it ran)."""
    action, user = request.POST["action"], request.user
    form = None
    seen = request.POST.get("seen", "")[:64] or None
    if action == "assign":
        form = AssignReviewersForm(request.POST, article=article)
        problems = form.run(user) if form.is_valid() else []
        for problem in problems:
            form.add_error(None, problem)
        if form.is_valid() and not problems:
            names = ", ".join(u.board_profile.display_name for u in form.chosen)
            messages.success(request, f"Assigned: {names}. Each of them has been emailed.")
            return form, True
        return form, False
    if action == "release_claim":
        problems = refusals(workflow.release_claim, article, user=user, seen=seen)
        done = "Claim released: another board member can take this review now."
    else:
        reviewer = article.assignments.open().filter(reviewer_id=_int(request.POST.get("reviewer"))).first()
        if reviewer is None:
            messages.error(request, "That reviewer is not assigned to this article (any more).")
            return None, False
        problems = refusals(assignments.release, article, user=user, reviewer=reviewer.reviewer, seen=seen)
        done = "Assignment released."
    for problem in problems:
        messages.error(request, problem)
    if not problems:
        messages.success(request, done)
    return None, not problems


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _assignment_context(request, article, assign_form):
    user = request.user
    may_assign = assignments.may_assign(user) and steps.in_queue(article)
    if may_assign and assign_form is None:
        assign_form = AssignReviewersForm(article=article)
    return {
        "assignments": assignments.open_assignments(article),
        "may_assign": may_assign,
        "assign_form": assign_form if may_assign else None,
        "may_release_claim": bool(article.claimed_by_id)
        and (article.claimed_by_id == user.pk or assignments.may_assign(user)),
        "may_release_any": assignments.may_assign(user),
    }
