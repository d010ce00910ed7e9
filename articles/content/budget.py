"""The render budget: Python-Markdown's work on a text, counted in steps as it goes and stopped
at a limit, whatever the Markdown; and the verdicts it reached on recent texts.

``rendering`` converts every text against a fresh ``RenderBudget``: text whose rendering would
exceed it is refused by the forms (``markdown_problems``, with a message saying what to change)
and shown as escaped plain text wherever it is stored anyway.
"""

import hashlib
import re
import threading

import markdown
from markdown.treeprocessors import Treeprocessor

# Every conversion counts its work in steps as it goes and stops at MAX_RENDER_STEPS. The
# weights make a step about a nanosecond of work (on the 2-core machine the floods were timed
# on) whatever it is charged for, fitted on floods of every construct and on real articles
# (benchmarks/markdown_floods.py): the budget is some 0.15 s of the work that grows faster
# than the text, on top of work that grows with it (the text is at most 100,000 characters).
# A 100,000-character article of ordinary paragraphs, lists and tables with citations takes
# 20 to 30 million steps; a 3,300-item list of cited lines, 135 million.
MAX_RENDER_STEPS = 150_000_000
STEPS_PER_TEST = 500  # a block processor testing a block, plus a step per character of it
STEPS_PER_LINE = 25  # ... and these per line of it
STEPS_PER_TRY = 1_200  # an inline pattern tried on a text
STEPS_PER_MATCH = 9_000  # an inline match, plus a step per character of the text it is found in
STEPS_PER_ELEMENT = 6_000  # an element of the parsed document, for everything done to it afterwards
STEPS_PER_OPEN_TAG = 8  # each HTML tag, per element it is nested in beyond FREE_DEPTH (the sanitizer's work)
FREE_DEPTH = 32  # deeper than Markdown itself nests (lists and quotes stay within 10 levels)
# No text shorter comes near the budget: the densest floods of this length (a heading mark to a
# line) take a sixth of it, and their steps grow as the square of the length. Checks need not
# render such text to know it fits (its conversions still run against the budget).
SHORT_TEXT = 1_000


class RenderBudgetExceeded(Exception):
    """A conversion reached its budget; ``budget`` says where the steps went."""

    def __init__(self, budget: "RenderBudget"):
        super().__init__(f"rendering would take more than {budget.limit:,} steps")
        self.budget = budget


class RenderBudget:
    """Count the work Python-Markdown does on one text, in steps, and stop it at ``limit``.

    Its work grows faster than the text in a few ways, whatever the construct; the budget
    charges for each of them, not for particular patterns:

    * The block parser takes a block (the lines between two blank lines) apart from the top:
      after each heading, rule, code line or definition it takes off, it hands the rest of
      the block to the block processors again, and their tests split or search all of it
      (the tables test strips every line). A block of n such lines costs n times its length:
      ``"#a\\n" * 33000`` took 32 s. Each test is charged the block's characters and lines.
      Each block taken off also shifts the list of blocks left (``blocks.pop(0)``), a step
      per block: tens of thousands of blank-line-separated blocks cost their number squared.
    * The inline processor rebuilds the whole text of a paragraph around every citation,
      link or emphasis it finds there: m marks in a paragraph of n characters cost m times
      n. Each match is charged the text it is found in; each pattern tried, a fixed step count.
    * Every element costs its inline patterns, serialising and sanitising afterwards: tens
      of thousands of one-word paragraphs, list items or table cells take seconds though each
      alone is cheap. Each element of the parsed document is charged once, before all that.
    * The sanitizer checks each tag against the elements it is nested in: raw HTML blocks
      of thousands of unclosed ``<div>`` or ``<ul>`` cost their number squared. Each tag of
      the output is charged its depth beyond what Markdown itself nests, before the sanitizer
      sees it (``charge_nesting``).

    Charges are made before the work they stand for and refused beyond the limit (raising
    ``RenderBudgetExceeded``), so no conversion does more than ``limit`` steps of that work.
    What is not charged grows only as fast as the text, which is at most 100,000 characters.
    """

    def __init__(self, limit: int = MAX_RENDER_STEPS):
        self.limit = limit
        self.steps = 0
        self.exceeded = False
        # Where the steps went: taking blocks apart, inline marks, pieces of the document, nesting.
        self.spent = {"blocks": 0, "marks": 0, "pieces": 0, "nesting": 0}
        self.elements = 0  # in the parsed document, once it is parsed
        self.blocks = 0  # the most blocks (between blank lines) the parser was handed at once
        self.deepest = 0  # the deepest nesting of the output's tags, once it is written

    def spend(self, steps: int, kind: str) -> None:
        self.spent[kind] += steps  # counted even when refused: ``dominant`` names what overflowed
        if self.steps + steps > self.limit:
            self.exceeded = True
            raise RenderBudgetExceeded(self)
        self.steps += steps

    @property
    def dominant(self) -> str:
        """The kind of work that took most of the budget: "blocks", "marks", "pieces" or "nesting"."""
        return max(self.spent, key=self.spent.get)

    def message(self, text: str) -> str:
        """Name what in ``text`` made rendering it exceed this budget, and how to fix it."""
        lead = "This text would take too long to show: "
        kind = self.dominant
        if kind == "nesting":
            return (
                f"{lead}its HTML tags are nested up to {self.deepest:,} deep. "
                "Close each tag you open, or write the text in Markdown."
            )
        stretches = _stretches(text)
        lines, start, first, _ = max(stretches, key=lambda stretch: stretch[0])
        if kind == "blocks" and lines >= 50:
            return (
                f"{lead}{lines:,} lines follow one another with no blank line between them (from line {start}, "
                f"“{first}”). Put a blank line between headings, rules, paragraphs and the other blocks."
            )
        if kind in ("blocks", "pieces"):
            # The elements once the parser has made them all; before that, the blocks it was handed.
            return (
                f"{lead}it makes {self.elements or self.blocks:,} paragraphs, headings, list items, table cells "
                "and other pieces, too many for one page. Join short ones together or move some of the text "
                "to another page."
            )
        _, start, first, length = max(stretches, key=lambda stretch: stretch[3])
        return (
            f"{lead}the paragraph from line {start} (“{first}”, {length:,} characters) has too many citations, "
            "links, emphasis, line breaks, HTML tags and other marks for one paragraph. Split it into shorter "
            "paragraphs."
        )

    def install(self, md: markdown.Markdown) -> markdown.Markdown:
        """Meter ``md``'s block parser, inline patterns and parsed document; return ``md``."""
        parser, spend = md.parser, self.spend

        def parse_blocks(parent, blocks):
            # BlockParser.parseBlocks, charging each processor's test for the block it is handed.
            self.blocks = max(self.blocks, sum(1 for block in blocks if block.strip()))
            while blocks:
                block = blocks[0]
                spend(len(blocks), "pieces")  # the blocks left, shifted as one is taken off
                cost = STEPS_PER_TEST + len(block) + STEPS_PER_LINE * block.count("\n")
                for processor in parser.blockprocessors:
                    spend(cost, "blocks")
                    if processor.test(parent, blocks[0]):
                        if processor.run(parent, blocks) is not False:
                            break

        parser.parseBlocks = parse_blocks  # parseChunk and nested blocks (lists, quotes) call it too
        for pattern in md.inlinePatterns:
            self._meter(pattern)
        md.treeprocessors.register(_ElementCharge(md, self), "render_budget", 1000)  # first, after parsing
        return md

    def _meter(self, pattern) -> None:
        compiled, handle, spend = pattern.getCompiledRegExp, pattern.handleMatch, self.spend

        def tried():
            spend(STEPS_PER_TRY, "pieces")  # every text of every piece has every pattern tried on it
            return compiled()

        def matched(match, *args):
            spend(STEPS_PER_MATCH + len(match.string), "marks")
            return handle(match, *args)

        pattern.getCompiledRegExp, pattern.handleMatch = tried, matched

    def charge_nesting(self, html: str) -> None:
        """Charge each start tag of ``html`` for the elements it is nested in beyond ``FREE_DEPTH``."""
        stack, open_tags, depths = [], {}, 0
        for tag in _TAG.finditer(html):
            closing, name, attributes = tag.group(1), tag.group(2).lower(), tag.group(3)
            if closing:
                if open_tags.get(name):
                    while stack:  # closes everything opened inside it, as the sanitizer's parser does
                        top = stack.pop()
                        open_tags[top] -= 1
                        if top == name:
                            break
            elif name not in _VOID_TAGS and not attributes.endswith("/"):
                stack.append(name)
                open_tags[name] = open_tags.get(name, 0) + 1
                depths += max(0, len(stack) - FREE_DEPTH)
                self.deepest = max(self.deepest, len(stack))
        self.spend(STEPS_PER_OPEN_TAG * depths, "nesting")


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)([^<>]*)>")
_VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _ElementCharge(Treeprocessor):
    def __init__(self, md, budget: RenderBudget):
        super().__init__(md)
        self.budget = budget

    def run(self, root):
        self.budget.elements = sum(1 for _ in root.iter())
        self.budget.spend(STEPS_PER_ELEMENT * self.budget.elements, "pieces")


def _stretches(text: str) -> list[tuple[int, int, str, int]]:
    """Each run of lines without a blank line: (its lines, its first line's number, that line
    shortened, its characters)."""
    stretches, lines, start, chars = [], 0, 0, 0
    source = text.split("\n")
    for number, line in enumerate(source + [""], 1):
        if line.strip():
            if not lines:
                start, chars = number, 0
            lines, chars = lines + 1, chars + len(line) + 1
        elif lines:
            first = source[start - 1].strip()
            stretches.append((lines, start, first[:40] + ("…" if len(first) > 40 else ""), chars - 1))
            lines = 0
    return stretches or [(0, 1, "", 0)]


class Verdicts:
    """What rendering each recent text came to: why it exceeds the budget, or "" if it does not.

    Pages, previews and forms see the same few texts over and over: a text over the budget
    costs it once per process, then goes straight to the plain-text fallback. Texts are kept
    by digest; at ``size`` entries the record starts again.
    """

    def __init__(self, size: int = 1024):
        self.size = size
        self._verdicts: dict[bytes, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, text: str) -> str | None:
        return self._verdicts.get(self._key(text))

    def remember(self, text: str, verdict: str) -> None:
        with self._lock:
            if len(self._verdicts) >= self.size:
                self._verdicts.clear()
            self._verdicts[self._key(text)] = verdict

    def clear(self) -> None:
        self._verdicts.clear()


VERDICTS = Verdicts()
