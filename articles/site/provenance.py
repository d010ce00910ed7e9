"""What a public page says about itself: who wrote, approved and confirmed it, what changed, withdrawals.

Read-only: every fact comes from stored decisions, versions and withdrawals (written by
``workflow``); nothing here is a default standing in for something nobody said.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from articles.models import Article, AuthorProfile, ReviewDecision, Revision, Withdrawal, reads

from .jinja import page_url

EDITORIAL_TEAM = "the editorial team"


@dataclass
class Approver:
    """A reviewer as publicly credited on a version: name and credentials as they were then."""

    display_name: str
    credentials: str
    slug: str
    specialty: str
    on_board: bool
    conflicts: str = ""  # declared for this article at the decision; blank: nothing said
    decided_at: object = None
    # The review stage approved at and how readers see it credited ("Pharmacist review by"); blank:
    # the version had one stage, credited as the board's approval.
    stage: int = 1
    role: str = ""

    def __str__(self):
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name

    def get_absolute_url(self):
        return f"{page_url('articles:board')}#{self.slug}" if self.on_board else None


@dataclass
class Byline:
    """Who wrote a version: named authors with public profiles, plus the editorial team for the rest."""

    authors: list = field(default_factory=list)  # AuthorProfile, public ones only
    editorial_team: bool = False

    def __bool__(self):
        return bool(self.authors) or self.editorial_team


class Withdrawn(Http404):
    """A published article that was withdrawn: its address answers 410 with this notice."""

    def __init__(self, withdrawal: Withdrawal):
        super().__init__("This article was withdrawn.")
        self.withdrawal = withdrawal


def _decisions_by_revision(article: Article, revision_ids: set) -> tuple[dict, dict]:
    """Map revision id to its approvers and to its confirmations, in decision order, in one query."""
    approvers, confirmations = {}, {}
    for d in reads.approvals_and_confirmations(article):
        if d["revision_id"] not in revision_ids:
            continue  # an approval of a version that never reached its quorum
        on_board = d["board_slug"] is not None
        credited = Approver(
            display_name=d["reviewer_name"] or "A board member",
            credentials=d["reviewer_credentials"],
            slug=d["board_slug"] if on_board else d["reviewer_slug"],
            specialty=(d["board_topic"] or "") if on_board else "",
            on_board=bool(on_board and d["board_is_active"]),
            conflicts=d["conflicts"],
            decided_at=d["created_at"],
            stage=d["stage"],
            role=d["stage_credit"] if d["decision"] == ReviewDecision.Decision.APPROVE else "",
        )
        target = approvers if d["decision"] == ReviewDecision.Decision.APPROVE else confirmations
        target.setdefault(d["revision_id"], []).append(credited)
    return approvers, confirmations


def stage_credits(approvers: list) -> list[tuple[str, list]]:
    """Approvers grouped by stage, in stage order, each with its credit ("Pharmacist review by"); empty
    when no stage of the version names a credit (the trust line then says "Content approved by")."""
    if not any(a.role for a in approvers):
        return []
    groups = {}
    for approver in sorted(approvers, key=lambda a: a.stage):
        groups.setdefault(approver.stage, (approver.role or "Approved by", []))[1].append(approver)
    return list(groups.values())


def approved_history(article: Article) -> list:
    """Every approved version, newest first, with its authors, approvers and confirmations (two queries).

    Which versions are listed is ``reads.approved_versions``'s condition (``HISTORY_VISIBLE``).
    """
    versions = reads.approved_versions(article)
    approvers, confirmations = _decisions_by_revision(article, {v.pk for v in versions})
    for version in versions:
        version.approvers = approvers.get(version.pk, [])
        version.confirmations = confirmations.get(version.pk, [])
    return versions


def last_reviewed(version) -> object:
    """When the board last vouched for this version: its approval or its latest confirmation."""
    confirmations = getattr(version, "confirmations", [])
    return confirmations[-1].decided_at if confirmations else version.approved_at


def latest_update(history: list, revision: Revision):
    """The newest approved update up to ``revision`` (its note says what last changed), or None."""
    for version in history:
        if version.number <= revision.number and version.kind == Revision.Kind.UPDATE and version.change_note:
            return version
    return None


def correction_notice_until(version):
    """Until when a correction is flagged at the top of the page, or None if it is not a correction."""
    if version is None or version.change_kind != Revision.ChangeKind.CORRECTION or not version.approved_at:
        return None
    return version.approved_at + timedelta(days=settings.EDITORIAL_CORRECTION_NOTICE_DAYS)


def active_correction(history: list, revision: Revision):
    """The correction to flag prominently now, if the version shown is one made recently."""
    current = next((v for v in history if v.pk == revision.pk), None)
    until = correction_notice_until(current)
    return current if until and timezone.now() < until else None


def byline(history: list, revision: Revision) -> Byline:
    """Credit everyone who wrote the approved versions up to ``revision`` (from ``approved_history``)."""
    credit, seen = Byline(), set()
    for version in history:
        if version.number > revision.number:
            continue
        for person in version.author_rows:
            if person["user"] in seen:
                continue
            seen.add(person["user"])
            if person["slug"] and person["is_public"]:
                fields = {name: person[name] or "" for name in ("display_name", "slug", "role", "credentials")}
                credit.authors.append(AuthorProfile(user_id=person["user"], is_public=True, **fields))
            else:
                credit.editorial_team = True
    credit.authors.sort(key=lambda p: p.display_name)
    return credit


def current_withdrawal(article: Article) -> Withdrawal | None:
    """The withdrawal that took ``article`` off the site, if it is withdrawn now."""
    if article.status != Article.Status.ARCHIVED:
        return None
    return article.withdrawals.select_related("revision", "replacement").first()


def readable_versions():
    """Approved versions readers may open by their permalink: of public articles and of withdrawn ones."""
    return Revision.objects.filter(article__in=Article.objects.with_readable_versions(), approved_at__isnull=False)


def published_articles_by(user):
    """Public articles whose approved versions ``user`` helped write, newest approval first."""
    return (
        Article.objects.public()
        .filter(pk__in=Revision.objects.filter(authors=user, approved_at__isnull=False).values("article"))
        .select_related("published_revision__specialty")
        .order_by("-published_revision__approved_at")
    )
