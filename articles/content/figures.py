"""Figures in article text: ``![alt text](image:ID "caption")``.

Markdown's own image syntax, pointing at an image of the library by its number instead of a
URL, so an article's text names exactly which image it shows and what the reader is told
about it (alt text and caption travel with the words and are reviewed with them). Anything
else that looks like an image (a URL, a data: URI) is not a figure and is refused by the
editor's checks. This module only reads and writes the syntax; rendering, freezing and the
library live elsewhere.
"""

import re
from dataclasses import dataclass

# ![alt](image:12 "caption"): alt and caption on one line; \] in alt and \" in the caption escaped.
FIGURE = re.compile(
    r"!\[(?P<alt>(?:[^\]\\\n]|\\.)*)\]"
    r'\(image:(?P<id>[0-9]{1,12})(?:[ \t]+"(?P<caption>(?:[^"\\\n]|\\.)*)")?[ \t]*\)'
)
_UNESCAPE = re.compile(r"\\(.)")
# Fenced code (``` or ~~~) shows Markdown as text: a figure written there is an example, not a figure.
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,}).*?^(?P=fence)[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class FigureRef:
    image_id: int
    alt: str
    caption: str
    start: int
    end: int


def figure_refs(text: str) -> list[FigureRef]:
    """Return every figure in ``text`` in reading order (those in fenced code excepted)."""
    fenced = [(m.start(), m.end()) for m in _FENCE.finditer(text or "")]
    refs = []
    for m in FIGURE.finditer(text or ""):
        if any(start <= m.start() < end for start, end in fenced):
            continue
        refs.append(
            FigureRef(
                image_id=int(m["id"]),
                alt=_UNESCAPE.sub(r"\1", m["alt"]),
                caption=_UNESCAPE.sub(r"\1", m["caption"] or ""),
                start=m.start(),
                end=m.end(),
            )
        )
    return refs


def image_ids(*texts: str) -> list[int]:
    """Return the library images the texts show, each once, in order of first appearance."""
    seen: dict[int, None] = {}
    for text in texts:
        for ref in figure_refs(text):
            seen.setdefault(ref.image_id, None)
    return list(seen)


def figure_markdown(image_id: int, alt: str, caption: str = "") -> str:
    """Return the Markdown for a figure; line breaks folded, brackets and quotes escaped."""
    alt = " ".join((alt or "").split()).replace("\\", "\\\\").replace("]", "\\]")
    caption = " ".join((caption or "").split()).replace("\\", "\\\\").replace('"', '\\"')
    title = f' "{caption}"' if caption else ""
    return f"![{alt}](image:{int(image_id)}{title})"
