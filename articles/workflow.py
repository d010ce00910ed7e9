"""The review workflow: states, who may do what from which state, and what each step writes.

Draft → Submitted → Under review → Approved, plus Changes requested and Archived.

Every transition is a function here taking the acting user. Admin views, management
commands and tests call these; nothing else sets ``Article.status``. Each function locks
the article row, re-checks the rules against the fresh row, and either writes everything
(article history with the reason, decisions, revisions) or raises and writes nothing.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import notifications
from .models import Article, Reference, ReviewDecision, Revision, hash_content
from .rendering import citation_problems

Status = Article.Status

EDITOR_PERMISSION = "articles.submit_article"
BOARD_PERMISSION = "articles.review_article"
ARCHIVE_PERMISSION = "articles.archive_article"


class WorkflowError(Exception):
    """A transition that is not possible from the article's current state."""


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
        Transition("archive", "Archive", frozenset(set(Status) - {Status.ARCHIVED}), ARCHIVE_PERMISSION),
        Transition("restore", "Restore to draft", frozenset({Status.ARCHIVED}), ARCHIVE_PERMISSION),
    ]
}

WORKFLOW_FIELDS = (
    "status",
    "pending_revision_id",
    "published_revision_id",
    "claimed_by_id",
    "claimed_at",
    "last_reviewed_at",
    "next_review_due",
    "created_by_id",
)

# States in which editors may change the working copy.
EDITABLE_STATES = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED, Status.APPROVED})


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
    if transition.four_eyes and is_author(user, _revision_under_decision(name, article)):
        raise PermissionDenied(
            "You wrote part of this change, so another board member must review it (four-eyes rule)."
        )
    if name == "approve":
        if not hasattr(user, "board_profile"):
            raise PermissionDenied("Approving needs a board profile with your public name and credentials.")
        if article.pending_revision.approvals().filter(reviewer=user).exists():
            raise WorkflowError("You have already approved this version.")
    if name in ("confirm_current", "claim") and article.published_revision_id is None:
        raise WorkflowError("Only a published article can be re-reviewed.")
    if name == "confirm_current":
        if not hasattr(user, "board_profile"):
            raise PermissionDenied("Confirming needs a board profile with your public name and credentials.")
    if name == "claim":
        if article.claimed_by_id == user.pk:
            raise WorkflowError("You have already claimed this re-review.")
        if article.claimed_by_id is not None:
            raise WorkflowError(f"{article.claimed_by} has already claimed this re-review.")


def _revision_under_decision(name: str, article: Article) -> Revision | None:
    # Re-review steps decide the live version; every other board step decides the pending one.
    if name in ("confirm_current", "claim") or article.status == Status.APPROVED:
        return article.published_revision
    return article.pending_revision


def allowed(name: str, article: Article, user) -> bool:
    try:
        check(name, article, user)
    except (PermissionDenied, WorkflowError):
        return False
    return True


def available_transitions(article: Article, user) -> list[Transition]:
    """Return the transitions ``user`` may run on ``article`` right now, in display order."""
    return [t for t in TRANSITIONS.values() if allowed(t.name, article, user)]


def is_author(user, revision: Revision | None) -> bool:
    return revision is not None and revision.authors.filter(pk=user.pk).exists()


def _require_editable(stored: Article) -> None:
    """Refuse changes to content the board has, or that was archived, saying how to edit it."""
    if stored.status not in EDITABLE_STATES:
        hint = "withdraw it to draft to edit it" if stored.is_locked else "restore it to draft to edit it"
        raise WorkflowError(f"This article is {stored.get_status_display().lower()} and read-only; {hint}.")


def can_edit_content(article: Article, user) -> bool:
    return user.has_perm("articles.change_article") and article.status in EDITABLE_STATES


# --- Helpers --------------------------------------------------------------------


def _locked(article: Article) -> Article:
    """Lock the article row and reload ``article`` from it, so concurrent decisions serialise.

    Transitions act on what is stored, never on unsaved changes in the caller's instance.
    """
    list(Article.objects.select_for_update().filter(pk=article.pk).values_list("pk"))
    article.refresh_from_db()
    return article


def _set_claim(article: Article, user) -> None:
    """Record who is handling the article for the board now (``None`` releases it)."""
    article.claimed_by = user
    article.claimed_at = timezone.now() if user is not None else None


def _save(article: Article, *, user, reason: str) -> None:
    # Set the history user explicitly so commands and tests record who acted, not only requests.
    article._history_user = user
    article._change_reason = reason
    article.save()


def _content_authors(article: Article, since) -> set[int]:
    """Return ids of users who changed content (article fields or references) since ``since``.

    History is the source of truth: workflow saves touch only state fields, so a board
    member moving an article along never counts as one of its authors.
    """
    authors = set()
    records = article.history.order_by("history_date", "history_id")
    if since is not None:
        previous = records.filter(history_date__lte=since).last()
        records = records.filter(history_date__gt=since)
    else:
        previous = None
    for record in records:
        changed = previous is None or any(getattr(record, f) != getattr(previous, f) for f in Article.CONTENT_FIELDS)
        if changed and record.history_user_id:
            authors.add(record.history_user_id)
        previous = record
    reference_history = article.references.model.history.filter(article_id=article.pk)
    if since is not None:
        reference_history = reference_history.filter(history_date__gt=since)
    authors.update(reference_history.exclude(history_user=None).values_list("history_user_id", flat=True))
    return authors


def _status_after_edit(article: Article) -> str:
    """Approved while the working copy equals the live version, a draft as soon as it differs."""
    if article.status in (Status.APPROVED, Status.DRAFT) and article.published_revision_id:
        unchanged = snapshot_hash_equal(article.content_snapshot(), article.published_revision)
        return Status.APPROVED if unchanged else Status.DRAFT
    return article.status


def validate_for_review(snapshot: dict) -> None:
    """Refuse content whose citations and references do not match (the citation gate)."""
    problems = citation_problems(snapshot)
    if problems:
        raise ValidationError(problems, code="citations")


def _record_decision(*, user, **fields) -> ReviewDecision:
    """Store a decision with the reviewer's public attribution as it stands today."""
    profile = getattr(user, "board_profile", None)
    try:
        with transaction.atomic():
            return ReviewDecision.objects.create(
                reviewer=user,
                reviewer_name=profile.display_name if profile else (user.get_full_name() or user.get_username()),
                reviewer_credentials=profile.credentials if profile else "",
                reviewer_slug=profile.slug if profile else "",
                **fields,
            )
    except IntegrityError:
        # A second click racing the first: the database kept one approval per reviewer.
        raise WorkflowError("You have already approved this version.") from None


# --- Editing --------------------------------------------------------------------


def save_content(article: Article, *, user, reason: str = "") -> Article:
    """Save the editors' working copy; editing an approved article starts a new draft.

    The approved version stays live and unchanged until the new draft is approved.
    """
    if not user.has_perm("articles.change_article" if article.pk else "articles.add_article"):
        raise PermissionDenied("You do not have permission to edit articles.")
    with transaction.atomic():
        if article.pk is None:
            article.status = Status.DRAFT
            article.created_by = user
            _save(article, user=user, reason=reason or "Created")
            return article
        current = Article.objects.select_for_update().get(pk=article.pk)
        _require_editable(current)
        # Workflow fields always come from the stored row, never from a stale form instance.
        for field in WORKFLOW_FIELDS:
            setattr(article, field, getattr(current, field))
        if current.published_revision_id and article.slug != current.slug:
            raise ValidationError(
                {"slug": "The address of a published article cannot change: its versions are cited by it."},
                code="slug_frozen",
            )
        article.status = _status_after_edit(article)
        _save(article, user=user, reason=reason or "Edited")
    return article


def references_changed(article: Article, *, user, reason: str = "") -> None:
    """Record a change to the reference list in the article's history (who, when, why).

    Like a text edit, it turns an approved article into a draft, or back when undone.
    """
    with transaction.atomic():
        _locked(article)
        _require_editable(article)
        article.status = _status_after_edit(article)
        _save(article, user=user, reason=reason or "References edited")


# --- Transitions ----------------------------------------------------------------


def submit(article: Article, *, user, reason: str = "") -> Revision:
    """Freeze the working copy as a new revision and hand it to the board."""
    with transaction.atomic():
        article = _locked(article)
        check("submit", article, user)
        snapshot = article.content_snapshot()
        validate_for_review(snapshot)
        last = article.revisions.order_by("-number").first()
        if article.published_revision and snapshot_hash_equal(snapshot, article.published_revision):
            raise WorkflowError("Nothing has changed since the approved version; there is nothing to review.")
        revision = Revision.objects.create(
            article=article,
            number=(last.number + 1) if last else 1,
            kind=Revision.Kind.UPDATE if article.published_revision else Revision.Kind.FIRST,
            content_hash=hash_content(snapshot),
            submitted_by=user,
            **{k: v for k, v in snapshot.items()},
        )
        # Everyone who changed the text since the last approved version is an author, however
        # many times it was withdrawn, sent back or resubmitted in between (four-eyes rule).
        approved = article.revisions.filter(approved_at__isnull=False).order_by("-number").first()
        authors = _content_authors(article, since=approved.submitted_at if approved else None)
        revision.authors.set(authors | {user.pk})
        article.pending_revision = revision
        article.status = Status.SUBMITTED
        _set_claim(article, None)
        _save(article, user=user, reason=reason or f"Submitted version {revision.number} for review")
    transaction.on_commit(lambda: notifications.submitted(article, revision))
    return revision


def snapshot_hash_equal(snapshot: dict, revision: Revision) -> bool:
    return hash_content(snapshot) == revision.content_hash


def withdraw(article: Article, *, user, reason: str = "") -> Article:
    """Take content back from the board to edit it; its pending approvals lapse."""
    with transaction.atomic():
        article = _locked(article)
        check("withdraw", article, user)
        article.status = Status.DRAFT
        article.pending_revision = None
        _set_claim(article, None)
        _save(article, user=user, reason=reason or "Withdrawn to draft")
    return article


def start_review(article: Article, *, user) -> Article:
    """Claim a submitted article so other reviewers see it is being handled."""
    with transaction.atomic():
        article = _locked(article)
        check("start_review", article, user)
        article.status = Status.IN_REVIEW
        _set_claim(article, user)
        _save(article, user=user, reason=f"Review started by {user.get_username()}")
    return article


def approve(article: Article, *, user, comment: str = "") -> ReviewDecision:
    """Record an approval of the pending revision; publish it once the quorum is reached."""
    with transaction.atomic():
        article = _locked(article)
        check("approve", article, user)
        revision = article.pending_revision
        if not snapshot_hash_equal(article.content_snapshot(), revision):
            raise WorkflowError("The content changed after it was submitted; it must be resubmitted.")
        validate_for_review(revision.snapshot())
        decision = _record_decision(
            article=article,
            revision=revision,
            user=user,
            decision=ReviewDecision.Decision.APPROVE,
            comment=comment,
        )
        count = revision.approvals().values("reviewer").distinct().count()
        needed = required_approvals()
        if count >= needed:
            now = timezone.now()
            revision.approved_at = now
            revision.save(update_fields=["approved_at"])
            article.published_revision = revision
            article.pending_revision = None
            article.status = Status.APPROVED
            _set_claim(article, None)
            article.last_reviewed_at = now
            article.next_review_due = now + review_interval()
            reason = f"Approved version {revision.number} ({count} of {needed} approvals): published"
        else:
            reason = f"Approved version {revision.number} ({count} of {needed} approvals)"
        _save(article, user=user, reason=reason)
    transaction.on_commit(lambda: notifications.decided(article, decision))
    return decision


def request_changes(
    article: Article, *, user, comment: str, reason: str = ReviewDecision.Reason.OTHER
) -> ReviewDecision:
    """Send the pending revision back to its authors with a required comment."""
    if not (comment or "").strip():
        raise ValidationError({"comment": "Say what needs to change."}, code="required")
    if reason not in ReviewDecision.Reason.values:
        raise ValidationError({"reason": f"Unknown reason “{reason}”."}, code="invalid")
    with transaction.atomic():
        article = _locked(article)
        check("request_changes", article, user)
        decision = _record_decision(
            article=article,
            revision=_revision_under_decision("request_changes", article),
            user=user,
            decision=ReviewDecision.Decision.REQUEST_CHANGES,
            reason=reason,
            comment=comment.strip(),
        )
        article.status = Status.CHANGES_REQUESTED
        article.pending_revision = None
        _set_claim(article, None)
        _save(article, user=user, reason=f"Changes requested ({decision.get_reason_display()}): {comment.strip()}")
    transaction.on_commit(lambda: notifications.decided(article, decision))
    return decision


def claim(article: Article, *, user) -> Article:
    """Claim a live article's periodic re-review so other reviewers leave it to you."""
    with transaction.atomic():
        article = _locked(article)
        check("claim", article, user)
        _set_claim(article, user)
        _save(article, user=user, reason=f"Re-review claimed by {user.get_username()}")
    return article


def restore_version(article: Article, revision: Revision, *, user) -> Article:
    """Copy an earlier version back into the working copy as a new draft.

    It goes through review like any other change; nothing is published by restoring.
    """
    if revision.article_id != article.pk:
        raise WorkflowError("That version belongs to another article.")
    with transaction.atomic():
        _locked(article)
        if not user.has_perm("articles.change_article"):
            raise PermissionDenied("You do not have permission to edit articles.")
        _require_editable(article)
        for field in Article.CONTENT_FIELDS:
            if field == "specialty_id" and getattr(revision, field) is None:
                continue  # versions frozen before topics were part of the review
            setattr(article, field, getattr(revision, field))
        reason = f"Restored the text of version {revision.number}"
        for reference in article.references.all():
            reference._history_user = user
            reference._change_reason = reason
            reference.delete()
        for data in revision.references:
            reference = Reference(article=article, **data)
            reference._history_user = user
            reference._change_reason = reason
            reference.save()
        article.status = _status_after_edit(article)
        _save(article, user=user, reason=reason)
    return article


def confirm_current(article: Article, *, user, comment: str = "") -> ReviewDecision:
    """Confirm a published article is still accurate, moving its review dates on."""
    with transaction.atomic():
        article = _locked(article)
        check("confirm_current", article, user)
        now = timezone.now()
        decision = _record_decision(
            article=article,
            revision=article.published_revision,
            user=user,
            decision=ReviewDecision.Decision.CONFIRM_CURRENT,
            comment=comment,
        )
        article.last_reviewed_at = now
        article.next_review_due = now + review_interval()
        _set_claim(article, None)
        _save(article, user=user, reason=f"Re-reviewed by {user.get_username()}: still accurate")
    transaction.on_commit(lambda: notifications.decided(article, decision))
    return decision


def archive(article: Article, *, user, reason: str) -> Article:
    """Withdraw an article from the public site; its history and versions are kept."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the article is archived."}, code="required")
    with transaction.atomic():
        article = _locked(article)
        check("archive", article, user)
        article.status = Status.ARCHIVED
        article.published_revision = None
        article.pending_revision = None
        _set_claim(article, None)
        _save(article, user=user, reason=f"Archived: {reason.strip()}")
    return article


def restore(article: Article, *, user) -> Article:
    """Bring an archived article back as a draft; it must be reviewed again to go live."""
    with transaction.atomic():
        article = _locked(article)
        check("restore", article, user)
        article.status = Status.DRAFT
        _save(article, user=user, reason="Restored from the archive to draft")
    return article


def run(name: str, article: Article, *, user, **kwargs):
    """Dispatch a transition by name (used by admin buttons and commands)."""
    functions = {
        "submit": submit,
        "withdraw": withdraw,
        "start_review": start_review,
        "claim": claim,
        "approve": approve,
        "request_changes": request_changes,
        "confirm_current": confirm_current,
        "archive": archive,
        "restore": restore,
    }
    if name not in functions:
        raise WorkflowError(f"Unknown action “{name}”.")
    return functions[name](article, user=user, **kwargs)
