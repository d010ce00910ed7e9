"""The review workflow: states, who may do what from which state, and what each step writes.

Draft → Submitted → Under review → Approved, plus Changes requested and Archived.

Every transition is a function here taking the acting user. Admin views, management
commands and tests call these; nothing else sets ``Article.status``. Each function locks
the article row, re-checks the rules against the fresh row, and either writes everything
(article history with the reason, decisions, revisions) or raises and writes nothing.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import assignments, caching, notifications
from .models import (
    Article,
    Reference,
    ReviewDecision,
    Revision,
    Withdrawal,
    hash_content,
    max_reference_number,
    person_name,
)
from .rendering import citation_problems, markdown_problems
from .validators import CONTROL_CHARACTERS

Status = Article.Status

EDITOR_PERMISSION = "articles.submit_article"
BOARD_PERMISSION = "articles.review_article"
ARCHIVE_PERMISSION = "articles.archive_article"


class WorkflowError(Exception):
    """A transition that is not possible from the article's current state."""


class EditConflict(WorkflowError):
    """A save based on a copy of the article that someone else has changed since."""

    def __init__(self, message: str, *, current_version: str):
        super().__init__(message)
        self.current_version = current_version


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

CHANGE_NOTE_MAX_LENGTH = 300

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
    if transition.permission == BOARD_PERMISSION and not is_active_board_member(user):
        raise PermissionDenied("Only active members of the Medical Advisory Board can review articles.")
    if transition.four_eyes and is_author(user, _revision_under_decision(name, article)):
        raise PermissionDenied(
            "You wrote part of this change, so another board member must review it (four-eyes rule)."
        )
    if name == "approve":
        if not hasattr(user, "board_profile"):
            raise PermissionDenied("Approving needs a board profile with your public name and credentials.")
        _require_declaration(user, "approve")
        if article.pending_revision.approvals().filter(reviewer=user).exists():
            raise WorkflowError("You have already approved this version.")
    if name in ("confirm_current", "claim") and article.published_revision_id is None:
        raise WorkflowError("Only a published article can be re-reviewed.")
    if name == "confirm_current":
        if not hasattr(user, "board_profile"):
            raise PermissionDenied("Confirming needs a board profile with your public name and credentials.")
        _require_declaration(user, "confirm")
    if name == "claim":
        if article.claimed_by_id == user.pk:
            raise WorkflowError("You have already claimed this re-review.")
        if article.claimed_by_id is not None:
            raise WorkflowError(f"{article.claimed_by} has already claimed this re-review.")


def _require_declaration(user, verb: str) -> None:
    # Readers see each reviewer's declaration; a blank must never pass for "no conflicts".
    if not user.board_profile.has_current_declaration:
        raise PermissionDenied(
            f"Before you {verb}, declare your conflicts of interest in your board profile: write a statement, "
            "or tick “I have no conflicts of interest to declare”."
        )


def is_active_board_member(user) -> bool:
    """Whether ``user`` sits on the board now: a member who left keeps the group until removed."""
    profile = getattr(user, "board_profile", None)
    if profile is None:
        # Board steps that publish attribution need a profile (checked per step below).
        return True
    return profile.is_active


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


def state_token(article: Article) -> str:
    """Fingerprint what a decision is about: the state, the versions in play, the last review.

    Decision forms carry the token of the page the reviewer saw; a decision made against
    a state that has moved on since (another reviewer published the version, the editor
    withdrew it) is refused instead of landing on something the reviewer never saw.
    """
    reviewed = article.last_reviewed_at.isoformat() if article.last_reviewed_at else ""
    state = f"{article.status}|{article.pending_revision_id}|{article.published_revision_id}|{reviewed}"
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def _require_unchanged(article: Article, seen: str | None, user) -> None:
    """Refuse a step decided on a page that no longer shows the article as it is (see ``state_token``).

    Checked before the step's own rules: "it moved on" explains a refusal better than "it is
    approved". What happened since is told only to those who may read the article anyway.
    """
    if seen is None or seen == state_token(article):
        return
    if not user.has_perm("articles.view_article"):
        raise WorkflowError("This article has moved on since you opened this page; nothing was recorded.")
    last = article.history.order_by("-history_date", "-history_id").select_related("history_user").first()
    since = ""
    if last is not None:
        who = last.history_user.get_username() if last.history_user else "someone"
        since = f" Since then: “{last.history_change_reason or 'changed'}” ({who}, {last.history_date:%d %b %Y %H:%M})."
    raise WorkflowError(
        f"This article has moved on since you opened this page; nothing was recorded.{since} "
        "Reload the page to see where it stands now."
    )


def _set_claim(article: Article, user) -> None:
    """Record who is handling the article for the board now (``None`` releases it)."""
    article.claimed_by = user
    article.claimed_at = timezone.now() if user is not None else None


def _save(article: Article, *, user, reason: str, public: bool = True) -> None:
    """Save with who and why; a step readers can see (``public``) makes its cached pages stale."""
    # Set the history user explicitly so commands and tests record who acted, not only requests.
    article._history_user = user
    article._change_reason = reason
    article.save()
    # Named reviewers' assignments end when the item leaves the queue (decided, withdrawn...).
    assignments.close_finished(article, user=user, reason=reason)
    if public:
        caching.article_changed(article)


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


def validate_for_review(snapshot: dict, *, draft: bool = False) -> None:
    """Refuse content the site cannot show as written: Markdown beyond the rendering limits,
    control characters, too many references, or citations and references that do not match.

    A ``draft`` (the importer's check) may still hold references it does not cite yet; a
    citation of a reference that does not exist is refused either way.
    """
    problems = []
    for field in ("title", "summary", "body", "professional_summary", "professional_body"):
        label = field.replace("_", " ")
        if field != "title":
            problems += [f"The {label}: {problem}" for problem in markdown_problems(snapshot.get(field) or "")]
        if CONTROL_CHARACTERS.search(snapshot.get(field) or ""):
            problems.append(f"The {label} contains an invisible control character; remove it.")
    references = snapshot.get("references", [])
    if len(references) > max_reference_number():
        problems.append(
            f"An article can have at most {max_reference_number()} references; this one has {len(references)}."
        )
    if problems:
        raise ValidationError(problems, code="markdown")
    problems = citation_problems(snapshot, uncited=not draft)
    if problems:
        raise ValidationError(problems, code="citations")


def clean_change_note(*, change_note: str, change_kind: str) -> tuple[str, str]:
    """Return the public note and kind of an update, or raise naming the missing field."""
    note = " ".join((change_note or "").split())
    errors = {}
    if not note:
        errors["change_note"] = ValidationError(
            "An update needs a short public change note saying what changed (readers see it).", code="required"
        )
    elif len(note) > CHANGE_NOTE_MAX_LENGTH:
        errors["change_note"] = ValidationError(
            f"Keep the change note to {CHANGE_NOTE_MAX_LENGTH} characters (it has {len(note)}).", code="max_length"
        )
    elif CONTROL_CHARACTERS.search(note):
        errors["change_note"] = ValidationError("The change note contains an invisible control character.")
    if change_kind not in Revision.ChangeKind.values:
        choices = ", ".join(f"“{value}”" for value in Revision.ChangeKind.values)
        errors["change_kind"] = ValidationError(
            f"Say what kind of change this update is: one of {choices}.", code="required"
        )
    if errors:
        raise ValidationError(errors)
    return note, change_kind


def _record_decision(*, user, **fields) -> ReviewDecision:
    """Store a decision with the reviewer's public attribution as it stands today."""
    profile = getattr(user, "board_profile", None)
    try:
        with transaction.atomic():
            return ReviewDecision.objects.create(
                reviewer=user,
                reviewer_name=profile.display_name if profile else person_name(user),
                reviewer_credentials=profile.credentials if profile else "",
                reviewer_slug=profile.slug if profile else "",
                **fields,
            )
    except IntegrityError:
        # A second click racing the first: the database kept one approval per reviewer.
        raise WorkflowError("You have already approved this version.") from None


# --- Editing --------------------------------------------------------------------


def edit_version(article: Article) -> str:
    """Return the version of the stored working copy an edit is based on: "<history id>:<content hash>".

    Forms and importers carry it from the moment they read the article; ``save_content``
    refuses a save whose base no longer matches what is stored (optimistic concurrency).
    Only content counts: a reviewer claiming the article in the meantime is no conflict.
    """
    stored = Article.objects.get(pk=article.pk)
    last = stored.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0
    return f"{last}:{hash_content(stored.content_snapshot())[:20]}"


def check_edit_base(article: Article, base: str) -> None:
    """Raise ``EditConflict`` if the stored content changed since ``base`` was read; lock the row.

    Call inside the transaction that saves, so nobody can slip in between check and save.
    """
    list(Article.objects.select_for_update().filter(pk=article.pk).values_list("pk"))
    current = edit_version(article)
    base_history, _, base_hash = (base or "").partition(":")
    if base_hash == current.partition(":")[2]:
        return
    since = int(base_history) if base_history.isdigit() else 0
    raise EditConflict(_changes_since(article, since), current_version=current)


def _changes_since(article: Article, history_id: int) -> str:
    """Describe the content saves after history record ``history_id``: who, when, why, which fields."""
    records = list(
        article.history.filter(history_id__gte=history_id).order_by("history_id").select_related("history_user")
    )
    lines = []
    for previous, record in zip(records, records[1:], strict=False):
        fields = [f.removesuffix("_id") for f in Article.CONTENT_FIELDS if getattr(record, f) != getattr(previous, f)]
        moved = any(getattr(record, f) != getattr(previous, f) for f in WORKFLOW_FIELDS)
        if not fields and moved:
            continue  # a workflow step, not an edit
        reason = record.history_change_reason or ""
        user = record.history_user
        who = person_name(user) if user else "someone"
        what = ", ".join(fields) if fields else "references"
        lines.append(f"{who} at {record.history_date:%H:%M} ({what}{': ' + reason if reason else ''})")
    saved = "; ".join(lines) or "someone changed its references"
    return (
        f"Someone else saved this article while you were editing it: {saved}. Your text is still in the form below, "
        "not saved. Compare it with theirs (open the article in a new tab), merge what you need, and save again: "
        "saving again replaces their version with yours."
    )


def save_content(article: Article, *, user, reason: str = "", base: str | None = None) -> Article:
    """Save the editors' working copy; editing an approved article starts a new draft.

    The approved version stays live and unchanged until the new draft is approved. With
    ``base`` (from ``edit_version`` when the copy was read), a save over someone else's
    newer changes is refused with ``EditConflict`` instead of silently overwriting them.
    """
    if not user.has_perm("articles.change_article" if article.pk else "articles.add_article"):
        raise PermissionDenied("You do not have permission to edit articles.")
    with transaction.atomic():
        if article.pk is None:
            article.status = Status.DRAFT
            article.created_by = user
            _save(article, user=user, reason=reason or "Created", public=False)
            return article
        current = Article.objects.select_for_update().get(pk=article.pk)
        if base is not None:
            check_edit_base(current, base)
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
        # Editing the working copy never changes what readers see (the live version stays).
        _save(article, user=user, reason=reason or "Edited", public=False)
    return article


def references_changed(article: Article, *, user, reason: str = "") -> None:
    """Record a change to the reference list in the article's history (who, when, why).

    Like a text edit, it turns an approved article into a draft, or back when undone.
    """
    with transaction.atomic():
        _locked(article)
        _require_editable(article)
        article.status = _status_after_edit(article)
        _save(article, user=user, reason=reason or "References edited", public=False)


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
        article = _locked(article)
        _require_unchanged(article, seen, user)
        check("submit", article, user)
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


def withdraw(article: Article, *, user, reason: str = "", seen: str | None = None) -> Article:
    """Take content back from the board to edit it; its pending approvals lapse."""
    with transaction.atomic():
        article = _locked(article)
        _require_unchanged(article, seen, user)
        check("withdraw", article, user)
        article.status = Status.DRAFT
        article.pending_revision = None
        _set_claim(article, None)
        _save(article, user=user, reason=reason or "Withdrawn to draft")
    return article


def start_review(article: Article, *, user, seen: str | None = None) -> Article:
    """Claim a submitted article so other reviewers see it is being handled."""
    with transaction.atomic():
        article = _locked(article)
        _require_unchanged(article, seen, user)
        check("start_review", article, user)
        article.status = Status.IN_REVIEW
        _set_claim(article, user)
        _save(article, user=user, reason=f"Review started by {user.get_username()}")
    return article


def approve(
    article: Article,
    *,
    user,
    comment: str = "",
    conflicts: str = "",
    change_note: str | None = None,
    change_kind: str | None = None,
    seen: str | None = None,
) -> ReviewDecision:
    """Record an approval of the pending revision; publish it once the quorum is reached.

    ``conflicts`` is the reviewer's declaration for this article (shown beside their name).
    For an update, ``change_note``/``change_kind`` replace the editors' public note.
    """
    with transaction.atomic():
        article = _locked(article)
        _require_unchanged(article, seen, user)
        check("approve", article, user)
        revision = article.pending_revision
        if not snapshot_hash_equal(article.content_snapshot(), revision):
            raise WorkflowError("The content changed after it was submitted; it must be resubmitted.")
        validate_for_review(revision.snapshot())
        _edit_change_note(revision, change_note=change_note, change_kind=change_kind)
        decision = _record_decision(
            article=article,
            revision=revision,
            user=user,
            decision=ReviewDecision.Decision.APPROVE,
            comment=comment,
            conflicts=_clean_conflicts(conflicts),
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


def _edit_change_note(revision: Revision, *, change_note: str | None, change_kind: str | None) -> None:
    """Let the board correct an update's public note when approving it."""
    if revision.kind != Revision.Kind.UPDATE or (change_note is None and change_kind is None):
        return
    note, kind = clean_change_note(
        change_note=revision.change_note if change_note is None else change_note,
        change_kind=change_kind or revision.change_kind,
    )
    if (note, kind) != (revision.change_note, revision.change_kind):
        revision.change_note, revision.change_kind = note, kind
        revision.save(update_fields=["change_note", "change_kind"])


def _clean_conflicts(conflicts: str) -> str:
    text = (conflicts or "").strip()
    if CONTROL_CHARACTERS.search(text):
        raise ValidationError({"conflicts": "The declaration contains an invisible control character."})
    return text


def request_changes(
    article: Article, *, user, comment: str, reason: str = ReviewDecision.Reason.OTHER, seen: str | None = None
) -> ReviewDecision:
    """Send the pending revision back to its authors with a required comment."""
    if not (comment or "").strip():
        raise ValidationError({"comment": "Say what needs to change."}, code="required")
    if reason not in ReviewDecision.Reason.values:
        raise ValidationError({"reason": f"Unknown reason “{reason}”."}, code="invalid")
    with transaction.atomic():
        article = _locked(article)
        _require_unchanged(article, seen, user)
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


def claim(article: Article, *, user, seen: str | None = None) -> Article:
    """Claim a live article's periodic re-review so other reviewers leave it to you."""
    with transaction.atomic():
        article = _locked(article)
        _require_unchanged(article, seen, user)
        check("claim", article, user)
        _set_claim(article, user)
        _save(article, user=user, reason=f"Re-review claimed by {user.get_username()}")
    return article


def release_claim(article: Article, *, user, seen: str | None = None) -> Article:
    """Give up a claim so another board member can take the review; a review not yet decided
    goes back to Submitted. Only the claimer may, or someone who may assign reviewers."""
    with transaction.atomic():
        article = _locked(article)
        _require_unchanged(article, seen, user)
        if article.claimed_by_id is None:
            raise WorkflowError("Nobody has claimed this article.")
        if not user.is_active or (article.claimed_by_id != user.pk and not assignments.may_assign(user)):
            raise PermissionDenied("You can release only your own claim.")
        whose = "their" if article.claimed_by_id == user.pk else f"{article.claimed_by}'s"
        if article.status == Status.IN_REVIEW:
            article.status = Status.SUBMITTED
        _set_claim(article, None)
        _save(article, user=user, reason=f"{user.get_username()} released {whose} claim")
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
        _save(article, user=user, reason=reason, public=False)
    return article


def confirm_current(
    article: Article, *, user, comment: str = "", conflicts: str = "", seen: str | None = None
) -> ReviewDecision:
    """Confirm a published article is still accurate, moving its review dates on."""
    with transaction.atomic():
        article = _locked(article)
        _require_unchanged(article, seen, user)
        check("confirm_current", article, user)
        now = timezone.now()
        decision = _record_decision(
            article=article,
            revision=article.published_revision,
            user=user,
            decision=ReviewDecision.Decision.CONFIRM_CURRENT,
            comment=comment,
            conflicts=_clean_conflicts(conflicts),
        )
        article.last_reviewed_at = now
        article.next_review_due = now + review_interval()
        _set_claim(article, None)
        _save(article, user=user, reason=f"Re-reviewed by {user.get_username()}: still accurate")
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
        article = _locked(article)
        _require_unchanged(article, seen, user)
        check("archive", article, user)
        if article.published_revision_id is not None:
            _record_withdrawal(article, user=user, reason=reason.strip(), replacement=replacement)
        elif replacement is not None:
            raise ValidationError({"replacement": "Only a published article that is withdrawn can name a replacement."})
        article.status = Status.ARCHIVED
        article.published_revision = None
        article.pending_revision = None
        _set_claim(article, None)
        _save(article, user=user, reason=f"Archived: {reason.strip()}")
    return article


def _record_withdrawal(article: Article, *, user, reason: str, replacement: Article | None) -> None:
    if replacement is not None and (replacement.pk == article.pk or not replacement.is_public()):
        raise ValidationError(
            {"replacement": "The replacement must be another article that is published now."}, code="invalid"
        )
    if CONTROL_CHARACTERS.search(reason):
        raise ValidationError({"reason": "The reason contains an invisible control character."})
    Withdrawal.objects.create(
        article=article, revision=article.published_revision, reason=reason, replacement=replacement, withdrawn_by=user
    )


def restore(article: Article, *, user, seen: str | None = None) -> Article:
    """Bring an archived article back as a draft; it must be reviewed again to go live."""
    with transaction.atomic():
        article = _locked(article)
        _require_unchanged(article, seen, user)
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
