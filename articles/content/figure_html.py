"""Figures as readers see them: a library image's ``<figure>``, built from data, never from text.

The renderer (``rendering.render(..., images=...)``) turns each ``![alt](image:ID "caption")``
(``figures``) into a slot (``FigureExtension``: a Markdown pattern, and a tree step giving each
figure a block of its own) and, after the sanitiser has run over the editors' text, puts the
``<figure>`` this module builds in its place (``FigureState.fill``). Every attribute here is built from a
``FigureImage`` (what the library or a frozen version says about the image) and the alt text
and caption the Markdown gives, escaped; so no text an editor types can produce an ``<img>``,
a ``<picture>`` or a ``srcset`` (the sanitiser's allow-list has none of them).

Whose words are whose: alt text and caption come from the Markdown (they are reviewed as words
with the text around them); the image's bytes, size, credit and licence come from the library,
and a submitted version freezes them (``articles.models.figures``). A decorative image always
has ``alt=""``, whatever the Markdown says.
"""

import re
import secrets
import xml.etree.ElementTree as etree
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from html import escape

from django.conf import settings
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from . import figures
from . import images as pixels

# The article column is 42rem wide (site.css ``--measure``); narrower screens have 1rem margins.
SIZES = "(min-width: 44rem) 42rem, calc(100vw - 2rem)"
# The <img> src for browsers without srcset: the rendition nearest this width.
FALLBACK_SRC_WIDTH = 960
THUMBNAIL_WIDTH = 320
MISSING_TEXT = "Image not available"
# Figures one version's texts may show (each is some 1.5 kB of HTML for a dozen characters of
# Markdown): beyond it, the editors' checks refuse the text and the renderer shows alt text instead.
MAX_FIGURES = 100

# Short licence names for captions (the library's choices carry longer labels for editors).
LICENCE_LABELS = {
    "cc-by-4.0": "CC BY 4.0",
    "cc-by-sa-4.0": "CC BY-SA 4.0",
    "cc0-1.0": "CC0 1.0",
    "public-domain": "Public domain",
    "own-work": "Own work",
    "permission": "Used with permission",
}


@dataclass(frozen=True)
class FigureImage:
    """What a page shows of one library image: its file and who made it under which licence."""

    image_id: int
    sha256: str
    format: str  # a key of ``images.FORMATS``
    width: int
    height: int
    has_alpha: bool = False
    decorative: bool = False
    alt_text: str = ""  # the library's, used only when the Markdown gives none
    credit: str = ""
    source_url: str = ""
    licence: str = ""
    licence_url: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def licence_label(self) -> str:
        return LICENCE_LABELS.get(self.licence, self.licence)

    def _name(self, suffix: str) -> str:
        return f"{settings.MEDIA_URL}images/{self.sha256[:2]}/{self.sha256}{suffix}"

    @property
    def url(self) -> str:
        """The original file (what structured data and ``og:image`` point at)."""
        return self._name(f".{pixels.FORMATS[self.format][0]}")

    @property
    def fallback_format(self) -> str:
        return pixels.fallback_format(self.format, self.has_alpha)

    def rendition_url(self, width: int, fmt: str) -> str:
        """A rendition's address (``articles.site.media`` makes it on first request if need be)."""
        return self._name(f"/w{width}.{pixels.FORMATS[fmt][0]}")

    @property
    def widths(self) -> list[int]:
        return pixels.rendition_widths(self.width)

    def srcset(self, fmt: str) -> str:
        return ", ".join(f"{self.rendition_url(width, fmt)} {width}w" for width in self.widths)

    def src_width(self, near: int = FALLBACK_SRC_WIDTH) -> int:
        fitting = [width for width in self.widths if width <= near]
        return fitting[-1] if fitting else self.widths[0]

    def thumbnail_url(self) -> str:
        return self.rendition_url(self.src_width(THUMBNAIL_WIDTH), self.fallback_format)


def reader_alt(image: FigureImage, alt: str) -> str:
    """The ``alt`` readers get: empty for a decorative image, else the Markdown's (or the library's)."""
    if image.decorative:
        return ""
    return " ".join((alt or "").split()) or image.alt_text


def credit_html(image: FigureImage) -> str:
    """ "Diagram: A. Author · <a href=licence>CC BY 4.0</a>": the credit (linked to its source) and licence."""
    parts = []
    if image.credit:
        credit = escape(image.credit)
        source = _http_url(image.source_url)
        parts.append(f'<a href="{escape(source)}">{credit}</a>' if source else credit)
    if image.licence_label:
        label = escape(image.licence_label)
        url = _http_url(image.licence_url)
        parts.append(f'<a href="{escape(url)}" rel="license">{label}</a>' if url else label)
    return " · ".join(parts)


def figure_html(image: FigureImage, *, alt: str, caption: str, eager: bool) -> str:
    """The ``<figure>`` for one library image (``eager``: the first on the page, maybe above the fold)."""
    loading = "" if eager else ' loading="lazy" decoding="async"'
    fallback = image.fallback_format
    src = image.rendition_url(image.src_width(), fallback)
    picture = (
        "<picture>"
        f'<source type="image/webp" srcset="{escape(image.srcset("WEBP"))}" sizes="{SIZES}">'
        f'<img src="{escape(src)}" srcset="{escape(image.srcset(fallback))}" sizes="{SIZES}" '
        f'width="{int(image.width)}" height="{int(image.height)}" alt="{escape(reader_alt(image, alt))}"{loading}>'
        "</picture>"
    )
    return f'<figure class="figure">{picture}{_figcaption(caption, credit_html(image))}</figure>'


def missing_html(*, alt: str, caption: str) -> str:
    """What a figure whose image is not in the library (any more) shows: a visible note, no image."""
    described = f": {escape(' '.join(alt.split()))}" if alt.strip() else ""
    note = f'<p class="figure-missing">{MISSING_TEXT}{described}</p>'
    return f'<figure class="figure figure-unavailable">{note}{_figcaption(caption, "")}</figure>'


def _figcaption(caption: str, credit: str) -> str:
    caption = " ".join((caption or "").split())
    if not caption and not credit:
        return ""
    text = f'<span class="figure-caption">{escape(caption)}</span>' if caption else ""
    credit = f'<span class="figure-credit">{credit}</span>' if credit else ""
    return f"<figcaption>{text}{' ' if text and credit else ''}{credit}</figcaption>"


def structured(image: FigureImage, *, alt: str, caption: str) -> dict:
    """What JSON-LD and ``og:image`` say of a shown figure (kept with a stored rendering)."""
    return {
        "url": image.url,
        "width": image.width,
        "height": image.height,
        "alt": reader_alt(image, alt),
        "caption": " ".join((caption or "").split()),
    }


def _http_url(value: str) -> str:
    value = (value or "").strip()
    scheme, _, rest = value.partition(":")
    if scheme.lower() in ("http", "https") and rest.startswith("//") and not any(c in value for c in ' "<>\n\t'):
        return value
    return ""


@dataclass
class FigureState:
    """The figures of one version's texts: the images they may show and a slot for each figure met."""

    images: Mapping  # image id -> FigureImage, or None for an image not in the library
    secret: str = field(default_factory=lambda: secrets.token_hex(12))
    slots: list = field(default_factory=list)  # FigureRef, by slot number
    shown: list = field(default_factory=list)  # what structured data says of each figure shown

    def slot(self, ref: figures.FigureRef) -> str:
        self.slots.append(ref)
        return f"fig{self.secret}x{len(self.slots) - 1}x"

    def is_slot(self, element) -> bool:
        return element.tag == "span" and (element.text or "").startswith(f"fig{self.secret}x")

    def fill(self, sanitized: str) -> str:
        """Put each figure in its slot of the sanitised HTML; the first of the page loads eagerly."""
        return re.sub(rf"(?:<span>)?fig{self.secret}x(\d+)x(?:</span>)?", self._figure, sanitized)

    def _figure(self, match) -> str:
        ref = self.slots[int(match.group(1))]
        image = self.images.get(ref.image_id)
        if image is None:
            return missing_html(alt=ref.alt, caption=ref.caption)
        eager = not self.shown
        self.shown.append(structured(image, alt=ref.alt, caption=ref.caption))
        return figure_html(image, alt=ref.alt, caption=ref.caption, eager=eager)


class FigureProcessor(InlineProcessor):
    """``![alt](image:ID "caption")`` -> a slot (the figure itself is put in after sanitising)."""

    def __init__(self, md, state: FigureState):
        super().__init__(figures.FIGURE.pattern, md)
        self.state = state

    def handleMatch(self, m, data):
        ref = figures.figure_refs(m.group(0))[0]
        if len(self.state.slots) >= MAX_FIGURES:
            return AtomicString(ref.alt), m.start(0), m.end(0)
        slot = etree.Element("span")
        slot.text = AtomicString(self.state.slot(ref))
        return slot, m.start(0), m.end(0)


class FigureBlocks(Treeprocessor):
    """Give each figure a block of its own: a paragraph around it is split before and after it.

    In a heading or a link a figure cannot stand; its alt text is shown there instead.
    """

    def __init__(self, md, state: FigureState):
        super().__init__(md)
        self.state = state

    def run(self, root):
        parents = {child: parent for parent in root.iter() for child in parent}
        paragraphs = {}  # each paragraph with figures, split once (for all of them)
        for slot in [element for element in root.iter() if self.state.is_slot(element)]:
            parent = parents[slot]
            if parent.tag == "p" and parent in parents:
                paragraphs[parent] = parents[parent]
            elif parent.tag in ("h1", "h2", "h3", "h4", "h5", "h6", "a"):
                ref = self.state.slots[int(slot.text.rsplit("x", 2)[1])]
                slot.text = AtomicString(ref.alt)
        for paragraph, container in paragraphs.items():
            self._split(container, paragraph)

    def _split(self, container, paragraph):
        pieces, current = [], etree.Element("p")
        current.text = paragraph.text
        for child in list(paragraph):
            if self.state.is_slot(child):
                tail, child.tail = child.tail, "\n"
                pieces += [current, child]
                current = etree.Element("p")
                current.text = tail
            else:
                current.append(child)
        pieces.append(current)
        at = list(container).index(paragraph)
        container.remove(paragraph)
        kept = [p for p in pieces if p.tag != "p" or len(p) or (p.text or "").strip()]
        for offset, piece in enumerate(kept):
            container.insert(at + offset, piece)
        if kept:
            kept[-1].tail = paragraph.tail


class FigureExtension(Extension):
    def __init__(self, state: FigureState, **kwargs):
        self.state = state
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        # Above escapes (180), so "\]" in alt text is read by the figure syntax; below code spans (190).
        md.inlinePatterns.register(FigureProcessor(md, self.state), "figure", 185)
        # After the inline patterns (20), before the table of contents (5) reads the headings.
        md.treeprocessors.register(FigureBlocks(md, self.state), "figure_blocks", 15)
