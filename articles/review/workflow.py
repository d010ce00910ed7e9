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

Beside it in this wing: ``rules`` (the states, the transitions and ``check``, re-exported here),
``steps`` (the lock, the state token and the save every step shares),
``stages`` (the review stages a version goes through and who decides at each),
``editing`` (saves of the working copy: a new draft beside the live version, conflicts),
``validation`` (what may be handed to the board), ``assignments`` (named reviewers),
``board`` (who holds the board's powers now) and ``second_factor`` (approving, confirming and
withdrawing a published article need a session verified with a second factor).
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from articles.models import Article, ReviewDecision, Revision, hash_content
from articles.models.figures import freeze, library_changed_since

from . import assignments, golive, images, notifications, records, sources, stages
from .editing import content_authors, status_after_edit
from .golive import review_interval
from .rules import (  # noqa: F401 - the rules are part of the workflow's interface
    ARCHIVE_PERMISSION,
    BOARD_PERMISSION,
    DECISIONS,
    EDITOR_PERMISSION,
    LIVE_STATES,
    SECOND_FACTOR_STEPS,
    TRANSITIONS,
    Transition,
    allowed,
    available_transitions,
    check,
    needs_second_factor,
    required_approvals,
)
from .steps import (
    EditConflict,  # noqa: F401 - part of the workflow's interface
    WorkflowError,
    is_author,  # noqa: F401 - part of the workflow's interface
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
    """Freeze the working copy (and what its figures show of the image library) as a new
    revision and hand it to the board.

    An update of a published article needs a public ``change_note`` and a ``change_kind``
    (``Revision.ChangeKind``); a first version needs neither.
    """
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        check("submit", article, user)
        golive.timing_for_review(article)
        snapshot = article.content_snapshot()
        validate_for_review(snapshot)
        last = article.revisions.order_by("-number").first()
        live = article.published_revision
        if live and snapshot_hash_equal(snapshot, live) and not library_changed_since(live):
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
        freeze(revision)  # the images it shows, as the library has them now (bytes, credit, licence)
        # Everyone who changed the text since the last approved version is an author, however
        # many times it was withdrawn, sent back or resubmitted in between (four-eyes rule).
        approved = article.revisions.filter(approved_at__isnull=False).order_by("-number").first()
        authors = content_authors(article, since=approved.submitted_at if approved else None)
        revision.authors.set(authors | {user.pk})
        # The stages it goes through are decided now, from the workflow in force, and kept with it.
        stages.freeze(revision, stages.plan(snapshot))
        sources.submitted(revision)  # its references' checks, enqueued after the commit
        article.pending_revision = revision
        article.status = Status.SUBMITTED
        set_claim(article, None)
        reason = reason or f"Submitted version {revision.number} for review"
        save(article, user=user, reason=reason, event="submit", version=revision.number)
    transaction.on_commit(lambda: notifications.submitted(article, revision))
    return revision


def withdraw(article: Article, *, user, reason: str = "", seen: str | None = None) -> Article:
    """Take content back from the board to edit it; its pending approvals lapse."""
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        check("withdraw", article, user)
        article.status = Status.DRAFT
        article.pending_revision = None
        set_claim(article, None)
        save(article, user=user, reason=reason or "Withdrawn to draft", event="withdraw")
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
        save(article, user=user, reason=f"Review started by {user.get_username()}", event="start_review")
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
    """Record an approval of the pending revision at its current stage; move it to the next stage once
    the stage has its quorum, and publish it once the last stage has.

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
        planned = stages.ensure_frozen(revision)
        stage = stages.current(revision)
        decision = records.decision(
            article=article,
            revision=revision,
            user=user,
            decision=ReviewDecision.Decision.APPROVE,
            comment=comment,
            conflicts=clean_conflicts(conflicts),
            stage=stage.position,
        )
        count = len(stages.approvers_at(revision, stage.position))
        needed = stage.required_approvals
        following = stages.next_stage(revision, stage)
        at = f" at {stage.name}" if len(planned) > 1 else ""
        # A bad go-live time is refused at any approval, not only at the last stage's.
        live_at = golive.go_live_time(revision, go_live_at, now=timezone.now())
        if count >= needed:
            stage.completed_at = timezone.now()
            stage.save(update_fields=["completed_at"])
        if count >= needed and following is not None:
            # Not approved yet: the next stage's deciders take it from here (and may start its review).
            revision.current_stage = following.position
            revision.save(update_fields=["current_stage"])
            article.status = Status.SUBMITTED
            set_claim(article, None)
            reason = (
                f"Approved version {revision.number}{at} ({count} of {needed} approvals): {stage.name} complete, "
                f"waiting for {following.name}"
            )
            save(article, user=user, reason=reason, event="approve_stage", version=revision.number)
            transaction.on_commit(lambda: notifications.stage_completed(article, revision, stage, following))
            transaction.on_commit(lambda: notifications.decided(article, decision))
            return decision
        reason = f"Approved version {revision.number}{at} ({count} of {needed} approvals)"
        if count >= needed:
            # ": published" or ": scheduled to go live ...", after the stage it completes if it has several.
            outcome = golive.publish_or_schedule(article, revision, at=live_at)
            reason += f": {stage.name} complete,{outcome[1:]}" if at else outcome
            # A library image changed while the version was with the board: readers see it as it
            # was submitted, and the working copy, showing the change, is the next draft to review.
            changed = images.changed_since(article, revision) if article.status == Status.APPROVED else []
            if changed:
                article.status = status_after_edit(article)
                names = ", ".join(f"“{image.title}”" for image in changed)
                reason += f"; the library changed {names} since it was submitted, so the working copy is a new draft"
        save(article, user=user, reason=reason, event="approve", version=revision.number)
    transaction.on_commit(lambda: notifications.decided(article, decision))
    return decision


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
        judged = revision_under_decision("request_changes", article)
        at_stage = stages.current(judged) if judged.pk == article.pending_revision_id else None
        decision = records.decision(
            article=article,
            revision=judged,
            user=user,
            decision=ReviewDecision.Decision.REQUEST_CHANGES,
            reason=reason,
            comment=comment.strip(),
            stage=at_stage.position if at_stage else 1,
        )
        article.status = Status.CHANGES_REQUESTED
        article.pending_revision = None
        set_claim(article, None)
        where = f" at {at_stage.name}" if at_stage and len(stages.stages_of(judged)) > 1 else ""
        save(
            article,
            user=user,
            reason=f"Changes requested{where} ({decision.get_reason_display()}): {comment.strip()}",
            event="request_changes",
            version=decision.revision.number,
        )
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
        save(article, user=user, reason=f"Re-review claimed by {user.get_username()}", event="claim")
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
        save(article, user=user, reason=f"{user.get_username()} released {whose} claim", event="release_claim")
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
        ending = golive.move_end_date(article, expires_at, now=now) if expires_at is not ... else ""
        set_claim(article, None)
        why = f"Re-reviewed by {user.get_username()}: still accurate{ending}"
        save(article, user=user, reason=why, event="confirm_current", version=decision.revision.number)
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
        save(article, user=user, reason=f"Archived: {reason.strip()}", event="archive")
    return article


def restore(article: Article, *, user, seen: str | None = None) -> Article:
    """Bring an archived article back as a draft; it must be reviewed again to go live."""
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        check("restore", article, user)
        article.status = Status.DRAFT
        save(article, user=user, reason="Restored from the archive to draft", event="restore")
    return article


REPLAN_PERMISSION = "articles.change_workflow"


def replan(article: Article, *, user, seen: str | None = None) -> tuple[list, list]:
    """Move the version with the board onto the active workflow's stages (its frozen ones otherwise stay).

    Approvals already given are kept only for stages that still exist (by name); it never approves a
    version by itself (``stages.replan``). Returns (kept, dropped) stage names with approvals.
    """
    with transaction.atomic():
        article = lock(article)
        require_unchanged(article, seen, user)
        if not user.is_active or not user.has_perm(REPLAN_PERMISSION):
            raise PermissionDenied("You do not have permission to change review workflows.")
        if article.status not in (Status.SUBMITTED, Status.IN_REVIEW):
            raise WorkflowError(
                f"Only a version with the board can be re-planned; this article is "
                f"{article.get_status_display().lower()}."
            )
        revision = article.pending_revision
        planned, kept, dropped = stages.replan(revision)
        names = " → ".join(s.name for s in planned)
        reason = f"Re-planned version {revision.number} with the current workflow: {names}"
        if kept:
            reason += f"; approvals kept for {', '.join(kept)}"
        if dropped:
            reason += f"; approvals no longer counted for {', '.join(dropped)} (stage removed)"
        claimer = article.claimed_by
        if claimer is not None and stages.refusal(stages.current(revision), claimer):
            article.status = Status.SUBMITTED  # the claimer may not decide at the stage it waits at now
            set_claim(article, None)
        save(article, user=user, reason=reason, event="replan", version=revision.number)
    return kept, dropped


# Transitions whose functions live in another module of this wing (``scheduling``), which adds them here.
VERBS: dict = {}


def run(name: str, article: Article, *, user, **kwargs):
    """Dispatch a transition by name (used by admin buttons and commands)."""
    if name not in TRANSITIONS:
        raise WorkflowError(f"Unknown action “{name}”.")
    verb = VERBS.get(name) or globals()[name]  # each transition is the function of its name
    return verb(article, user=user, **kwargs)
