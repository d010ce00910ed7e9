"""The board's steps on a version approved for a later go-live, and the clock's own step.

``reschedule`` and ``cancel_schedule`` are transitions of ``workflow.TRANSITIONS`` (run through
``workflow.run`` like any other); ``publish_due`` applies a go-live or an end date that has come,
for ``schedule.apply_due``. Each locks the article row, re-checks against it and saves with who
and why, as every step does.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from articles.content.times import describe
from articles.models import Article, ReviewDecision

from . import golive, notifications, records, workflow
from .steps import lock, require_revision, require_unchanged, save, set_claim

Status = Article.Status
check = workflow.check


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
        at = golive.go_live_time(scheduled, go_live_at, now=now) if go_live_at is not None else now
        why = f": {reason.strip()}" if (reason or "").strip() else ""
        if at > now:
            golive.schedule_go_live(article, scheduled, at)
            text = f"Go-live of version {scheduled.number} moved from {describe(before)} to {describe(at)}{why}"
        else:
            golive.go_live(article, scheduled, at=now, reviewed_at=golive.quorum_time(scheduled) or now)
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
            if revision.not_before is not None and revision.not_before > now:
                # A schedule set earlier than the embargo by some other hand: held to the embargo, never early.
                article.go_live_at = revision.not_before
                save(article, user=None, reason=f"Go-live held to the embargo, {describe(revision.not_before)}")
                return f"held version {revision.number} of “{article.title}” to its embargo"
            golive.go_live(article, revision, at=at, reviewed_at=golive.quorum_time(revision) or at)
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


workflow.VERBS.update(reschedule=reschedule, cancel_schedule=cancel_schedule)
