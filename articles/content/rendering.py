"""Turn article Markdown into safe HTML with numbered citations and a reference list.

Editors cite references by the number they gave them: ``[1]``, ``[2, 3]``, ``[4-6]``.
Readers see references renumbered in order of first citation, each citation a superscript
link to its reference and each reference linking back to every place it is cited.
All HTML, including raw HTML an editor typed, goes through nh3's allow-list.

Figures (``![alt](image:ID "caption")``, see ``figures``) are rendered from the ``images`` a
caller passes (``render(..., images={id: FigureImage or None})``): each becomes a slot named by
a secret made for this rendering, and the ``<figure>`` (``figure_html``) replaces its slot after
the sanitiser has run, so text can neither forge a figure nor smuggle an ``<img>`` past it.
"""

import functools
import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Mapping
from dataclasses import dataclass, field

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

from articles.content.budget import SHORT_TEXT, VERDICTS, RenderBudget, RenderBudgetExceeded
from articles.content.figure_html import FigureExtension, FigureState
from articles.content.sanitising import (  # noqa: F401 - the allow-list is part of rendering's interface
    ALLOWED_ATTRIBUTES,
    ALLOWED_CLASSES,
    ALLOWED_TAGS,
    SAFE_ID,
    sanitize,
)
from articles.content.validators import strip_control_characters

# [1], [1, 2], [1-3], [1–3]; not a Markdown link "[1](...)" or "[1][x]" (definitions
# "[1]: url" are consumed by the block parser before inline patterns run).
CITATION_RE = r"\[(\d{1,3}(?:\s*[,–-]\s*\d{1,3})*)\](?![(\[])"
MAX_RANGE = 50
# The highest reference number the citation pattern can cite (three digits); the reference
# cap (EDITORIAL_MAX_REFERENCES) never goes beyond it.
MAX_CITABLE_NUMBER = 999

# Limits on Markdown structure. Python-Markdown recurses once per nesting level (deep lists
# raise RecursionError) and, for every "[", "(" or "<", scans ahead to its partner or to the
# end of the paragraph (quadratic: 4,000 unclosed "[" take seconds). Real articles stay far
# below these.
MAX_MARKDOWN_CHARS = 100_000
MAX_NESTING = 10
MAX_SCAN_COST = 300_000  # characters rescanned for openers (about 0.3 s of rendering)
MAX_RUN = 50
_BLOCK_MARKER = re.compile(r"[ \t]*(?:(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)|>[ \t]?)")
_RUN = re.compile(rf"([\[\]()<>*_`~!\\])\1{{{MAX_RUN},}}")
_OPENERS = {"[": "]", "(": ")", "<": ">"}
_CLOSERS = {close: open_ for open_, close in _OPENERS.items()}


def markdown_problems(text: str) -> list[str]:
    """Return why ``text`` is not Markdown we render: too long, nested too deep, pathological
    runs, or more work to render than the render budget allows.

    Checked when editors save and submit, and again before rendering, so that whatever is
    stored (an import, a shell) can never hang a page or crash it: first by reading the text
    once, then by rendering it against the budget, which stops as soon as it is spent.
    """
    problems = _static_problems(text)
    if problems or len(text or "") < SHORT_TEXT:
        return problems
    problem = _budget_problem(text)
    return [problem] if problem else []


def _static_problems(text: str) -> list[str]:
    """The limits checked in linear time without parsing (see ``markdown_problems``)."""
    text = text or ""
    problems = []
    if len(text) > MAX_MARKDOWN_CHARS:
        # Nothing else is worth scanning (or reporting) in text this long.
        return [f"The text is {len(text):,} characters long; the most is {MAX_MARKDOWN_CHARS:,}."]
    deepest = 0
    for line in text.splitlines():
        expanded = line.expandtabs(4)
        indent = len(expanded) - len(expanded.lstrip(" "))
        markers, position = 0, 0
        while match := _BLOCK_MARKER.match(expanded, position):
            if match.end() == position:
                break
            markers, position = markers + 1, match.end()
        if markers:
            deepest = max(deepest, indent // 4 + markers)
    if deepest > MAX_NESTING:
        problems.append(f"Lists and quotes are nested {deepest} levels deep; the most is {MAX_NESTING}.")
    run = _RUN.search(text)
    if run:
        length = len(run.group(0))
        problems.append(f"“{run.group(1)}” is repeated {length:,} times in a row; the most is {MAX_RUN}.")
    if _bracket_scan_cost(text) > MAX_SCAN_COST:
        problems.append(
            "Too many “[”, “(” or “<” are left open across long stretches of text; "
            "close each one or remove the stray ones."
        )
    return problems


def _bracket_scan_cost(text: str) -> int:
    """Estimate the characters Markdown scans for openers: each one's distance to its partner or paragraph end."""
    cost = 0
    for paragraph in re.split(r"\n[ \t]*\n", text):
        stacks = {opener: [] for opener in _OPENERS}
        for position, char in enumerate(paragraph):
            if char in stacks:
                stacks[char].append(position)
            elif char in _CLOSERS and stacks[_CLOSERS[char]]:
                cost += position - stacks[_CLOSERS[char]].pop()
        end = len(paragraph)
        cost += sum(end - start for stack in stacks.values() for start in stack)
        if cost > MAX_SCAN_COST:
            break
    return cost


def _fallback_html(text: str) -> str:
    """Show text we will not render as Markdown as escaped plain paragraphs."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _budget_problem(text: str) -> str:
    """Why rendering ``text`` would exceed the render budget, or "" (rendering it if need be).

    Its steps depend neither on its references (a citation costs the same whether its
    reference exists or not) nor on which of the page's parsers renders it: one verdict a text.
    """
    if VERDICTS.get(text) is None:
        _convert(_markdown(CitationState(), inline=True, figure_state=_figures_in(text, {})), text)
    return VERDICTS.get(text) or ""


def http_url(value: str) -> str:
    """Return ``value`` if it is an http(s) URL fit for an ``href``, else an empty string."""
    value = (value or "").strip()
    scheme, _, rest = value.partition(":")
    if scheme.lower() in ("http", "https") and rest.startswith("//") and not CONTROL_OR_SPACE.search(value):
        return value
    return ""


CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f-\x9f]")


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
            link.text = AtomicString(str(display))
            links.append(link)
        if not links:
            # Unknown numbers render as typed so a reader is never shown a broken link.
            return m.group(0), m.start(0), m.end(0)
        # Atomic: no pattern is tried on a citation's own text, so it costs the render budget
        # the same whether its reference exists or not (see ``_budget_problem``).
        sup.text = AtomicString("[")
        for i, link in enumerate(links):
            sup.append(link)
            link.tail = AtomicString(", " if i < len(links) - 1 else "]")
        return sup, m.start(0), m.end(0)


class CitationExtension(Extension):
    def __init__(self, state, **kwargs):
        self.state = state
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        # Above links (160) so "[1]" is a citation, below code spans (190) so code stays literal.
        md.inlinePatterns.register(CitationProcessor(CITATION_RE, md, self.state), "citation", 175)


def _figures_in(text: str, images: Mapping, state: FigureState | None = None) -> FigureState | None:
    """The figure state to render ``text`` with: none for text without figures.

    Every conversion of a text decides it the same way (the render budget's verdict on a text
    holds for each of them): the figure pattern is tried, and charged, only where there may be one.
    """
    if "](image:" not in (text or ""):
        return None
    return state if state is not None else FigureState(images)


def _markdown(state: CitationState, inline: bool = False, figure_state: FigureState | None = None) -> markdown.Markdown:
    extensions = [CitationExtension(state), "sane_lists", "tables"]
    if figure_state is not None:
        extensions.append(FigureExtension(figure_state))
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
    def link_url(self):
        """The reference's URL if it may be a link (http or https only); stored values are not trusted."""
        return http_url(self.data.get("url", ""))

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
    figures: list = field(default_factory=list)  # figure_html.structured() of each figure shown

    @property
    def reference_groups(self):
        """Group references by kind (Guideline, Research, Other), keeping display numbers."""
        groups = {}
        for ref in self.references:
            groups.setdefault(ref.kind_label, []).append(ref)
        order = ["Guideline", "Research", "Other"]
        return [(label, groups[label]) for label in order if label in groups]


def _convert(md: markdown.Markdown, text: str) -> str:
    """Convert within the limits of ``markdown_problems`` and the render budget, remembering
    the verdict; beyond them, show the text escaped."""
    text = text or ""
    if _static_problems(text) or VERDICTS.get(text):
        return _fallback_html(text)
    budget = RenderBudget()
    try:
        converted = budget.install(md).convert(text)
        budget.charge_nesting(converted)
    except RenderBudgetExceeded:
        VERDICTS.remember(text, budget.message(text))
        return _fallback_html(text)
    except RecursionError:
        VERDICTS.remember(text, "Lists, quotes or other blocks are nested too deeply to show; nest them less.")
        return _fallback_html(text)
    VERDICTS.remember(text, "")
    return converted


# A rendered citation link, as ``CitationProcessor`` writes it: the display number it carries.
_RENDERED_CITATION = re.compile(r'\bid="cite-(\d+)-\d+"')


def _reading_order(state: CitationState, *html: str) -> dict | None:
    """Return editor number -> display number in reading order, or None if already in it.

    Markdown numbers citations as it processes inline text, which is not the page's order
    (list items and tables come after the paragraphs around them); the HTML is.
    """
    editor_number = {display: number for number, display in state.order.items()}
    first_seen = dict.fromkeys(int(d) for d in _RENDERED_CITATION.findall("".join(html)))
    reading = {editor_number[d]: position for position, d in enumerate(first_seen, 1) if d in editor_number}
    return None if reading == state.order else reading


def _render_html(summary: str, body: str, known: set, order: dict | None, figure_state: FigureState) -> tuple:
    state = CitationState(known=known, order=dict(order or {}))
    summary_html = _convert(_markdown(state, inline=True, figure_state=_figures_in(summary, {}, figure_state)), summary)
    md = _markdown(state, figure_state=_figures_in(body, {}, figure_state))
    body_html = _convert(md, body)
    return state, md, summary_html, body_html


def render(summary: str, body: str, references: list[dict], images: Mapping | None = None) -> RenderedText:
    """Render one version's summary and body against its reference list and the images it shows.

    References are numbered by first citation in reading order: a second pass renders with
    that numbering when Markdown's processing order differed from it. ``images`` maps each image
    id the texts show (``figures.image_ids``) to its ``figure_html.FigureImage``; an id missing
    from it, or mapped to None, shows a visible "Image not available" in place of the figure.
    """
    known = {ref["number"] for ref in references}
    figure_state = FigureState(images or {})
    state, md, summary_html, body_html = _render_html(summary, body, known, None, figure_state)
    reading = _reading_order(state, summary_html, body_html)
    if reading is not None:
        figure_state = FigureState(images or {})
        state, md, summary_html, body_html = _render_html(summary, body, known, reading, figure_state)
    by_number = {ref["number"]: ref for ref in references}
    rendered_refs = sorted(
        (
            RenderedReference(display, by_number[number], state.backlinks[number])
            for number, display in state.order.items()
        ),
        key=lambda r: r.display_number,
    )
    headings = [(token["id"], token["name"]) for token in getattr(md, "toc_tokens", []) if token["level"] == 2]
    summary_html = figure_state.fill(sanitize(summary_html))
    body_html = figure_state.fill(sanitize(body_html))
    return RenderedText(
        summary_html=summary_html,
        body_html=body_html,
        references=rendered_refs,
        unknown_citations=state.unknown,
        uncited=sorted(set(by_number) - set(state.order)),
        headings=headings,
        figures=figure_state.shown,
    )


def citation_problems(snapshot: dict, *, uncited: bool = True) -> list[str]:
    """Return messages for citations with no reference and (``uncited``) references never cited."""
    references = snapshot.get("references", [])
    if not uncited and _cites_only_known(snapshot, {ref["number"] for ref in references}):
        return []  # nothing to report, known without rendering (the importer checks thousands of files)
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
    for ref in references if uncited else []:
        if ref["number"] not in cited:
            problems.append(f"Reference {ref['number']} (“{ref['title']}”) is never cited in the text.")
    return problems


def _cites_only_known(snapshot: dict, numbers: set[int]) -> bool:
    """Whether every citation-like marker in the source names a known reference.

    Rendering only ever finds fewer citations than the source has markers (code spans are not
    cited), except through character references, which this refuses to judge.
    """
    texts = [snapshot.get(field) or "" for field in ("summary", "body", "professional_summary", "professional_body")]
    if any("&#" in text for text in texts):
        return False
    return all(
        number in numbers
        for text in texts
        for match in re.finditer(CITATION_RE, text)
        for number in parse_citation(match.group(1))
    )


@functools.lru_cache(maxsize=4096)
def plain_text(markdown_text: str) -> str:
    """Return Markdown as one line of plain text without citation markers (for lists, feeds, meta).

    Memoised per process: lists show the same summaries over and over, and a fresh Markdown
    parser per summary made a 50-result search page cost 50 parses.
    """
    without_citations = re.sub(CITATION_RE, "", markdown_text or "")
    # The same parser as the page's (its work counted the same way), citations already gone.
    figure_state = _figures_in(without_citations, {})
    converted = _convert(_markdown(CitationState(), inline=True, figure_state=figure_state), without_citations)
    if figure_state is not None:  # figures are not words: dropped, as images with URLs are
        converted = re.sub(rf"fig{figure_state.secret}x\d+x", "", converted)
    text = " ".join(nh3.clean(converted, tags=set()).split()).replace(" .", ".").replace(" ,", ",")
    return strip_control_characters(html.unescape(text))
