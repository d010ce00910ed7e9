"""The board's governance report: per quarter, what each reviewer approved, corrected and withdrew,
and which live articles are overdue for their periodic review.

- **approved**: approvals of first versions and of updates that are not corrections;
- **corrected**: approvals of updates whose kind is "correction of an error";
- **confirmed**: periodic re-reviews confirming a live article still accurate;
- **withdrawn**: published articles archived (withdrawn) by the reviewer;
- **overdue**: articles live now whose next review was due before the quarter's end (or now, if
  the quarter is not over), credited to whoever last approved or confirmed them.

Decisions are counted by the quarter they were made in (the site's time zone).
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from articles.models import Article, ReviewDecision, Revision, Withdrawal, person_name

QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
CATEGORIES = ["approved", "corrected", "confirmed", "withdrawn", "overdue"]


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        match = QUARTER.match((text or "").strip())
        if not match:
            raise ValidationError({"quarter": f"“{text}” is not a quarter; write it as 2026Q4."}, code="invalid")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def current(cls, now=None) -> "Quarter":
        now = timezone.localtime(now)
        return cls(now.year, (now.month - 1) // 3 + 1)

    def __str__(self):
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime(self.year, 3 * self.number - 2, 1))

    @property
    def end(self) -> datetime:
        year, month = (self.year + 1, 1) if self.number == 4 else (self.year, 3 * self.number + 1)
        return timezone.make_aware(datetime(year, month, 1))

    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)


@dataclass
class Event:
    category: str
    article: str
    slug: str
    version: int | None
    date: datetime


@dataclass
class ReviewerRow:
    name: str
    events: list[Event] = field(default_factory=list)

    def count(self, category: str) -> int:
        return sum(1 for event in self.events if event.category == category)

    @property
    def counts(self) -> dict:
        return {category: self.count(category) for category in CATEGORIES}


@dataclass
class Report:
    quarter: Quarter
    reviewers: list[ReviewerRow]

    @property
    def totals(self) -> dict:
        return {category: sum(row.count(category) for row in self.reviewers) for category in CATEGORIES}

    def csv_rows(self):
        yield ["quarter", "reviewer", "category", "article", "slug", "version", "date"]
        for row in self.reviewers:
            for event in sorted(row.events, key=lambda e: (CATEGORIES.index(e.category), e.date)):
                yield [
                    str(self.quarter),
                    row.name,
                    event.category,
                    event.article,
                    event.slug,
                    event.version or "",
                    timezone.localtime(event.date).date().isoformat(),
                ]


def _name(user, recorded: str = "") -> str:
    return recorded or (person_name(user) if user is not None else "(nobody)")


def report(quarter: Quarter, *, now=None) -> Report:
    """Build the report for ``quarter``."""
    now = now or timezone.now()
    rows: dict[str, ReviewerRow] = {}

    def add(name: str, event: Event) -> None:
        rows.setdefault(name, ReviewerRow(name)).events.append(event)

    decisions = (
        ReviewDecision.objects.filter(created_at__gte=quarter.start, created_at__lt=quarter.end)
        .exclude(decision=ReviewDecision.Decision.REQUEST_CHANGES)
        .select_related("reviewer", "revision", "article")
        .order_by("created_at", "pk")
    )
    for decision in decisions:
        revision = decision.revision
        if decision.decision == ReviewDecision.Decision.CONFIRM_CURRENT:
            category = "confirmed"
        elif revision.kind == Revision.Kind.UPDATE and revision.change_kind == Revision.ChangeKind.CORRECTION:
            category = "corrected"
        else:
            category = "approved"
        add(
            _name(decision.reviewer, decision.reviewer_name),
            Event(category, revision.title, decision.article.slug, revision.number, decision.created_at),
        )
    withdrawals = Withdrawal.objects.filter(withdrawn_at__gte=quarter.start, withdrawn_at__lt=quarter.end)
    for withdrawal in withdrawals.select_related("withdrawn_by", "revision", "article").order_by("withdrawn_at"):
        add(
            _name(withdrawal.withdrawn_by),
            Event(
                "withdrawn",
                withdrawal.revision.title,
                withdrawal.article.slug,
                withdrawal.revision.number,
                withdrawal.withdrawn_at,
            ),
        )
    cutoff = min(quarter.end, now)
    if quarter.start <= now:
        overdue = Article.objects.filter(published_revision__isnull=False, next_review_due__lt=cutoff).select_related(
            "published_revision"
        )
        for article in overdue.order_by("next_review_due"):
            last = (
                ReviewDecision.objects.filter(article=article)
                .exclude(decision=ReviewDecision.Decision.REQUEST_CHANGES)
                .select_related("reviewer")
                .order_by("-created_at", "-pk")
                .first()
            )
            add(
                _name(last.reviewer, last.reviewer_name) if last else "(nobody)",
                Event(
                    "overdue",
                    article.published_revision.title,
                    article.slug,
                    article.published_revision.number,
                    article.next_review_due,
                ),
            )
    return Report(quarter, sorted(rows.values(), key=lambda row: row.name.lower()))
