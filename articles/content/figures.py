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


# --- Figures in exported files ------------------------------------------------------
# An exported article file names each figure's image file instead of its library number,
# ``![alt](images/1f2e3d4c5b6a-knee-diagram.png "caption")``, so the file travels with its images
# (``articles.interchange``). The same syntax with a relative path (no scheme) in place of
# ``image:ID``; importing points it at a library image again.
FILE_FIGURE = re.compile(
    FIGURE.pattern.replace(r"image:(?P<id>[0-9]{1,12})", r"(?P<path>(?![A-Za-z][A-Za-z0-9+.-]*:)[^\s()\"\\<>]+)")
)


@dataclass(frozen=True)
class Target:
    """Where a figure's target (``image:ID`` or a file's path) sits in a text."""

    value: str  # "12" for image:12, or the path
    start: int
    end: int


def _outside_code(pattern: re.Pattern, text: str):
    fenced = [(m.start(), m.end()) for m in _FENCE.finditer(text or "")]
    for m in pattern.finditer(text or ""):
        if not any(start <= m.start() < end for start, end in fenced):
            yield m


def image_targets(text: str) -> list[Target]:
    """The ``image:ID`` target of each figure in ``text``, in reading order (value: the ID)."""
    return [Target(m["id"], m.start("id") - len("image:"), m.end("id")) for m in _outside_code(FIGURE, text)]


def file_targets(text: str) -> list[Target]:
    """The file path of each figure written with one instead of ``image:ID``, in reading order."""
    return [Target(m["path"], m.start("path"), m.end("path")) for m in _outside_code(FILE_FIGURE, text)]


def retarget(text: str, targets: list[Target], new_target) -> str:
    """``text`` with each of ``targets`` replaced by ``new_target(target)`` (a path or ``image:ID``)."""
    for target in sorted(targets, key=lambda t: t.start, reverse=True):
        text = text[: target.start] + new_target(target) + text[target.end :]
    return text
