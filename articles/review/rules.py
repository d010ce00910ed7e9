"""The workflow's rules: its states and transitions, who may take which step from which state, and
why not (``check``). The steps themselves, which call ``check`` on the locked row, are in
``workflow``; everything here is part of its interface (``workflow.check``, ``workflow.TRANSITIONS``).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from articles.models import Article, Revision

from . import board, second_factor, stages
from .steps import WorkflowError, is_author, revision_under_decision

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


# Steps that speak for the board in public need a session verified with a second factor
# (with EDITORIAL_REQUIRE_2FA): a stolen password alone must not publish, confirm or withdraw.
SECOND_FACTOR_STEPS = frozenset({"approve", "confirm_current"})


def needs_second_factor(name: str, article: Article) -> bool:
    # Archiving a published article is its withdrawal, shown to readers; a draft's is housekeeping.
    return name in SECOND_FACTOR_STEPS or (name == "archive" and article.published_revision_id is not None)


# The board's decisions: each names the version it judges (``revision``).
DECISIONS = frozenset(name for name, t in TRANSITIONS.items() if t.permission == BOARD_PERMISSION)


def required_approvals() -> int:
    """The site's quorum: what the default stage (and any stage leaving it blank) needs."""
    return stages.site_quorum()


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
    if needs_second_factor(name, article):
        doing = "withdraw a published article" if name == "archive" else transition.label.lower()
        second_factor.require_verified(user, doing)
    if transition.four_eyes and is_author(user, revision_under_decision(name, article)):
        raise PermissionDenied(
            "You wrote part of this change, so another board member must review it (four-eyes rule)."
        )
    if name in ("start_review", "approve"):
        _require_stage(article.pending_revision, user)
    if name == "approve":
        if not hasattr(user, "board_profile"):
            raise PermissionDenied("Approving needs a board profile with your public name and credentials.")
        _require_declaration(user, "approve")
        revision = article.pending_revision
        stage = stages.current(revision)
        if user.pk in stages.approvers_at(revision, stage.position):
            at = f" at this stage ({stage.name})" if stage.position > 1 else ""
            raise WorkflowError(f"You have already approved this version{at}.")
        earlier = stages.earlier_approval(revision, stage, user)
        if earlier is not None:
            raise PermissionDenied(
                f"You approved this version at {earlier.name}; {stage.name} needs another person's approval."
            )
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


def _require_stage(revision: Revision, user) -> None:
    # Each stage names who may decide at it (a group, a board specialty); the rest of the board may
    # still send the version back (request changes), but not move it on.
    why = stages.refusal(stages.current(revision), user)
    if why:
        raise PermissionDenied(why)


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
