"""Compare any two versions of an article, with the review screen's own diffs.

The review screen compares the version with the board against the live one; here staff pick
any pair, from the history page or the review screen. The diffs are the review screen's
(``screen._computed``): the same engine, the same word budget and the same cache entries, so a
pair compared here and there is computed once. Versions are frozen submissions (``Revision``):
the editors' unsubmitted working copy is never offered, and only people who may open the review
screen may compare (``may_compare``).

Input comes from a query string and is checked here, not in a view: each problem is a sentence
naming the field, a reversed pair is swapped with a note, and nothing is computed until both
versions exist and differ.
"""

import re
from dataclasses import dataclass, field

from articles.models import Article, ReviewDecision, Revision

from . import screen
from .figure_diff import figure_changes

# What the picker and the lists show of each version; their texts are never loaded for them.
LISTED_FIELDS = (
    "id",
    "article_id",
    "number",
    "kind",
    "submitted_at",
    "submitted_by_id",
    "approved_at",
    "change_kind",
    "change_note",
)
PERSON_FIELDS = ("first_name", "last_name", "username")
# ASCII digits only (str.isdigit() also accepts "²", which int() refuses), and no longer than any version.
VERSION_NUMBER = re.compile(r"[0-9]{1,9}")
FIELD_LABELS = {"from": "“From” version", "to": "“To” version"}


def may_compare(user) -> bool:
    """Whoever may open the review screen may compare versions (editors and the board)."""
    return screen.may_review_screens(user)


def state_of(revision: Revision, article: Article, changes_requested: set[int] = frozenset()) -> str:
    """Where a version stands now, in a few words: live, with the board, approved and replaced..."""
    if revision.pk == article.published_revision_id:
        return "Withdrawn (was live)" if article.status == Article.Status.ARCHIVED else "Live"
    if revision.pk == article.pending_revision_id:
        return article.get_status_display()
    if revision.approved_at is not None:
        return "Approved, since replaced"
    if revision.pk in changes_requested:
        return "Changes requested"
    return "Never approved"


def listed_versions(article: Article) -> list[Revision]:
    """Every version of ``article``, newest first, each with its ``state`` (two queries)."""
    versions = list(
        article.revisions.select_related("submitted_by")
        .only(*LISTED_FIELDS, *(f"submitted_by__{name}" for name in PERSON_FIELDS))
        .order_by("-number")
    )
    sent_back = _changes_requested(article) if versions else set()
    for version in versions:
        version.state = state_of(version, article, sent_back)
    return versions


def _changes_requested(article: Article) -> set[int]:
    decisions = ReviewDecision.objects.filter(article=article, decision=ReviewDecision.Decision.REQUEST_CHANGES)
    return set(decisions.values_list("revision_id", flat=True))


def default_pair(article: Article, versions: list[Revision]) -> tuple[int | None, int | None]:
    """The pair worth comparing first: the version with the board against the live one, or
    else the newest against the one before it (``versions`` newest first, as listed)."""
    number = {v.pk: v.number for v in versions}
    live, pending = number.get(article.published_revision_id), number.get(article.pending_revision_id)
    if live is not None and pending is not None:
        return live, pending
    if len(versions) >= 2:
        return versions[1].number, versions[0].number
    return None, None


@dataclass
class Choice:
    """The two version numbers asked for, checked: ``errors`` say what is wrong, field by field."""

    old: int | None = None
    new: int | None = None
    errors: dict = field(default_factory=dict)  # field name ("from", "to") -> sentence
    notes: list = field(default_factory=list)  # said above the diff (a pair swapped, ...)

    @property
    def ready(self) -> bool:
        return not self.errors and self.old is not None and self.new is not None


def choose(raw_from: str | None, raw_to: str | None, *, numbers: list[int], default=(None, None)) -> Choice:
    """Check the numbers asked for against the article's versions (``numbers``).

    Nothing asked: the ``default`` pair. Not a number, or no such version: an error naming the
    field. The same version twice: an error. The newer one first: swapped, with a note.
    """
    if not raw_from and not raw_to:
        return Choice(*default)
    choice = Choice()
    known = ", ".join(str(n) for n in sorted(numbers)) or "none yet"
    for name, raw in (("from", raw_from), ("to", raw_to)):
        value = (raw or "").strip()
        if not value:
            choice.errors[name] = f"Choose the {FIELD_LABELS[name]}."
        elif not VERSION_NUMBER.fullmatch(value):
            example = f"The {FIELD_LABELS[name]} must be a version number, such as 2"
            choice.errors[name] = f"{example}; “{value[:20]}” is not."
        elif int(value) not in numbers:
            choice.errors[name] = f"This article has no version {int(value)} (its versions: {known})."
        else:
            setattr(choice, "old" if name == "from" else "new", int(value))
    if choice.errors:
        return choice
    if choice.old == choice.new:
        choice.errors["to"] = f"Both sides are version {choice.new}: choose two different versions."
    elif choice.old > choice.new:
        choice.old, choice.new = choice.new, choice.old
        choice.notes.append(
            f"Version {choice.old} is the older one, so it is shown on the “from” side: the changes below "
            f"lead from version {choice.old} to version {choice.new}."
        )
    return choice


@dataclass
class Comparison:
    """Two versions (older first), each with its ``state`` and the board's decisions on it
    (``decided``, newest first), and the diffs from one to the other."""

    old: Revision
    new: Revision
    source: dict  # diffing.diff_snapshots: fields (title, summary, body...), references, changed
    rendered: list  # diffing.RenderedField per part with text, both audiences
    figures: list = field(default_factory=list)  # figure_diff.FigureChange per figure of either

    @property
    def old_label(self) -> str:
        return f"Version {self.old.number}"

    @property
    def new_label(self) -> str:
        return f"Version {self.new.number}"

    @property
    def has_professional(self) -> bool:
        return any(field.part.startswith("professional") for field in self.rendered)


def compare(article: Article, old_number: int, new_number: int) -> Comparison:
    """Load two versions and diff them, through the review screen's cache (three queries)."""
    revisions = article.revisions.select_related("submitted_by", "specialty")
    pair = {r.number: r for r in revisions.filter(number__in=[old_number, new_number])}
    old, new = pair[old_number], pair[new_number]
    old.decided, new.decided = [], []
    sent_back = set()
    decisions = ReviewDecision.objects.filter(revision__in=[old, new]).select_related("reviewer")
    for decision in decisions.order_by("-created_at"):
        (old if decision.revision_id == old.pk else new).decided.append(decision)
        if decision.decision == ReviewDecision.Decision.REQUEST_CHANGES:
            sent_back.add(decision.revision_id)
    for version in (old, new):
        version.state = state_of(version, article, sent_back)
    source, rendered, _ = screen._computed(old, new, problems=False)
    return Comparison(old, new, source, rendered or [], figure_changes(old, new))
