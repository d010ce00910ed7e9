"""Diffs of a revision against the last approved one, for the review screen.

Two views: the *source* diff compares the Markdown word by word; the *rendered* diff
compares what readers will see (the public renderer's output, citations numbered as
readers see them) passage by passage, each changed passage word by word. Output is built
from escaped text only. Insertions and deletions are marked with ``<ins>``/``<del>`` and
carry visually hidden labels, so screen readers announce them.
"""

import difflib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.utils.html import escape
from django.utils.safestring import mark_safe

TOKEN_RE = re.compile(r"\s+|[\w’'-]+|[^\w\s]", re.UNICODE)

FIELDS = [
    ("title", "Title"),
    ("summary", "Summary"),
    ("body", "Body"),
    ("professional_summary", "Professional summary"),
    ("professional_body", "Professional body"),
]
REFERENCE_FIELDS = ["kind", "title", "source", "year", "url", "doi", "pmid"]


def _tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text or "")


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


def word_diff(old: str, new: str) -> str:
    """Return HTML of ``new`` with words added and removed since ``old`` marked."""
    a, b = _tokens(old), _tokens(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(_del("".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(_ins("".join(b[j1:j2])))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


@dataclass
class FieldDiff:
    label: str
    html: str
    changed: bool


@dataclass
class ReferenceDiff:
    number: int
    status: str  # "added", "removed", "changed", "unchanged"
    title: str
    changes: list  # (field, html)


def diff_snapshots(old: dict | None, new: dict) -> dict:
    """Compare two content snapshots (see ``Article.content_snapshot``)."""
    old = old or {}
    fields = []
    for name, label in FIELDS:
        before, after = old.get(name, "") or "", new.get(name, "") or ""
        if not before and not after:
            continue
        fields.append(FieldDiff(label, word_diff(before, after), before != after))
    old_refs = {r["number"]: r for r in old.get("references", [])}
    new_refs = {r["number"]: r for r in new.get("references", [])}
    references = []
    for number in sorted(old_refs.keys() | new_refs.keys()):
        before, after = old_refs.get(number), new_refs.get(number)
        if before is None:
            references.append(ReferenceDiff(number, "added", after["title"], []))
        elif after is None:
            references.append(ReferenceDiff(number, "removed", before["title"], []))
        else:
            changes = [
                (f, word_diff(str(before.get(f) or ""), str(after.get(f) or "")))
                for f in REFERENCE_FIELDS
                if before.get(f) != after.get(f)
            ]
            references.append(ReferenceDiff(number, "changed" if changes else "unchanged", after["title"], changes))
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


@dataclass
class Segment:
    """Passages shown together: a changed stretch with its context, or unchanged ones folded away."""

    folded: bool
    passages: list = field(default_factory=list)


def _paired(old: list[Passage], new: list[Passage]):
    """Yield (old, new) passage pairs in reading order, ``None`` where a passage was added or removed."""
    matcher = difflib.SequenceMatcher(a=[(p.kind, p.text) for p in old], b=[(p.kind, p.text) for p in new])
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            yield from zip(old[i1:i2], new[j1:j2], strict=True)
            continue
        before, after = old[i1:i2], new[j1:j2]
        for k in range(max(len(before), len(after))):
            yield (before[k] if k < len(before) else None, after[k] if k < len(after) else None)


def passage_diff(old_html: str, new_html: str) -> list[RenderedPassage]:
    """Compare two rendered texts passage by passage; changed passages are diffed word by word."""
    out, index = [], 0
    for before, after in _paired(passages(old_html), passages(new_html)):
        if before is not None and after is not None and before.text == after.text:
            out.append(RenderedPassage(after.kind, escape(after.text), False, index))
        elif before is None:
            out.append(RenderedPassage(after.kind, mark_safe(_ins(after.text)), True, index))  # noqa: S308 - escaped
        elif after is None:
            out.append(RenderedPassage(before.kind, mark_safe(_del(before.text)), True))  # noqa: S308 - escaped
        else:
            out.append(RenderedPassage(after.kind, word_diff(before.text, after.text), True, index))
        index += after is not None
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


def rendered_diff(old: RenderedTexts, new: RenderedTexts) -> list[RenderedField]:
    """Compare the rendered summary and body of each audience, as readers will see them."""
    fields = []
    for (label, before, part), (_, after, _) in zip(old.parts(), new.parts(), strict=True):
        if not before and not after:
            continue
        items = passage_diff(before, after)
        fields.append(RenderedField(label, folded(items), any(p.changed for p in items), part))
    return fields
