"""What board steps record besides the article row: decisions, withdrawals, corrected change notes.

Called by ``workflow`` inside its transitions (under the row lock); nothing here checks who may
act, the workflow has done that.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from articles.content.validators import CONTROL_CHARACTERS
from articles.models import Article, ReviewDecision, Revision, Withdrawal, person_name

from .steps import WorkflowError
from .validation import clean_change_note


def decision(*, user, **fields) -> ReviewDecision:
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


def edit_change_note(revision: Revision, *, change_note: str | None, change_kind: str | None) -> None:
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


def withdrawal(article: Article, *, user, reason: str, replacement: Article | None) -> None:
    """Record why a published article leaves the site (shown publicly) and what replaces it, if anything."""
    if replacement is not None and (replacement.pk == article.pk or not replacement.is_public()):
        raise ValidationError(
            {"replacement": "The replacement must be another article that is published now."}, code="invalid"
        )
    if CONTROL_CHARACTERS.search(reason):
        raise ValidationError({"reason": "The reason contains an invisible control character."})
    Withdrawal.objects.create(
        article=article, revision=article.published_revision, reason=reason, replacement=replacement, withdrawn_by=user
    )
