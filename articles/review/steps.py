"""What every workflow step shares: its errors, the row lock, the state token and the save.

``workflow`` (the transitions), ``editing`` (saves of the working copy) and ``assignments``
(named reviewers) all act through these, so they never import each other to do so. A step
locks the article row, checks that the page it was decided on still shows the article as
it is, writes, and saves with who and why; a public step also tells the site (``signals``).
"""

import hashlib

from django.utils import timezone

from articles.models import Article, ReviewAssignment, Revision
from articles.operations import audit

from . import signals

Status = Article.Status


class WorkflowError(Exception):
    """A transition that is not possible from the article's current state."""


class EditConflict(WorkflowError):
    """A save based on a copy of the article that someone else has changed since."""

    def __init__(self, message: str, *, current_version: str):
        super().__init__(message)
        self.current_version = current_version


def lock(article: Article) -> Article:
    """Lock the article row and reload ``article`` from it, so concurrent decisions serialise.

    Steps act on what is stored, never on unsaved changes in the caller's instance.
    """
    list(Article.objects.select_for_update().filter(pk=article.pk).values_list("pk"))
    article.refresh_from_db()
    return article


def state_token(article: Article) -> str:
    """Fingerprint what a decision is about: the state, the versions in play, the last review.

    Decision forms carry the token of the page the reviewer saw; a decision made against
    a state that has moved on since (another reviewer published the version, the editor
    withdrew it) is refused instead of landing on something the reviewer never saw.
    """
    reviewed = article.last_reviewed_at.isoformat() if article.last_reviewed_at else ""
    state = f"{article.status}|{article.pending_revision_id}|{article.published_revision_id}|{reviewed}"
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def require_unchanged(article: Article, seen: str | None, user) -> None:
    """Refuse a step decided on a page that no longer shows the article as it is (see ``state_token``).

    Checked before the step's own rules: "it moved on" explains a refusal better than "it is
    approved". What happened since is told only to those who may read the article anyway.
    """
    if seen is None or seen == state_token(article):
        return
    if not user.has_perm("articles.view_article"):
        raise WorkflowError("This article has moved on since you opened this page; nothing was recorded.")
    raise WorkflowError(
        f"This article has moved on since you opened this page; nothing was recorded.{_last_step(article)} "
        "Reload the page to see where it stands now."
    )


def _last_step(article: Article) -> str:
    """`` Since then: “<reason>” (<who>, <when>).`` from the article's latest history row."""
    last = article.history.order_by("-history_date", "-history_id").select_related("history_user").first()
    if last is None:
        return ""
    who = last.history_user.get_username() if last.history_user else "someone"
    return f" Since then: “{last.history_change_reason or 'changed'}” ({who}, {last.history_date:%d %b %Y %H:%M})."


# Board steps that only ever judge the live version (periodic re-reviews).
LIVE_ONLY = frozenset({"confirm_current", "claim"})
LIVE = "-live"


def revision_under_decision(name: str, article: Article) -> Revision | None:
    """The version a board step decides: the live one for re-reviews, else the one with the board."""
    if name in LIVE_ONLY or article.status == Status.APPROVED:
        return article.published_revision
    return article.pending_revision


def under_decision(name: str, article: Article) -> str | None:
    """How board step ``name`` names the version it judges on ``article`` now: ``"3"`` for version 3
    with the board, ``"3-live"`` for version 3 as published (re-reviews, sending a live article back).

    A number alone would not do: approving makes the version under review the live one, and a
    request for changes meant for version 3 under review must not land on version 3 just published.
    """
    revision = revision_under_decision(name, article)
    if revision is None:
        return None
    return f"{revision.number}{LIVE}" if revision.pk == article.published_revision_id else str(revision.number)


def _version(name: str, reference) -> tuple[int, bool] | None:
    """(number, live) from a reference as ``under_decision`` writes it; a plain number is the version
    with the board, except for steps that judge only the live version."""
    if reference is None or str(reference).strip() == "":
        return None
    text = str(reference).strip()
    number = text.removesuffix(LIVE)
    if not number.isdigit() or len(number) > 9:
        raise WorkflowError(f"“{text[:20]}” is not a version of this article; nothing was recorded.")
    return int(number), text.endswith(LIVE) or name in LIVE_ONLY


def _describe(version: tuple[int, bool]) -> str:
    number, live = version
    return f"the live version {number}" if live else f"version {number} under review"


def require_revision(name: str, article: Article, revision, user) -> None:
    """Refuse board step ``name`` unless ``revision`` names the version it would judge now (``under_decision``).

    Every decision of the board says which version it judges, so a decision made on a version
    that has moved on (approved, sent back, replaced by a newer one) is refused, not applied to
    what is there now. ``revision`` ``None`` says nothing is under decision (the step's own rules
    then say why it cannot be taken). What the article holds now is told only to those who may
    read it.
    """
    named, current = _version(name, revision), _version(name, under_decision(name, article))
    if named == current:
        return
    if not user.has_perm("articles.view_article"):
        raise WorkflowError("This decision is not about the version under decision now; nothing was recorded.")
    if named is None:
        raise WorkflowError(
            f"This decision does not say which version it judges; {_describe(current)} is the one under "
            "decision now. Nothing was recorded: reload the page and decide again."
        )
    if current is None:
        now = f"no version is under decision now (the article is {article.get_status_display().lower()})"
    elif named[0] == current[0] and current[1]:
        now = "it has been approved and published since"
    else:
        now = f"{_describe(current)} is the one under decision now"
    raise WorkflowError(
        f"This decision is about {_describe(named)}, but {now}; nothing was recorded.{_last_step(article)} "
        "Reload the page to see where it stands now."
    )


def under_decision_number(article: Article) -> int | None:
    """The number of the version a step just acted on: the one with the board, else the live one."""
    revision = article.pending_revision or article.published_revision
    return revision.number if revision is not None else None


def is_author(user, revision: Revision | None) -> bool:
    return revision is not None and revision.authors.filter(pk=user.pk).exists()


def in_queue(article: Article) -> bool:
    """Whether ``article`` waits for the board now (the review queue's own rule)."""
    return Article.objects.review_queue().filter(pk=article.pk).exists()


def set_claim(article: Article, user) -> None:
    """Record who is handling the article for the board now (``None`` releases it)."""
    article.claimed_by = user
    article.claimed_at = timezone.now() if user is not None else None


def end_assignment(assignment: ReviewAssignment, *, user, reason: str) -> None:
    assignment.ended_at = timezone.now()
    assignment.ended_by = user
    assignment.end_reason = reason[:300]
    assignment._history_user = user
    assignment._change_reason = reason
    assignment.save()


def save(
    article: Article, *, user, reason: str, public: bool = True, event: str | None = None, version: int | None = None
) -> None:
    """Save with who and why; a step readers can see (``public``) tells the site its pages are stale.

    A workflow transition names itself (``event``, e.g. ``"approve"``): it is recorded in the
    site-wide audit log as ``workflow.<event>``, with the number of the ``version`` it judged
    (default: the one with the board, else the live one), in the step's transaction.
    """
    # Set the history user explicitly so commands and tests record who acted, not only requests.
    article._history_user = user
    article._change_reason = reason
    article.save()
    if event is not None:
        audit.record(
            f"workflow.{event}",
            actor=user,
            target=article,
            reason=reason,
            status=article.status,
            version=version if version is not None else under_decision_number(article),
        )
    # Named reviewers' assignments end when the item leaves the queue (decided, withdrawn...).
    open_assignments = list(article.assignments.open())
    if open_assignments and not in_queue(article):
        for assignment in open_assignments:
            end_assignment(assignment, user=user, reason=f"Review finished: {reason}")
    if public:
        signals.article_changed.send(sender=Article, article=article)
