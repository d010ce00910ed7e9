"""Diffs of a revision against the last approved one, for the review screen.

Two views: the *source* diff compares the Markdown word by word; the *rendered* diff
compares what readers will see (the public renderer's output, citations numbered as
readers see them) passage by passage, each changed passage word by word. Output is built
from escaped text only. Insertions and deletions are marked with ``<ins>``/``<del>`` and
carry visually hidden labels, so screen readers announce them.

Large updates stay near-linear: both views align passages first (rendered paragraphs,
headings and list items; lines of the source) and compare words only inside changed passage
pairs, within a budget of word comparisons per field (see ``alignment``). A changed passage
beyond the budget is shown removed and added whole, with a note saying so.
"""

from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

from django.utils.safestring import mark_safe

from .alignment import WORD_RE, Budget, align, aligned, opcodes, pair_up

# A stretch of changed source lines with at most this many words (old x new) is compared as one
# text, as if there were no lines (a paragraph split in two reads as one line break, not a rewrite).
SOURCE_RUN_COST = 40_000
COARSE_NOTE = "This passage changed too much to mark word by word: the old text is shown removed, the new text added."

FIELDS = [
    ("title", "Title"),
    ("summary", "Summary"),
    ("body", "Body"),
    ("professional_summary", "Professional summary"),
    ("professional_body", "Professional body"),
]
REFERENCE_FIELDS = ["kind", "title", "source", "year", "url", "doi", "pmid"]


def _marked(tag: str, label: str, text: str) -> str:
    # Keep surrounding spaces outside the mark so only the words themselves are highlighted.
    core = text.strip()
    if not core:
        return escape(text)
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    hidden = '<span class="visually-hidden">'
    return f"{escape(lead)}<{tag}>{hidden}[{label}: </span>{escape(core)}{hidden}]</span></{tag}>{escape(trail)}"


def _ins(text: str) -> str:
    return _marked("ins", "added", text)


def _del(text: str) -> str:
    return _marked("del", "removed", text)


def _changed(old: str, new: str, coarse: bool = False) -> str:
    """Words removed and added at one place, framed by the whitespace around them."""
    old_core, new_core = old.strip(), new.strip()
    frame = new if new_core else old
    lead, trail = frame[: len(frame) - len(frame.lstrip())], frame[len(frame.rstrip()) :]
    removed = _del(old_core) if old_core else ""
    added = _ins(new_core) if new_core else ""
    if coarse:  # whole passages: say why, and start the new text on a line of its own
        note = f'<span class="diff-coarse-note">{escape(COARSE_NOTE)}</span>'
        between = "\n" if removed and added else ""
        return f"{escape(lead)}{note}{removed}{between}{added}{escape(trail)}"
    return f"{escape(lead)}{removed}{added}{escape(trail)}"


def _emit(old: str, new: str, a: list, b: list, ops: list) -> str:
    """HTML of ``new`` from word opcodes over the words ``a`` of ``old`` and ``b`` of ``new``.

    Opcodes may come from several comparisons (one per passage pair). Unchanged stretches are
    written as in ``new``; each change with the whitespace before it (and, before an unchanged
    stretch, after it), so the whitespace between words is written once. A "coarse" opcode is
    a passage too big to compare word by word, shown removed and added whole.
    """
    regions: list[list] = []  # [op, i1, i2, j1, j2]: touching unchanged stretches joined
    for op, i1, i2, j1, j2 in ops:
        if i1 == i2 and j1 == j2:
            continue
        if op == "equal" and regions and regions[-1][0] == "equal":
            regions[-1][2], regions[-1][4] = i2, j2
        else:
            regions.append([op, i1, i2, j1, j2])
    if not regions:  # no words either side: whitespace at most
        return escape(new)
    out = [] if regions[0][0] != "equal" else [escape(new[: b[0].start()])]
    left_a = left_b = 0  # where the next change starts in each text, once a change went before
    for k, (op, i1, i2, j1, j2) in enumerate(regions):
        if op == "equal":
            out.append(escape(new[b[j1].start() : b[j2 - 1].end()]))
            continue
        if k and regions[k - 1][0] == "equal":
            left_a, left_b = a[i1 - 1].end(), b[j1 - 1].end()
        elif not k:
            left_a = left_b = 0
        if k + 1 < len(regions) and regions[k + 1][0] != "equal":
            right_a = a[i2 - 1].end() if i2 > i1 else left_a
            right_b = b[j2 - 1].end() if j2 > j1 else left_b
        else:
            right_a = a[i2].start() if i2 < len(a) else len(old)
            right_b = b[j2].start() if j2 < len(b) else len(new)
        out.append(_changed(old[left_a:right_a], new[left_b:right_b], coarse=op == "coarse"))
        left_a, left_b = right_a, right_b
    if regions[-1][0] == "equal":
        out.append(escape(new[b[-1].end() :]))
    return "".join(out)


def _word_diff(old: str, new: str, budget: Budget | None) -> str | None:
    """HTML of ``new`` with the words added and removed since ``old`` marked; None beyond the budget."""
    a, b = list(WORD_RE.finditer(old)), list(WORD_RE.finditer(new))
    ops = opcodes([w.group() for w in a], [w.group() for w in b], budget, autojunk=False)
    return None if ops is None else _emit(old, new, a, b, ops)


def word_diff(old: str, new: str, budget: Budget | None = None) -> str:
    """Return HTML of ``new`` with words added and removed since ``old`` marked.

    Beyond ``budget`` (by default, a field's), ``old`` is shown removed and ``new`` added whole.
    """
    html = _word_diff(old, new, Budget() if budget is None else budget)
    return mark_safe(html if html is not None else _del(old) + _ins(new))  # noqa: S308 - every piece is escaped


# --- The Markdown source ------------------------------------------------------------------


@dataclass
class FieldDiff:
    label: str
    html: str
    changed: bool
    coarse: int = 0  # passages shown removed and added whole (beyond the word budget)


@dataclass
class ReferenceDiff:
    number: int
    status: str  # "added", "removed", "changed", "moved" (renumbered, nothing else changed), "unchanged"
    title: str
    changes: list  # (field, html)
    old_number: int | None = None  # the number it had before, when it was renumbered

    @property
    def renumbered(self) -> bool:
        return self.old_number is not None and self.old_number != self.number


def _source_lines(text: str, words: list) -> list[tuple[str, int, int]]:
    """The source's lines, each with the blank lines after it, as (its text without surrounding
    whitespace, its first word, the word after its last), numbering ``words``, the text's words."""
    lines, start, word = [], 0, 0
    for line in text.splitlines(keepends=True):
        if lines and not line.strip():
            start += len(line)
            continue
        while word < len(words) and words[word].start() < start:
            word += 1
        if lines:
            lines[-1][2] = word
        lines.append([line.strip(), word, len(words)])
        start += len(line)
    return [tuple(line) for line in lines]


def _words_of(lines: list, first: int, end: int, at: int) -> tuple[int, int]:
    """The word positions of ``lines[first:end]`` (none, at word ``at``, if there are no lines)."""
    return (lines[first][1], lines[end - 1][2]) if end > first else (at, at)


def source_diff(old: str, new: str, budget: Budget | None = None) -> str:
    """Word diff of two Markdown texts, by lines first: only changed lines are compared word by
    word (a short stretch of them as one text), within ``budget``; beyond it, they are shown whole."""
    budget = Budget() if budget is None else budget
    a, b = list(WORD_RE.finditer(old)), list(WORD_RE.finditer(new))
    a_keys, b_keys = [w.group() for w in a], [w.group() for w in b]
    a_lines, b_lines = _source_lines(old, a), _source_lines(new, b)
    ops = []
    for op, i1, i2, j1, j2 in align([line[0] for line in a_lines], [line[0] for line in b_lines]):
        # Word positions of the stretch (where it would be, on a side with no lines).
        at_a = a_lines[i1][1] if i1 < len(a_lines) else len(a)
        at_b = b_lines[j1][1] if j1 < len(b_lines) else len(b)
        _, end_a = _words_of(a_lines, i1, i2, at_a)
        _, end_b = _words_of(b_lines, j1, j2, at_b)
        if op == "equal":
            ops.append(("equal", at_a, end_a, at_b, end_b))
            continue
        if (end_a - at_a) * (end_b - at_b) <= SOURCE_RUN_COST:
            groups = [(i1, i2, j1, j2)]  # compared as one text
        else:  # line by line, each changed line with the one it most resembles
            pairs = pair_up([line[0] for line in a_lines[i1:i2]], [line[0] for line in b_lines[j1:j2]])
            groups = [
                (i1 + (i or 0), i1 + (i or 0) + (i is not None), j1 + (j or 0), j1 + (j or 0) + (j is not None))
                for i, j in pairs
            ]
        for g1, g2, h1, h2 in groups:
            (wa1, wa2), (wb1, wb2) = _words_of(a_lines, g1, g2, at_a), _words_of(b_lines, h1, h2, at_b)
            at_a, at_b = wa2, wb2
            found = opcodes(a_keys[wa1:wa2], b_keys[wb1:wb2], budget, autojunk=False)
            if found is None:
                ops.append(("coarse", wa1, wa2, wb1, wb2))
            else:
                ops += [(op, i + wa1, i_ + wa1, j + wb1, j_ + wb1) for op, i, i_, j, j_ in found]
    return mark_safe(_emit(old, new, a, b, ops))  # noqa: S308 - every piece is escaped


def _source_identity(reference: dict) -> tuple[str, str]:
    """What makes two reference rows the same source whatever their numbers: the DOI, else the
    PubMed ID, else the URL, else the title (case and spacing aside)."""
    for name in ("doi", "pmid", "url"):
        value = str(reference.get(name) or "").strip().lower()
        if value:
            return name, value
    return "title", " ".join(str(reference.get("title") or "").lower().split())


def diff_references(old: list[dict], new: list[dict]) -> list[ReferenceDiff]:
    """The references of two versions, each source matched with itself before numbers are compared:
    renumbering (a citation moved earlier in the text) shows as "moved from [2]", not as one source
    rewritten into another. Unmatched rows with the same number are one row edited in place."""
    pairs, unmatched_old = [], list(old)
    by_identity: dict[tuple, list[dict]] = {}
    for reference in old:
        by_identity.setdefault(_source_identity(reference), []).append(reference)
    unmatched_new = []
    for after in new:
        candidates = by_identity.get(_source_identity(after), [])
        if candidates:
            # The same number first, if the source has several rows (a duplicate).
            before = next((c for c in candidates if c["number"] == after["number"]), candidates[0])
            candidates.remove(before)
            unmatched_old.remove(before)
            pairs.append((before, after))
        else:
            unmatched_new.append(after)
    old_by_number = {r["number"]: r for r in unmatched_old}
    references = []
    for after in unmatched_new:
        before = old_by_number.pop(after["number"], None)
        if before is None:
            references.append(ReferenceDiff(after["number"], "added", after["title"], []))
        else:
            pairs.append((before, after))
    references += [ReferenceDiff(r["number"], "removed", r["title"], []) for r in old_by_number.values()]
    for before, after in pairs:
        changes = [
            (f, word_diff(str(before.get(f) or ""), str(after.get(f) or "")))
            for f in REFERENCE_FIELDS
            if before.get(f) != after.get(f)
        ]
        moved = before["number"] != after["number"]
        status = "changed" if changes else ("moved" if moved else "unchanged")
        references.append(ReferenceDiff(after["number"], status, after["title"], changes, before["number"]))
    # In the new version's order; removed ones where they stood.
    return sorted(references, key=lambda r: (r.number, r.status != "removed"))


def diff_snapshots(old: dict | None, new: dict) -> dict:
    """Compare two content snapshots (see ``Article.content_snapshot``)."""
    old = old or {}
    fields = []
    for name, label in FIELDS:
        before, after = old.get(name, "") or "", new.get(name, "") or ""
        if not before and not after:
            continue
        budget = Budget()
        html = source_diff(before, after, budget) if before != after else mark_safe(escape(after))  # noqa: S308
        fields.append(FieldDiff(label, html, before != after, budget.refused))
    # Flags ("mentions-medicines") are reviewed content too: ticking one can add a review stage.
    before, after = (", ".join(sorted(snapshot.get("flags") or [])) for snapshot in (old, new))
    if before or after:
        html = source_diff(before, after, Budget()) if before != after else mark_safe(escape(after))  # noqa: S308
        fields.append(FieldDiff("Flags", html, before != after))
    references = diff_references(old.get("references", []), new.get("references", []))
    return {
        "fields": fields,
        "references": references,
        "changed": any(f.changed for f in fields) or any(r.status != "unchanged" for r in references),
    }


# --- What readers will see -------------------------------------------------------------

# Elements whose text is one passage: a paragraph, a heading, a list item, a table row...
BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "tr", "dt", "dd"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# Unchanged passages shown around each change, so a reviewer reads it in context.
CONTEXT = 1


@dataclass
class Passage:
    kind: str  # "heading", "item" (list item), "code" or "text"
    text: str


class _Passages(HTMLParser):
    """Split sanitised HTML into passages of plain text, innermost block element first."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.passages: list[Passage] = []
        self.stack: list[str] = []
        self.text: list[str] = []
        self.cell = False

    def _flush(self):
        text = " ".join("".join(self.text).split())
        if text:
            tag = self.stack[-1] if self.stack else "p"
            # A paragraph inside a list item (a "loose" list) still reads as the item.
            in_item = tag == "li" or (tag == "p" and self.stack[-2:-1] == ["li"])
            kind = "heading" if tag in HEADINGS else "item" if in_item else "code" if tag == "pre" else "text"
            self.passages.append(Passage(kind, text))
        self.text = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self._flush()
            self.stack.append(tag)
        elif tag in ("td", "th") and self.cell:
            self.text.append(" | ")
        elif tag == "br":
            self.text.append(" ")
        self.cell = self.cell or tag in ("td", "th")

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS:
            self._flush()
            if tag in self.stack:
                del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]
            self.cell = False if tag == "tr" else self.cell

    def handle_data(self, data):
        self.text.append(data)


def passages(html: str) -> list[Passage]:
    parser = _Passages()
    parser.feed(html or "")
    parser.close()
    parser._flush()
    return parser.passages


@dataclass
class RenderedPassage:
    kind: str
    html: str
    changed: bool
    index: int | None = None  # position in the new version's passages; None if removed
    note: str = ""  # said before the passage (why it is not marked word by word)


@dataclass
class Segment:
    """Passages shown together: a changed stretch with its context, or unchanged ones folded away."""

    folded: bool
    passages: list = field(default_factory=list)


def passage_diff(old_html: str, new_html: str, budget: Budget | None = None) -> list[RenderedPassage]:
    """Compare two rendered texts passage by passage; changed passages are diffed word by word
    within ``budget``, beyond which they are shown removed and added whole, with a note."""
    budget = Budget() if budget is None else budget
    old, new = passages(old_html), passages(new_html)
    out = []
    keys = [(p.kind, p.text) for p in old], [(p.kind, p.text) for p in new]
    for i, j in aligned(*keys, [p.text for p in old], [p.text for p in new]):
        before, after = old[i] if i is not None else None, new[j] if j is not None else None
        if after is None:
            out.append(RenderedPassage(before.kind, mark_safe(_del(before.text)), True))  # noqa: S308 - escaped
        elif before is None:
            out.append(RenderedPassage(after.kind, mark_safe(_ins(after.text)), True, j))  # noqa: S308 - escaped
        elif before.text == after.text:
            out.append(RenderedPassage(after.kind, mark_safe(escape(after.text)), False, j))  # noqa: S308
        elif (html := _word_diff(before.text, after.text, budget)) is not None:
            out.append(RenderedPassage(after.kind, mark_safe(html), True, j))  # noqa: S308 - escaped
        else:
            out.append(RenderedPassage(before.kind, mark_safe(_del(before.text)), True, note=COARSE_NOTE))  # noqa: S308
            out.append(RenderedPassage(after.kind, mark_safe(_ins(after.text)), True, j))  # noqa: S308 - escaped
    return out


def folded(items: list[RenderedPassage], context: int = CONTEXT) -> list[Segment]:
    """Group passages: changes with ``context`` passages either side shown, other runs folded."""
    changed = [i for i, p in enumerate(items) if p.changed]
    shown = {j for i in changed for j in range(i - context, i + context + 1)}
    segments: list[Segment] = []
    for i, item in enumerate(items):
        fold = i not in shown
        if not segments or segments[-1].folded != fold:
            segments.append(Segment(fold))
        segments[-1].passages.append(item)
    return segments


@dataclass
class RenderedField:
    label: str
    segments: list
    changed: bool
    part: str = ""  # the field's name (summary, body, ...), as passage comments name it
    coarse: int = 0  # passages shown removed and added whole (beyond the word budget)


@dataclass
class RenderedTexts:
    """One version's rendered HTML per part (empty where it has no professional version)."""

    summary: str
    body: str
    professional_summary: str = ""
    professional_body: str = ""

    def parts(self):
        return [
            ("Summary", self.summary, "summary"),
            ("Body", self.body, "body"),
            ("Professional summary", self.professional_summary, "professional_summary"),
            ("Professional body", self.professional_body, "professional_body"),
        ]


def rendered_part(label: str, before: str, after: str, part: str) -> RenderedField | None:
    """Compare one rendered part of two versions (None if neither has text there)."""
    if not before and not after:
        return None
    budget = Budget()
    items = passage_diff(before, after, budget)
    return RenderedField(label, folded(items), any(p.changed for p in items), part, budget.refused)


def rendered_diff(old: RenderedTexts, new: RenderedTexts) -> list[RenderedField]:
    """Compare the rendered summary and body of each audience, as readers will see them."""
    fields = []
    for (label, before, part), (_, after, _) in zip(old.parts(), new.parts(), strict=True):
        if (rendered := rendered_part(label, before, after, part)) is not None:
            fields.append(rendered)
    return fields
