"""The render budget: no Markdown within the limits makes a page slow, whatever its blocks.

Python-Markdown's work grows faster than the text in a few ways (budget.RenderBudget says
which); one line per block was enough to take a page down (``"#a\\n" * 33000``: 31.8 s). Every
conversion is metered in steps and stops at ``MAX_RENDER_STEPS``. The property test floods
the renderer with every block-level construct Markdown has, alone and mixed, up to the
length cap: each flood is either refused by ``markdown_problems`` with a message saying what
to change, or rendered in full, and either way within the budget's steps, counted here apart
from the budget itself. Times are measured by benchmarks/markdown_floods.py, not asserted.
"""

import os
from pathlib import Path

import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.content import rendering
from articles.content.budget import MAX_RENDER_STEPS, SHORT_TEXT, VERDICTS, RenderBudget, RenderBudgetExceeded
from articles.content.rendering import MAX_MARKDOWN_CHARS, markdown_problems, plain_text, render
from articles.interchange.format import parse

ROOT = Path(__file__).resolve().parent.parent

# One of each construct, block-level first; ``w`` is a word, ``n`` a number from 1 to 999.
# Python-Markdown's own constructs, the tables extension's, and some it does not have
# (fences, footnotes, definition lists), which it must take as paragraphs just as cheaply.
FLOOD_UNITS = {
    "ATX heading": lambda w, n: "#" * (n % 6 + 1) + " " + w,
    "ATX heading, closed": lambda w, n: f"## {w} ##",
    "ATX heading, no space": lambda w, n: f"#{w}",
    "setext heading (=)": lambda w, n: f"{w}\n=",
    "setext heading (-)": lambda w, n: f"{w}\n---",
    "rule (---)": lambda w, n: "---",
    "rule (* * *)": lambda w, n: "* * *",
    "rule (___)": lambda w, n: "___",
    "paragraph": lambda w, n: f"{w} {w}.",
    "line with a hard break": lambda w, n: f"{w}  ",
    "bullet item (-)": lambda w, n: f"- {w}",
    "bullet item (*)": lambda w, n: f"* {w}",
    "bullet item (+)": lambda w, n: f"+ {w}",
    "numbered item": lambda w, n: f"{n}. {w}",
    "numbered item, parenthesis": lambda w, n: f"{n}) {w}",
    "nested list item": lambda w, n: "    " * (n % 4) + f"- {w}",
    "list item with a heading": lambda w, n: f"- # {w}",
    "quote": lambda w, n: f"> {w}",
    "nested quote": lambda w, n: ">" * (n % 4 + 1) + f" {w}",
    "quoted heading": lambda w, n: f"> # {w}",
    "quoted rule": lambda w, n: "> ---",
    "indented code": lambda w, n: f"    {w}",
    "fenced code": lambda w, n: f"```\n{w}\n```",
    "tilde fence": lambda w, n: f"~~~\n{w}\n~~~",
    "table": lambda w, n: f"| {w} | {n} |\n| --- | --- |\n| {w} | {w} |",
    "table row": lambda w, n: f"| {w} | {n} |",
    "table separator": lambda w, n: "|---|---|",
    "HTML block": lambda w, n: f"<div>{w}</div>",
    "HTML block, open": lambda w, n: "<div>",
    "HTML block, close": lambda w, n: "</div>",
    "HTML list, open": lambda w, n: "<ul><li>",
    "HTML comment": lambda w, n: f"<!-- {w} -->",
    "HTML rule": lambda w, n: "<hr>",
    "processing instruction": lambda w, n: "<?x ?>",
    "CDATA": lambda w, n: "<![CDATA[x]]>",
    "reference definition": lambda w, n: f"[{w}{n}]: https://example.org/{w}",
    "reference definition with title": lambda w, n: f'[{w}]: https://example.org/ "{w}"',
    "footnote definition": lambda w, n: f"[^{n}]: {w}",
    "definition list": lambda w, n: f"{w}\n: {w}",
    "blank line of spaces": lambda w, n: "   ",
    "citation": lambda w, n: f"[{n % 60 + 1}]",
    "citation range": lambda w, n: f"[{n % 50 + 1}-{n % 50 + 5}]",
    "emphasis": lambda w, n: f"*{w}* **{w}** _{w}_",
    "link": lambda w, n: f"[{w}](https://example.org/{w})",
    "reference link": lambda w, n: f"[{w}][]",
    "code span": lambda w, n: f"`{w}`",
    "autolink": lambda w, n: "<https://example.org>",
    "entity": lambda w, n: "&amp; &#169;",
    "inline HTML": lambda w, n: f"<b>{w}</b>",
    "image": lambda w, n: f"![{w}](https://example.org/{w}.png)",
    "figure": lambda w, n: f'![{w}](image:{n} "{w}")',
}
SEPARATORS = ["\n", "\n\n", "\n\n\n"]
REFERENCES = [
    {"number": n, "kind": "research", "title": f"Ref {n}", "source": "BMJ", "year": 2020} for n in range(1, 61)
]


def flood(names, separator="\n", size=MAX_MARKDOWN_CHARS, word="a", number=1):
    """``size`` characters of the constructs ``names`` one after the other, over and over."""
    period = "".join(FLOOD_UNITS[name](word, number + i) + separator for i, name in enumerate(names))
    return (period * (size // len(period) + 1))[:size]


# The floods the issue reported, at the length cap.
REPORTED_FLOODS = {
    "33,000 ATX headings": "#a\n" * 33000,
    "setext headings, 99,999 characters": ("a\n=\n" * 25000)[:99_999],
    "25,000 rules": "---\n" * 25000,
}


def _assert_within_the_budget(work, conversions):
    assert len(work.budgets) <= conversions
    for budget in work.budgets:
        assert budget.steps <= MAX_RENDER_STEPS
    # Nothing escaped the budget's meters: all the work seen at the classes was charged.
    assert work.steps <= work.budget_steps
    assert work.steps <= conversions * MAX_RENDER_STEPS


def _check(work, text):
    """Refused with a message, at most one conversion's work; or rendered in full, within budget."""
    work.reset()
    problems = markdown_problems(text)
    _assert_within_the_budget(work, conversions=1)
    work.reset()
    rendered = render("", text, REFERENCES)
    # The summary, and the body twice when the reading order renumbers the references.
    _assert_within_the_budget(work, conversions=3)
    verdict = VERDICTS.get(text)
    if problems:
        assert all(isinstance(problem, str) and problem.endswith(".") for problem in problems)
        # Shown as escaped plain text, never as Markdown.
        assert rendered.body_html == rendering.sanitize(rendering._fallback_html(text))
        # Once known, a page shows it without parsing it again.
        work.budgets.clear()
        work.steps = 0
        render("", text, REFERENCES)
        assert [budget.steps for budget in work.budgets] == [0] and work.steps == 0  # the empty summary
    else:
        assert verdict == "", "accepted text must render as Markdown, not fall back"
    work.reset()
    plain_text(text)
    _assert_within_the_budget(work, conversions=1)
    return problems


WORDS = st.sampled_from(["a", "Word", "two words", "a longer line of several words", "x" * 200])


@settings(
    max_examples=int(os.environ.get("EDITORIAL_FLOOD_EXAMPLES", 40)),  # more for a longer hunt
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    names=st.lists(st.sampled_from(sorted(FLOOD_UNITS)), min_size=1, max_size=4),
    separator=st.sampled_from(SEPARATORS),
    size=st.one_of(st.integers(1, 20_000), st.integers(20_000, MAX_MARKDOWN_CHARS), st.just(MAX_MARKDOWN_CHARS)),
    word=WORDS,
    number=st.integers(1, 999),
)
def test_any_flood_of_blocks_is_refused_or_rendered_within_the_budget(
    render_work, names, separator, size, word, number
):
    _check(render_work, flood(names, separator, size, word, number))


@pytest.mark.parametrize("name", sorted(FLOOD_UNITS))
def test_a_flood_of_each_construct_at_the_cap_is_refused_or_rendered_within_the_budget(render_work, name):
    _check(render_work, flood([name]))


@pytest.mark.parametrize("text", REPORTED_FLOODS.values(), ids=REPORTED_FLOODS.keys())
def test_the_reported_floods_are_refused_naming_the_lines_without_blank_lines(render_work, text):
    problems = _check(render_work, text)
    assert len(problems) == 1
    assert "lines follow one another with no blank line between them (from line 1" in problems[0]
    assert "Put a blank line between" in problems[0]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a\n\n" * 33000, "it makes 33,0"),
        ("|a|b|\n|-|-|\n" + "|a|b|\n" * 16000, "table cells"),
        (
            "Claim [1]. " * 9000,
            "the paragraph from line 1 (“Claim [1]. Claim [1]. Claim [1]. Claim […”, 99,000 characters)",
        ),
        ("<div>\n" * 16000, "HTML tags are nested up to 16,000 deep"),
    ],
    ids=["33,000 paragraphs", "a 16,000-row table", "9,000 citations in one paragraph", "16,000 open divs"],
)
def test_refusals_name_what_to_change(render_work, text, says):
    problems = _check(render_work, text)
    assert len(problems) == 1 and says in problems[0], problems


# The densest one-line floods found by trying every printable character on its own, doubled,
# with a word and after "#", "- ", "> " and "1. " (a heading mark to a line is the worst).
DENSE_LINES = ["#", "#[", "#`", "[[", "=", "-", "*", ">", "|", "<", "a\n="]


@pytest.mark.parametrize("separator", ["\n", "\n\n"], ids=["one a line", "blank lines between"])
def test_no_text_shorter_than_the_short_text_limit_comes_near_the_budget(render_work, separator):
    # So markdown_problems need not render it to know it fits.
    units = [unit("a", 1) for unit in FLOOD_UNITS.values()] + DENSE_LINES
    for unit in units:
        render_work.reset()
        render("", ((unit + separator) * SHORT_TEXT)[: SHORT_TEXT - 1], REFERENCES)
        assert max(budget.steps for budget in render_work.budgets) < MAX_RENDER_STEPS / 4, unit


def _realistic_article(size=MAX_MARKDOWN_CHARS):
    """Ordinary paragraphs of cited sentences under headings, with lists, tables and quotes."""
    words = "the patient blood pressure treatment risk adults doctor evidence trial dose daily weeks".split()
    blocks, length, i = [], 0, 0
    while length < size:
        i += 1
        sentence = " ".join(words[(i * k) % len(words)] for k in range(1, 15)).capitalize() + f" [{i % 60 + 1}]."
        if i % 10 == 0:
            block = f"## Section {i}"
        elif i % 10 == 5:
            block = "\n".join(f"- {sentence}" for _ in range(5))
        elif i % 20 == 7:
            block = "| Drug | Dose |\n| --- | --- |\n" + "\n".join(f"| {words[j]} | {j * 5} mg |" for j in range(8))
        elif i % 20 == 3:
            block = f"> {sentence}"
        else:
            block = " ".join([sentence] * 6)
        blocks.append(block)
        length += len(block) + 2
    return "\n\n".join(blocks)[:size].rsplit(" ", 1)[0]


@pytest.mark.parametrize("separator", ["\n\n", "\n"], ids=["with blank lines", "without blank lines"])
def test_a_realistic_article_at_the_cap_renders_in_full_well_within_the_budget(render_work, separator):
    text = _realistic_article().replace("\n\n", separator)
    assert markdown_problems(text) == []
    render_work.reset()
    rendered = render("", text, REFERENCES)
    assert len(rendered.references) > 40 and "<h2" in rendered.body_html
    # (Python-Markdown starts tables and lists only after a blank line.)
    assert ("<table>" in rendered.body_html) == (separator == "\n\n")
    assert max(budget.steps for budget in render_work.budgets) < MAX_RENDER_STEPS / 2


def test_the_demo_articles_render_in_full_well_within_the_budget(render_work):
    for path in sorted((ROOT / "articles" / "demo" / "articles").glob("*.md")):
        article = parse(path.read_bytes(), max_bytes=1_000_000)
        versions = [(article.summary, article.body), (article.professional_summary, article.professional_body)]
        for summary, body in versions:
            assert markdown_problems(summary) == markdown_problems(body) == [], path.name
            render_work.reset()
            render(summary, body, article.references)
            assert VERDICTS.get(summary) == VERDICTS.get(body) == "", path.name  # rendered, not shown escaped
            assert max(budget.steps for budget in render_work.budgets) < MAX_RENDER_STEPS / 100, path.name


def test_a_citation_costs_the_same_whether_its_reference_exists_or_not(render_work):
    text = "Claim [1], [2-4] and [7]. " * 400
    render("", text, [])
    unknown = [budget.steps for budget in render_work.budgets]
    render_work.reset()
    render("", text, REFERENCES)
    assert [budget.steps for budget in render_work.budgets][: len(unknown)] == unknown


def test_the_budget_stops_a_conversion_where_it_runs_out():
    budget = RenderBudget(limit=1_000_000)
    with pytest.raises(RenderBudgetExceeded):
        budget.install(markdown.Markdown(extensions=["tables"])).convert("#a\n" * 5000)
    assert budget.steps <= 1_000_000
    assert budget.dominant == "blocks"
