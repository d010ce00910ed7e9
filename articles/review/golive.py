"""Going live: when an approved version becomes the one readers see, never before its embargo.

The pieces ``workflow.approve`` and the scheduling steps (``scheduling``) share: the go-live time
a decision asks for (``go_live_time``), holding a version back until then (``schedule_go_live``)
and making it live (``go_live``, which refuses an embargoed version whatever called it). Callers
hold the article's row lock and save it.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.content.times import describe
from articles.models import Article, Revision
from articles.models.rendered import store_renderings

from .steps import WorkflowError, set_claim

Status = Article.Status


def review_interval() -> timedelta:
    return timedelta(days=settings.EDITORIAL_REVIEW_INTERVAL_DAYS)


def timing_for_review(article: Article) -> None:
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
    store_renderings(revision)  # rendered once, as it goes live: readers' pages are assembled from it
    article.published_revision = revision
    article.pending_revision = None
    article.status = Status.APPROVED
    article.go_live_at = None
    article.expires_at = revision.ends_at
    article.expiry_reason = revision.end_reason
    set_claim(article, None)
    article.last_reviewed_at = reviewed_at
    article.next_review_due = reviewed_at + review_interval()


def publish_or_schedule(article: Article, revision: Revision, *, at: datetime) -> str:
    """The quorum approved ``revision``: make it live now, or hold it until ``at``; return what the history says."""
    now = timezone.now()
    if at > now:
        schedule_go_live(article, revision, at)
        return f": scheduled to go live {describe(at)}"
    go_live(article, revision, at=now, reviewed_at=now)
    return ": published"


def move_end_date(article: Article, expires_at: datetime | None, *, now: datetime) -> str:
    """Move (or with ``None`` clear) the live article's end date at a re-review; return what the history says."""
    if expires_at == article.expires_at:
        return ""
    if expires_at is not None and expires_at <= now:
        message = f"The end date {describe(expires_at)} is in the past; choose a later one or leave it blank for none."
        raise ValidationError({"expires_at": message}, code="past")
    ending = f"; end date {'moved to ' + describe(expires_at) if expires_at else 'cleared'}"
    ending += f" (was {describe(article.expires_at)})" if article.expires_at else ""
    article.expires_at = expires_at
    return ending


def quorum_time(revision: Revision):
    """When the board's approvals of ``revision`` reached the quorum: the latest approval's time."""
    latest = revision.approvals().order_by("-created_at").values_list("created_at", flat=True).first()
    return latest
