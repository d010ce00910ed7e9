"""What in an article's Markdown is prose: its blocks (headings, lists, tables, code, quotes and
paragraphs, read line by line), their plain text without Markdown, citations or figures, and
their sentences. The editorial checks (``checks``) read texts through this.
"""

import re
from dataclasses import dataclass

from articles.content.rendering import CITATION_RE

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(.*)$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$|^[^|]+\|[^|]+")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s")
_HTML_LINE = re.compile(r"^\s*</?[a-zA-Z][^>]*>")
CITATION = re.compile(CITATION_RE)
IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
BARE_URL = re.compile(r"(?<![(<\[\"'=])\b(?:https?://|www\.)[^\s)<>\]]+", re.IGNORECASE)
_INLINE_CODE = re.compile(r"`[^`]*`")
_HTML_TAG = re.compile(r"<[^>]+>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")


@dataclass
class Block:
    kind: str  # "heading", "paragraph", "list", "table", "code", "html"
    lines: list[str]
    level: int = 0  # a heading's


def blocks(text: str) -> list[Block]:
    """Split Markdown into the blocks the checks read (see the module's docstring)."""
    result: list[Block] = []
    current: Block | None = None
    fence = None
    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if fence:
            current.lines.append(line)
            if line.lstrip().startswith(fence):
                fence, current = None, None
            continue
        if match := _FENCE.match(line):
            fence = match.group(1)
            current = Block("code", [line])
            result.append(current)
            continue
        if not line.strip():
            current = None
            continue
        if match := _HEADING.match(line):
            result.append(Block("heading", [match.group(2) or ""], level=len(match.group(1))))
            current = None
            continue
        if (
            _SETEXT.match(line)
            and current is not None
            and current.kind == "paragraph"
            and len(current.lines) == 1
            and (line.strip()[0] == "=" or len(line.strip()) >= 2)
        ):
            current.kind, current.level = "heading", 1 if line.strip()[0] == "=" else 2
            current = None
            continue
        if _REFERENCE_DEFINITION.match(line):
            current = None
            continue
        if line.startswith(("    ", "\t")) and (current is None or current.kind == "code"):
            if current is None:
                current = Block("code", [])
                result.append(current)
            current.lines.append(line)
            continue
        if _HTML_LINE.match(line) and (current is None or current.kind == "html"):
            if current is None:
                current = Block("html", [])
                result.append(current)
            current.lines.append(line)
            continue
        if _LIST_ITEM.match(line):
            if current is None or current.kind != "list":
                current = Block("list", [])
                result.append(current)
            current.lines.append(_LIST_ITEM.match(line).group(1))
            continue
        if "|" in line and _TABLE_ROW.match(line) and (current is None or current.kind == "table"):
            if current is None:
                current = Block("table", [])
                result.append(current)
            current.lines.append(line)
            continue
        if current is not None and current.kind == "list" and raw[:1] in (" ", "\t"):
            current.lines[-1] += " " + line.strip()  # an item's continuation line
            continue
        if current is None or current.kind not in ("paragraph", "table", "list"):
            current = Block("paragraph", [])
            result.append(current)
        if current.kind == "table":  # a table ends at a line without pipes
            current = Block("paragraph", [])
            result.append(current)
        current.lines.append(re.sub(r"^ {0,3}>\s?", "", line))
    return result


def plain(text: str) -> str:
    """Markdown inline text as read aloud: no citations, figures, link targets, code or markup."""
    text = IMAGE.sub(" ", text)
    text = LINK.sub(lambda m: m.group(1), text)
    text = AUTOLINK.sub(lambda m: m.group(1), text)
    text = CITATION.sub("", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _HTML_TAG.sub(" ", text)
    for _ in range(2):
        text = _EMPHASIS.sub(lambda m: m.group(2), text)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return " ".join(text.split())


# A sentence ends at . ! or ? followed by a space and a capital, a digit or an opening quote;
# not after common abbreviations ("e.g.", "Dr.") or a single initial.
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "dr.", "mr.", "mrs.", "ms.", "prof.", "approx.", "vs.", "cf.", "no.")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“(]?[A-Z0-9])")


def sentences(text: str) -> list[str]:
    """Split one paragraph's text (Markdown kept, so citations can be found) into sentences."""
    parts, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()]
        last = candidate.rsplit(None, 1)[-1].lower() if candidate.strip() else ""
        if last in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last):
            continue
        parts.append(candidate.strip())
        start = match.end()
    parts.append(text[start:].strip())
    return [part for part in parts if part]
