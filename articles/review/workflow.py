"""The review workflow: states, who may do what from which state, and what each step writes.

Draft → Submitted → Under review → Approved, plus Changes requested and Archived.

Every transition is a function here taking the acting user. Admin views, management
commands and tests call these; nothing else sets ``Article.status``. Each function locks
the article row, re-checks the rules against the fresh row, and either writes everything
(article history with the reason, decisions, revisions) or raises and writes nothing.

Every decision of the board (``DECISIONS``) names the version it judges, ``revision``, as
``under_decision`` writes it ("3" for version 3 with the board, "3-live" for the published
version 3): required, so a decision on a version that is no longer the one under decision is
refused instead of landing on what is there now (``steps.require_revision``).

Beside it in this wing: ``steps`` (the lock, the state token and the save every step shares),
``editing`` (saves of the working copy: a new draft beside the live version, conflicts),
``validation`` (what may be handed to the board), ``assignments`` (named reviewers) and
``board`` (who holds the board's powers now).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from articles.content.times import describe
from articles.models import Article, ReviewDecision, Revision, hash_content
from articles.models.rendered import store_renderings

from . import assignments, board, notifications, records
from .editing import content_authors
from .steps import (
    EditConflict,  # noqa: F401 - part of the workflow's interface
    WorkflowError,
    is_author,
    lock,
    require_revision,
    require_unchanged,
    revision_under_decision,
    save,
    set_claim,
    state_token,  # noqa: F401 - part of the workflow's interface
    under_decision,  # noqa: F401 - part of the workflow's interface
)
from .validation import clean_change_note, clean_conflicts, snapshot_hash_equal, validate_for_review

Status = Article.Status

EDITOR_PERMISSION = "articles.submit_article"
BOARD_PERMISSION = "articles.review_article"
ARCHIVE_PERMISSION = "articles.archive_article"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    permission: str
    # Board steps refuse anyone who wrote part of the revision (four-eyes rule).
    four_eyes: bool = False


# A live article can be re-reviewed whatever its editors are doing with the next draft.
LIVE_STATES = frozenset({Status.APPROVED, Status.DRAFT, Status.CHANGES_REQUESTED})

TRANSITIONS = {
    t.name: t
    for t in [
        Transition(
            "submit", "Submit for review", frozenset({Status.DRAFT, Status.CHANGES_REQUESTED}), EDITOR_PERMISSION
        ),
        Transition("withdraw", "Withdraw to draft", frozenset({Status.SUBMITTED, Status.IN_REVIEW}), EDITOR_PERMISSION),
        Transition("start_review", "Start review", frozenset({Status.SUBMITTED}), BOARD_PERMISSION, four_eyes=True),
        # Claiming a live article for its periodic re-review; the status does not change.
        Transition("claim", "Claim re-review", LIVE_STATES, BOARD_PERMISSION, four_eyes=True),
        Transition("approve", "Approve", frozenset({Status.IN_REVIEW}), BOARD_PERMISSION, four_eyes=True),
        # From Approved: a re-review (or a safety concern) sends a live article back to its
        # editors; the approved version stays live until an update is approved.
        Transition(
            "request_changes",
            "Request changes",
            frozenset({Status.IN_REVIEW, Status.APPROVED}),
            BOARD_PERMISSION,
            four_eyes=True,
        ),
        Transition("confirm_current", "Confirm still accurate", LIVE_STATES, BOARD_PERMISSION, four_eyes=True),
        # A version approved for a later go-live: the board may move the time, or cancel it (the
        # version goes back to its editors, as a request for changes would send it).
        Transition("reschedule", "Reschedule", frozenset({Status.SCHEDULED}), BOARD_PERMISSION, four_eyes=True),
        Transition(
            "cancel_schedule", "Cancel go-live", frozenset({Status.SCHEDULED}), BOARD_PERMISSION, four_eyes=True
        ),
        Transition("archive", "Archive", frozenset(set(Status) - {Status.ARCHIVED}), ARCHIVE_PERMISSION),
        Transition("restore", "Restore to draft", frozenset({Status.ARCHIVED}), ARCHIVE_PERMISSION),
    ]
}


# The board's decisions: each names the version it judges (``revision``).
DECISIONS = frozenset(name for name, t in TRANSITIONS.items() if t.permission == BOARD_PERMISSION)


def required_approvals() -> int:
    return max(1, settings.EDITORIAL_REQUIRED_APPROVALS)


def review_interval() -> timedelta:
    return timedelta(days=settings.EDITORIAL_REVIEW_INTERVAL_DAYS)


# --- Rules ----------------------------------------------------------------------


def check(name: str, article: Article, user) -> None:
    """Raise ``PermissionDenied`` or ``WorkflowError`` unless ``user`` may run ``name`` now."""
    transition = TRANSITIONS[name]
    if not user.is_active or not user.has_perm(transition.permission):
        raise PermissionDenied(f"You do not have permission to {transition.label.lower()}.")
    if article.status not in transition.sources:
        raise WorkflowError(
            f"Cannot {transition.label.lower()} an article that is {article.get_status_display().lower()}."
        )
    if transition.permission == BOARD_PERMISSION and not board.holds_board_powers(user):
        raise PermissionDenied("Only active members of the Medical Advisory Board can review articles.")
    if transition.four_eyes and is_author(user, revision_under_decision(name, article)):
        raise PermissionDenied(
            "You wrote part of this change, so another board member must review it (four-eyes rule)."
        )
    if name == "approve":
        if not hasattr(user, "board_profile"):
            raise PermissionDenied("Approving needs a board profile with your public name and credentials.")
        _require_declaration(user, "approve")
        if article.pending_revision.approvals().filter(reviewer=user).exists():
            raise WorkflowError("You have already approved this version.")
    if name in ("reschedule", "cancel_schedule") and not hasattr(user, "board_profile"):
        raise PermissionDenied("Scheduling needs a board profile with your public name and credentials.")
    if name in ("confirm_current", "claim") and article.published_revision_id is None:
        raise WorkflowError("Only a published article can be re-reviewed.")
    if name == "confirm_current":
        if not hasattr(user, "board_profile"):
            raise PermissionDenied("Confirming needs a board profile with your public name and credentials.")
        _require_declaration(user, "confirm")
    if name == "claim":
        if article.claimed_by_id == user.pk:
            raise WorkflowError("You have already claimed this re-review.")
        # A claim by someone who has left the board holds nothing back: another member takes it over.
        if article.claimed_by_id is not None and board.holds_board_powers(article.claimed_by):
            raise WorkflowError(f"{article.claimed_by} has already claimed this re-review.")


def _require_declaration(user, verb: str) -> None:
    # Readers see each reviewer's declaration; a blank must never pass for "no conflicts".
    if not user.board_profile.has_current_declaration:
        raise PermissionDenied(
            f"Before you {verb}, declare your conflicts of interest in your board profile: write a statement, "
            "or tick “I have no conflicts of interest to declare”."
        )


def allowed(name: str, article: Article, user) -> bool:
    try:
        check(name, article, user)
    except (PermissionDenied, WorkflowError):
        return False
    return True


def available_transitions(article: Article, user) -> list[Transition]:
    """Return the transitions ``user`` may run on ``article`` right now, in display order."""
    return [t for t in TRANSITIONS.values() if allowed(t.name, article, user)]


# --- Transitions ----------------------------------------------------------------


def submit(
    article: Article,
    *,
    user,
    reason: str = "",
    seen: str | None = None,
    change_note: str = "",
    change_kind: str = "",
) -> Revision:
    """Freeze the working copy as a new revision and hand it to the board.

    An update of a published article needs a public ``change_note`` and a ``change_kind``
    (``Revision.ChangeKind``); a first version needs neither.
    """
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        check("submit", article, user)
        _timing_for_review(article)
        snapshot = article.content_snapshot()
        validate_for_review(snapshot)
        last = article.revisions.order_by("-number").first()
        if article.published_revision and snapshot_hash_equal(snapshot, article.published_revision):
            raise WorkflowError("Nothing has changed since the approved version; there is nothing to review.")
        if article.published_revision:
            change_note, change_kind = clean_change_note(change_note=change_note, change_kind=change_kind)
        else:
            change_note, change_kind = "", ""
        revision = Revision.objects.create(
            change_note=change_note,
            change_kind=change_kind,
            article=article,
            number=(last.number + 1) if last else 1,
            kind=Revision.Kind.UPDATE if article.published_revision else Revision.Kind.FIRST,
            content_hash=hash_content(snapshot),
            submitted_by=user,
            not_before=article.not_before,
            requested_go_live_at=article.requested_go_live_at,
            ends_at=article.ends_at,
            end_reason=article.end_reason,
            **{k: v for k, v in snapshot.items()},
        )
        # Everyone who changed the text since the last approved version is an author, however
        # many times it was withdrawn, sent back or resubmitted in between (four-eyes rule).
        approved = article.revisions.filter(approved_at__isnull=False).order_by("-number").first()
        authors = content_authors(article, since=approved.submitted_at if approved else None)
        revision.authors.set(authors | {user.pk})
        article.pending_revision = revision
        article.status = Status.SUBMITTED
        set_claim(article, None)
        save(article, user=user, reason=reason or f"Submitted version {revision.number} for review")
    transaction.on_commit(lambda: notifications.submitted(article, revision))
    return revision


def _timing_for_review(article: Article) -> None:
    """Refuse to hand the board timing that cannot work: an end date before the embargo or the requested go-live."""
    starts = max((t for t in (article.not_before, article.requested_go_live_at) if t), default=None)
    if article.ends_at and starts and article.ends_at <= starts:
        raise ValidationError(
            {
                "ends_at": f"The end date ({describe(article.ends_at)}) must come after the version can go live "
                f"({describe(starts)})."
            },
            code="ends_before_start",
        )
    if article.requested_go_live_at and article.not_before and article.requested_go_live_at < article.not_before:
        raise ValidationError(
            {
                "requested_go_live_at": f"The requested go-live ({describe(article.requested_go_live_at)}) is before "
                f"the embargo (not before {describe(article.not_before)})."
            },
            code="before_embargo",
        )


def withdraw(article: Article, *, user, reason: str = "", seen: str | None = None) -> Article:
    """Take content back from the board to edit it; its pending approvals lapse."""
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        check("withdraw", article, user)
        article.status = Status.DRAFT
        article.pending_revision = None
        set_claim(article, None)
        save(article, user=user, reason=reason or "Withdrawn to draft")
    return article


def start_review(article: Article, *, user, revision: str | int | None, seen: str | None = None) -> Article:
    """Claim a submitted article so other reviewers see it is being handled."""
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        require_revision("start_review", article, revision, user)
        check("start_review", article, user)
        article.status = Status.IN_REVIEW
        set_claim(article, user)
        save(article, user=user, reason=f"Review started by {user.get_username()}")
    return article


def approve(
    article: Article,
    *,
    user,
    revision: str | int | None,
    comment: str = "",
    conflicts: str = "",
    change_note: str | None = None,
    change_kind: str | None = None,
    go_live_at: datetime | None = None,
    seen: str | None = None,
) -> ReviewDecision:
    """Record an approval of the pending revision; publish it once the quorum is reached.

    ``revision`` names the version approved (``under_decision``). ``conflicts`` is the reviewer's
    declaration for this article (shown beside their name). For an update,
    ``change_note``/``change_kind`` replace the editors' public note. ``go_live_at`` schedules the
    version for later instead of publishing it at once (``go_live_time`` says when it goes live:
    never before the version's embargo).
    """
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        require_revision("approve", article, revision, user)
        check("approve", article, user)
        revision = article.pending_revision
        if not snapshot_hash_equal(article.content_snapshot(), revision):
            raise WorkflowError("The content changed after it was submitted; it must be resubmitted.")
        validate_for_review(revision.snapshot())
        records.edit_change_note(revision, change_note=change_note, change_kind=change_kind)
        decision = records.decision(
            article=article,
            revision=revision,
            user=user,
            decision=ReviewDecision.Decision.APPROVE,
            comment=comment,
            conflicts=clean_conflicts(conflicts),
        )
        count = revision.approvals().values("reviewer").distinct().count()
        needed = required_approvals()
        now = timezone.now()
        at = go_live_time(revision, go_live_at, now=now)  # checked before any quorum: a bad time is refused
        if count >= needed:
            if at > now:
                schedule_go_live(article, revision, at)
                store_renderings(revision)  # rendered once, now: readers' pages are assembled from it
                reason = (
                    f"Approved version {revision.number} ({count} of {needed} approvals): scheduled to go live "
                    f"{describe(at)}"
                )
            else:
                go_live(article, revision, at=now, reviewed_at=now)
                reason = f"Approved version {revision.number} ({count} of {needed} approvals): published"
        else:
            reason = f"Approved version {revision.number} ({count} of {needed} approvals)"
        save(article, user=user, reason=reason)
    transaction.on_commit(lambda: notifications.decided(article, decision))
    return decision


# --- Going live: now, at a scheduled time, never before an embargo ---------------------


def go_live_time(revision: Revision, requested: datetime | None, *, now: datetime) -> datetime:
    """When an approved ``revision`` goes live: at ``requested``, or else now; never before its embargo
    (``not_before``). The editors' requested go-live is a suggestion the board sees (the approval form
    fills it in), not a rule.

    An explicit time before the embargo is refused naming the field; with none, the embargo is the
    time. A time in the past is refused: "now" is said by giving no time.
    """
    embargo = revision.not_before
    if requested is not None:
        if requested <= now:
            raise ValidationError(
                {
                    "go_live_at": f"The go-live time {describe(requested)} is in the past. Leave it blank to "
                    "publish now, or choose a later time."
                },
                code="past",
            )
        if embargo is not None and requested < embargo:
            raise ValidationError(
                {
                    "go_live_at": f"The go-live time {describe(requested)} is before the embargo: version "
                    f"{revision.number} may not go live before {describe(embargo)} (“Embargo: not before”)."
                },
                code="before_embargo",
            )
        return requested
    wanted = (
        revision.requested_go_live_at if revision.requested_go_live_at and revision.requested_go_live_at > now else now
    )
    return max(wanted, embargo) if embargo is not None else wanted


def schedule_go_live(article: Article, revision: Revision, at: datetime) -> None:
    """Hold an approved ``revision`` back until ``at``: readers keep what they see now."""
    revision.go_live_at = at
    revision.save(update_fields=["go_live_at"])
    article.status = Status.SCHEDULED
    article.pending_revision = revision
    article.go_live_at = at
    set_claim(article, None)


def go_live(article: Article, revision: Revision, *, at: datetime, reviewed_at: datetime) -> None:
    """Make ``revision`` the version readers see from ``at`` (the caller saves the article).

    ``reviewed_at`` is when the board's quorum approved it (its "last reviewed" date); ``at`` is
    when readers first saw it (the version's date in the history, feed and sitemap). Its end date,
    if its editors gave one, becomes the live article's.
    """
    if revision.not_before is not None and at < revision.not_before:
        # The last line of defence: whatever called, an embargoed version never goes live early.
        raise WorkflowError(f"Version {revision.number} is embargoed until {describe(revision.not_before)}.")
    revision.approved_at = at
    revision.go_live_at = revision.go_live_at or at
    revision.save(update_fields=["approved_at", "go_live_at"])
    store_renderings(revision)  # rendered once (at approval, if scheduled): readers' pages are assembled from it
    article.published_revision = revision
    article.pending_revision = None
    article.status = Status.APPROVED
    article.go_live_at = None
    article.expires_at = revision.ends_at
    article.expiry_reason = revision.end_reason
    set_claim(article, None)
    article.last_reviewed_at = reviewed_at
    article.next_review_due = reviewed_at + review_interval()


def reschedule(
    article: Article, *, user, revision: str | int | None, go_live_at=..., reason: str = "", seen=None
) -> Article:
    """Move the go-live of a scheduled version to ``go_live_at`` (required; ``None``: publish it now, if its
    embargo has passed)."""
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        require_revision("reschedule", article, revision, user)
        check("reschedule", article, user)
        if go_live_at is ...:
            raise ValidationError({"go_live_at": "Give the new go-live time, or none to publish now."}, code="required")
        scheduled = article.pending_revision
        now = timezone.now()
        before = article.go_live_at
        if go_live_at is None and scheduled.not_before and scheduled.not_before > now:
            raise ValidationError(
                {
                    "go_live_at": f"Version {scheduled.number} may not go live before {describe(scheduled.not_before)} "
                    "(“Embargo: not before”): choose a time from then on."
                },
                code="before_embargo",
            )
        at = go_live_time(scheduled, go_live_at, now=now) if go_live_at is not None else now
        why = f": {reason.strip()}" if (reason or "").strip() else ""
        if at > now:
            schedule_go_live(article, scheduled, at)
            text = f"Go-live of version {scheduled.number} moved from {describe(before)} to {describe(at)}{why}"
        else:
            go_live(article, scheduled, at=now, reviewed_at=_quorum_time(scheduled) or now)
            text = f"Version {scheduled.number} published now instead of {describe(before)}{why}"
        save(article, user=user, reason=text)
    if article.status == Status.APPROVED:
        transaction.on_commit(lambda: notifications.went_live(article, scheduled))
    return article


def cancel_schedule(
    article: Article, *, user, revision: str | int | None, reason: str = "", seen=None
) -> ReviewDecision:
    """Cancel a scheduled go-live: the version will not go live and goes back to its editors (with ``reason``)."""
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        require_revision("cancel_schedule", article, revision, user)
        check("cancel_schedule", article, user)
        if not (reason or "").strip():
            raise ValidationError(
                {"comment": "Say why the go-live is cancelled; the editors read it."}, code="required"
            )
        scheduled = article.pending_revision
        when = describe(article.go_live_at)
        decision = records.decision(
            article=article,
            revision=scheduled,
            user=user,
            decision=ReviewDecision.Decision.REQUEST_CHANGES,
            reason=ReviewDecision.Reason.OTHER,
            comment=f"Go-live cancelled (it was scheduled for {when}): {reason.strip()}",
        )
        scheduled.go_live_at = None
        scheduled.save(update_fields=["go_live_at"])
        article.status = Status.CHANGES_REQUESTED
        article.pending_revision = None
        article.go_live_at = None
        set_claim(article, None)
        save(article, user=user, reason=f"Go-live of version {scheduled.number} ({when}) cancelled: {reason.strip()}")
    transaction.on_commit(lambda: notifications.decided(article, decision))
    return decision


def _quorum_time(revision: Revision):
    """When the board's approvals of ``revision`` reached the quorum: the latest approval's time."""
    latest = revision.approvals().order_by("-created_at").values_list("created_at", flat=True).first()
    return latest


def publish_due(article: Article, *, now: datetime) -> str | None:
    """Apply what the clock says to one article (a due go-live, a passed end date); return what was done.

    Called by ``schedule.apply_due`` (a reader's request or the ``publish_scheduled`` command): under the
    row lock and re-checked, so of any number of simultaneous callers exactly one acts, once per version.
    """
    with transaction.atomic():
        article = lock(article)
        if article.status == Status.SCHEDULED and article.go_live_at and article.go_live_at <= now:
            revision = article.pending_revision
            at = article.go_live_at
            go_live(article, revision, at=at, reviewed_at=_quorum_time(revision) or at)
            save(article, user=None, reason=f"Version {revision.number} went live as scheduled ({describe(at)})")
            transaction.on_commit(lambda: notifications.went_live(article, revision))
            return f"published version {revision.number} of “{article.title}”"
        live = article.published_revision_id is not None and article.status != Status.ARCHIVED
        if live and article.expires_at is not None and article.expires_at <= now:
            ended = article.expires_at
            reason = article.expiry_reason or "This article was published for a limited time, which has ended."
            records.withdrawal(article, user=None, reason=reason, replacement=None)
            article.status = Status.ARCHIVED
            article.published_revision = None
            article.pending_revision = None
            article.go_live_at = None
            set_claim(article, None)
            save(article, user=None, reason=f"Ended at its end date ({describe(ended)}): withdrawn: {reason}")
            return f"withdrew “{article.title}” at its end date"
    return None


def request_changes(
    article: Article,
    *,
    user,
    revision: str | int | None,
    comment: str,
    reason: str = ReviewDecision.Reason.OTHER,
    seen: str | None = None,
) -> ReviewDecision:
    """Send the version ``revision`` names back to its authors with a required comment: the one under
    review, or the live one ("3-live") from a re-review."""
    if not (comment or "").strip():
        raise ValidationError({"comment": "Say what needs to change."}, code="required")
    if reason not in ReviewDecision.Reason.values:
        raise ValidationError({"reason": f"Unknown reason “{reason}”."}, code="invalid")
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        require_revision("request_changes", article, revision, user)
        check("request_changes", article, user)
        decision = records.decision(
            article=article,
            revision=revision_under_decision("request_changes", article),
            user=user,
            decision=ReviewDecision.Decision.REQUEST_CHANGES,
            reason=reason,
            comment=comment.strip(),
        )
        article.status = Status.CHANGES_REQUESTED
        article.pending_revision = None
        set_claim(article, None)
        save(article, user=user, reason=f"Changes requested ({decision.get_reason_display()}): {comment.strip()}")
    transaction.on_commit(lambda: notifications.decided(article, decision))
    return decision


def claim(article: Article, *, user, revision: str | int | None, seen: str | None = None) -> Article:
    """Claim a live article's periodic re-review so other reviewers leave it to you."""
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        require_revision("claim", article, revision, user)
        check("claim", article, user)
        set_claim(article, user)
        save(article, user=user, reason=f"Re-review claimed by {user.get_username()}")
    return article


def release_claim(article: Article, *, user, seen: str | None = None) -> Article:
    """Give up a claim so another board member can take the review; a review not yet decided
    goes back to Submitted. Only the claimer may, or someone who may assign reviewers."""
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        if article.claimed_by_id is None:
            raise WorkflowError("Nobody has claimed this article.")
        if not user.is_active or (article.claimed_by_id != user.pk and not assignments.may_assign(user)):
            raise PermissionDenied("You can release only your own claim.")
        whose = "their" if article.claimed_by_id == user.pk else f"{article.claimed_by}'s"
        if article.status == Status.IN_REVIEW:
            article.status = Status.SUBMITTED
        set_claim(article, None)
        save(article, user=user, reason=f"{user.get_username()} released {whose} claim")
    return article


def confirm_current(
    article: Article,
    *,
    user,
    revision: str | int | None,
    comment: str = "",
    conflicts: str = "",
    expires_at: datetime | None | object = ...,
    seen: str | None = None,
) -> ReviewDecision:
    """Confirm the published version ``revision`` names is still accurate, moving its review dates on.

    ``expires_at`` moves the live article's end date (``None`` clears it); left out, it stays.
    """
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        require_revision("confirm_current", article, revision, user)
        check("confirm_current", article, user)
        now = timezone.now()
        decision = records.decision(
            article=article,
            revision=article.published_revision,
            user=user,
            decision=ReviewDecision.Decision.CONFIRM_CURRENT,
            comment=comment,
            conflicts=clean_conflicts(conflicts),
        )
        article.last_reviewed_at = now
        article.next_review_due = now + review_interval()
        ending = ""
        if expires_at is not ... and expires_at != article.expires_at:
            if expires_at is not None and expires_at <= now:
                raise ValidationError(
                    {
                        "expires_at": f"The end date {describe(expires_at)} is in the past; choose a later one or "
                        "leave it blank for none."
                    },
                    code="past",
                )
            ending = f"; end date {'moved to ' + describe(expires_at) if expires_at else 'cleared'}"
            ending += f" (was {describe(article.expires_at)})" if article.expires_at else ""
            article.expires_at = expires_at
        set_claim(article, None)
        save(article, user=user, reason=f"Re-reviewed by {user.get_username()}: still accurate{ending}")
    transaction.on_commit(lambda: notifications.decided(article, decision))
    return decision


def archive(
    article: Article, *, user, reason: str, replacement: Article | None = None, seen: str | None = None
) -> Article:
    """Take an article off the public site; its history and versions are kept.

    Archiving a published article is a withdrawal: ``reason`` is shown publicly on its address
    (410) and its version pages, with a link to ``replacement`` if given.
    """
    if not (reason or "").strip():
        raise ValidationError(
            {"reason": "Say why the article is withdrawn; for a published article readers see this reason."},
            code="required",
        )
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        check("archive", article, user)
        if article.published_revision_id is not None:
            records.withdrawal(article, user=user, reason=reason.strip(), replacement=replacement)
        elif replacement is not None:
            raise ValidationError({"replacement": "Only a published article that is withdrawn can name a replacement."})
        article.status = Status.ARCHIVED
        article.published_revision = None
        article.pending_revision = None
        article.go_live_at = None
        set_claim(article, None)
        save(article, user=user, reason=f"Archived: {reason.strip()}")
    return article


def restore(article: Article, *, user, seen: str | None = None) -> Article:
    """Bring an archived article back as a draft; it must be reviewed again to go live."""
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        check("restore", article, user)
        article.status = Status.DRAFT
        save(article, user=user, reason="Restored from the archive to draft")
    return article


def run(name: str, article: Article, *, user, **kwargs):
    """Dispatch a transition by name (used by admin buttons and commands)."""
    if name not in TRANSITIONS:
        raise WorkflowError(f"Unknown action “{name}”.")
    verb = globals()[name]  # each transition is the function of its name above
    return verb(article, user=user, **kwargs)
