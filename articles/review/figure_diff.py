"""What changed in a version's figures, for the review screen: images, alt text, captions, credits.

Each version's figures are read from its text (``content.figures``: the alt text and caption
are words in the Markdown) and its frozen images (``models.figures``: the file, credit and
licence as submitted). Figures are paired by image and by their order among the figures of
that image, so a figure moved elsewhere in the text is the same figure; an image only one
version shows is listed as added or removed. Alt text and captions are diffed word by word
(``diffing.word_diff``), so the board reviews them as it reviews the text.
"""

from dataclasses import dataclass

from articles.content.figure_html import FigureImage, reader_alt
from articles.content.figures import FigureRef, figure_refs

from .diffing import FIELDS, word_diff

TEXT_FIELDS = [(name, label) for name, label in FIELDS if name != "title"]


@dataclass
class Shown:
    """One figure of one version: where it is, what the text says, what the library gave."""

    part: str  # the field's label ("Body", "Professional body")
    ref: FigureRef
    image: FigureImage | None  # None: not in the library

    @property
    def thumbnail(self) -> str:
        return self.image.thumbnail_url() if self.image else ""

    @property
    def alt(self) -> str:
        return reader_alt(self.image, self.ref.alt) if self.image else self.ref.alt

    @property
    def credit(self) -> str:
        if self.image is None:
            return ""
        return " · ".join(part for part in (self.image.credit, self.image.licence_label) if part)


@dataclass
class FigureChange:
    status: str  # "added", "removed", "changed", "unchanged"
    image_id: int
    old: Shown | None
    new: Shown | None
    alt_html: str = ""
    caption_html: str = ""
    file_changed: bool = False
    credit_changed: bool = False
    alt_changed: bool = False
    caption_changed: bool = False

    @property
    def shown(self) -> Shown:
        return self.new or self.old


def shown_figures(revision) -> list[Shown]:
    """The figures of ``revision`` in reading order (each audience's text in turn)."""
    if revision is None:
        return []
    images = revision.figure_images()
    return [
        Shown(label, ref, images.get(ref.image_id))
        for name, label in TEXT_FIELDS
        for ref in figure_refs(getattr(revision, name, "") or "")
    ]


def _keyed(figures: list[Shown]) -> dict:
    keyed, seen = {}, {}
    for figure in figures:
        nth = seen[figure.ref.image_id] = seen.get(figure.ref.image_id, -1) + 1
        keyed[(figure.ref.image_id, nth)] = figure
    return keyed


def figure_changes(previous, revision) -> list[FigureChange]:
    """The figures of ``revision`` against those of ``previous`` (None: a first version, all added)."""
    old, new = _keyed(shown_figures(previous)), _keyed(shown_figures(revision))
    changes = []
    for key, after in new.items():
        before = old.get(key)
        if before is None:
            changes.append(
                FigureChange(
                    "added",
                    key[0],
                    None,
                    after,
                    alt_html=word_diff("", after.alt),
                    caption_html=word_diff("", after.ref.caption),
                )
            )
            continue
        change = FigureChange(
            "unchanged",
            key[0],
            before,
            after,
            alt_html=word_diff(before.alt, after.alt),
            caption_html=word_diff(before.ref.caption, after.ref.caption),
            file_changed=_sha(before) != _sha(after),
            credit_changed=before.credit != after.credit or _source(before) != _source(after),
            alt_changed=before.alt != after.alt,
            caption_changed=before.ref.caption != after.ref.caption,
        )
        if change.file_changed or change.credit_changed or change.alt_changed or change.caption_changed:
            change.status = "changed"
        changes.append(change)
    for key, before in old.items():
        if key not in new:
            changes.append(
                FigureChange(
                    "removed",
                    key[0],
                    before,
                    None,
                    alt_html=word_diff(before.alt, ""),
                    caption_html=word_diff(before.ref.caption, ""),
                )
            )
    return changes


def _sha(figure: Shown) -> str:
    return figure.image.sha256 if figure.image else ""


def _source(figure: Shown) -> str:
    return figure.image.source_url if figure.image else ""
