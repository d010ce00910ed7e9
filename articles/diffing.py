"""Word-level diffs of a revision against the last approved one, for the review screen.

Output is built from escaped text only. Insertions and deletions are marked with
``<ins>``/``<del>`` and carry visually hidden labels, so screen readers announce them.
"""

import difflib
import re
from dataclasses import dataclass

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
