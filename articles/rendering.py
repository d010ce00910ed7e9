"""Turn article Markdown into safe HTML with numbered citations and a reference list.

Editors cite references by the number they gave them: ``[1]``, ``[2, 3]``, ``[4-6]``.
Readers see references renumbered in order of first citation, each citation a superscript
link to its reference and each reference linking back to every place it is cited.
All HTML, including raw HTML an editor typed, goes through nh3's allow-list.
"""

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

# [1], [1, 2], [1-3], [1–3]; not a Markdown link "[1](...)" or "[1][x]" (definitions
# "[1]: url" are consumed by the block parser before inline patterns run).
CITATION_RE = r"\[(\d{1,3}(?:\s*[,–-]\s*\d{1,3})*)\](?![(\[])"
MAX_RANGE = 50

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "blockquote",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "a",
    "code",
    "pre",
    "abbr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "caption",
    "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "aria-label"},
    "sup": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "abbr": {"title"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
ALLOWED_CLASSES = {"sup": {"citation"}, "a": {"citation-link"}, "span": {"visually-hidden"}}
SAFE_ID = re.compile(r"^(cite|h)-[a-z0-9_-]{1,80}$")


def _attribute_filter(tag, attribute, value):
    # Editors may not plant arbitrary ids (which could clobber page scripts or anchors).
    if attribute == "id" and not SAFE_ID.match(value):
        return None
    return value


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def parse_citation(text: str) -> list[int]:
    """Return the numbers cited by the inside of a citation, expanding ranges."""
    numbers = []
    for part in re.split(r"\s*,\s*", text.strip()):
        bounds = re.split(r"\s*[–-]\s*", part)
        if len(bounds) == 2:
            start, end = int(bounds[0]), int(bounds[1])
            if start <= end and end - start <= MAX_RANGE:
                numbers.extend(range(start, end + 1))
                continue
        numbers.extend(int(b) for b in bounds)
    return numbers


@dataclass
class CitationState:
    """Numbering shared by every piece of text rendered for one article version."""

    known: set = field(default_factory=set)
    order: dict = field(default_factory=dict)  # editor number -> display number
    backlinks: dict = field(default_factory=dict)  # editor number -> [anchor ids]
    unknown: list = field(default_factory=list)  # cited numbers with no reference

    def cite(self, number: int) -> tuple[int, str] | None:
        if number not in self.known:
            if number not in self.unknown:
                self.unknown.append(number)
            return None
        display = self.order.setdefault(number, len(self.order) + 1)
        anchors = self.backlinks.setdefault(number, [])
        anchor = f"cite-{display}-{len(anchors) + 1}"
        anchors.append(anchor)
        return display, anchor


class CitationProcessor(InlineProcessor):
    def __init__(self, pattern, md, state):
        super().__init__(pattern, md)
        self.state = state

    def handleMatch(self, m, data):
        sup = etree.Element("sup")
        sup.set("class", "citation")
        numbers = parse_citation(m.group(1))
        cited = [c for c in (self.state.cite(number) for number in dict.fromkeys(numbers)) if c is not None]
        links = []
        # Readers see each citation's numbers in ascending order, e.g. [1, 2, 3] not [1, 3, 2].
        for display, anchor in sorted(cited):
            link = etree.Element("a")
            link.set("href", f"#ref-{display}")
            link.set("id", anchor)
            link.set("class", "citation-link")
            link.set("aria-label", f"Reference {display}")
            link.text = str(display)
            links.append(link)
        if not links:
            # Unknown numbers render as typed so a reader is never shown a broken link.
            return m.group(0), m.start(0), m.end(0)
        sup.text = "["
        for i, link in enumerate(links):
            sup.append(link)
            link.tail = ", " if i < len(links) - 1 else "]"
        return sup, m.start(0), m.end(0)


class CitationExtension(Extension):
    def __init__(self, state, **kwargs):
        self.state = state
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        # Above links (160) so "[1]" is a citation, below code spans (190) so code stays literal.
        md.inlinePatterns.register(CitationProcessor(CITATION_RE, md, self.state), "citation", 175)


def _markdown(state: CitationState, inline: bool = False) -> markdown.Markdown:
    extensions = [CitationExtension(state), "sane_lists", "tables"]
    if not inline:
        extensions.append("toc")
    return markdown.Markdown(
        extensions=extensions,
        extension_configs={"toc": {"slugify": lambda value, sep: "h-" + _slug(value, sep)}} if not inline else {},
        output_format="html",
    )


def _slug(value: str, separator: str) -> str:
    return re.sub(r"[^a-z0-9]+", separator, value.lower()).strip(separator)[:60] or "section"


@dataclass
class RenderedReference:
    display_number: int
    data: dict
    backlinks: list

    @property
    def kind_label(self):
        return {"guideline": "Guideline", "research": "Research"}.get(self.data.get("kind"), "Other")


@dataclass
class RenderedText:
    summary_html: str
    body_html: str
    references: list  # RenderedReference, in display order
    unknown_citations: list
    uncited: list  # editor numbers of references never cited
    headings: list

    @property
    def reference_groups(self):
        """Group references by kind (Guideline, Research, Other), keeping display numbers."""
        groups = {}
        for ref in self.references:
            groups.setdefault(ref.kind_label, []).append(ref)
        order = ["Guideline", "Research", "Other"]
        return [(label, groups[label]) for label in order if label in groups]


def render(summary: str, body: str, references: list[dict]) -> RenderedText:
    """Render one version's summary and body against its reference list."""
    state = CitationState(known={ref["number"] for ref in references})
    summary_html = _markdown(state, inline=True).convert(summary or "")
    md = _markdown(state)
    body_html = md.convert(body or "")
    by_number = {ref["number"]: ref for ref in references}
    rendered_refs = sorted(
        (
            RenderedReference(display, by_number[number], state.backlinks[number])
            for number, display in state.order.items()
        ),
        key=lambda r: r.display_number,
    )
    headings = [(token["id"], token["name"]) for token in getattr(md, "toc_tokens", []) if token["level"] == 2]
    return RenderedText(
        summary_html=sanitize(summary_html),
        body_html=sanitize(body_html),
        references=rendered_refs,
        unknown_citations=state.unknown,
        uncited=sorted(set(by_number) - set(state.order)),
        headings=headings,
    )


def citation_problems(snapshot: dict) -> list[str]:
    """Return messages for citations with no reference and references never cited."""
    references = snapshot.get("references", [])
    problems, cited = [], set()
    versions = [("plain-language", snapshot.get("summary", ""), snapshot.get("body", ""))]
    if snapshot.get("professional_body") or snapshot.get("professional_summary"):
        versions.append(
            ("professional", snapshot.get("professional_summary", ""), snapshot.get("professional_body", ""))
        )
    for label, summary, body in versions:
        rendered = render(summary, body, references)
        cited |= {ref.data["number"] for ref in rendered.references}
        for number in rendered.unknown_citations:
            problems.append(f"The {label} text cites [{number}], but there is no reference {number}.")
    for ref in references:
        if ref["number"] not in cited:
            problems.append(f"Reference {ref['number']} (“{ref['title']}”) is never cited in the text.")
    return problems


def plain_text(markdown_text: str) -> str:
    """Return Markdown as one line of plain text without citation markers (for lists, feeds, meta)."""
    without_citations = re.sub(CITATION_RE, "", markdown_text or "")
    html = markdown.markdown(without_citations)
    return " ".join(nh3.clean(html, tags=set()).split()).replace(" .", ".").replace(" ,", ",")
