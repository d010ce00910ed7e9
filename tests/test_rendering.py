"""Markdown rendering: citation numbering, reference lists, the citation gate and sanitising."""

import re

import pytest

from articles.content.rendering import citation_problems, parse_citation, render


def refs(*numbers, kind="research"):
    return [{"number": n, "kind": kind, "title": f"Ref {n}", "source": "BMJ", "year": 2020} for n in numbers]


def test_references_are_numbered_in_order_of_first_citation():
    out = render("", "First [3]. Then [1]. Again [3].", refs(1, 3))
    assert [(r.display_number, r.data["number"]) for r in out.references] == [(1, 3), (2, 1)]
    assert 'href="#ref-1"' in out.body_html
    assert out.references[0].backlinks == ["cite-1-1", "cite-1-2"]


def test_citation_lists_and_ranges_expand():
    assert parse_citation("1, 3-5") == [1, 3, 4, 5]
    assert parse_citation("2–3") == [2, 3]
    out = render("", "Evidence [1, 3-4].", refs(1, 3, 4))
    assert [r.data["number"] for r in out.references] == [1, 3, 4]


def test_citations_render_as_superscript_links_with_back_link_targets():
    out = render("", "Claim [1].", refs(1))
    sup = re.search(r'<sup class="citation">\[(<a [^>]+>)1</a>\]</sup>', out.body_html)
    assert sup is not None
    assert 'href="#ref-1"' in sup.group(1)
    assert 'id="cite-1-1"' in sup.group(1)
    assert 'aria-label="Reference 1"' in sup.group(1)


def test_summary_and_body_share_numbering():
    out = render("Answer [2].", "Body [1] and [2].", refs(1, 2))
    assert [r.data["number"] for r in out.references] == [2, 1]
    assert 'id="cite-1-1"' in out.summary_html


def test_markdown_links_and_code_are_not_citations():
    out = render("", "See [1](https://example.org) and `x[1]`.", refs(1))
    assert out.references == []
    assert "<code>x[1]</code>" in out.body_html


def test_unknown_citation_is_reported_and_left_as_text():
    out = render("", "Claim [7].", refs(1))
    assert out.unknown_citations == [7]
    assert "[7]" in out.body_html
    assert "#ref-7" not in out.body_html


def test_references_are_grouped_by_kind_in_fixed_order():
    references = refs(1, kind="other") + refs(2, kind="guideline") + refs(3)
    out = render("", "a [1] b [2] c [3]", references)
    assert [(label, [r.display_number for r in group]) for label, group in out.reference_groups] == [
        ("Guideline", [2]),
        ("Research", [3]),
        ("Other", [1]),
    ]


def test_citation_gate_names_missing_and_uncited_references():
    problems = citation_problems({"summary": "", "body": "x [1] y [4]", "references": refs(1, 2)})
    assert any("[4]" in p for p in problems)
    assert any("Reference 2" in p for p in problems)


def test_citation_gate_accepts_a_reference_cited_only_in_the_professional_version():
    snapshot = {
        "summary": "",
        "body": "x [1]",
        "professional_summary": "Pro",
        "professional_body": "y [1] z [2]",
        "references": refs(1, 2),
    }
    assert citation_problems(snapshot) == []


def test_plain_article_without_citations_passes_the_gate():
    assert citation_problems({"summary": "Hi", "body": "Text\n\n- a\n- b", "references": []}) == []


@pytest.mark.parametrize(
    "markdown_text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        '<p onclick="alert(1)">x</p>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        "<svg><script>alert(1)</script></svg>",
    ],
)
def test_dangerous_html_does_not_survive(markdown_text):
    html = render(markdown_text, markdown_text, []).body_html.lower()
    assert "<script" not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert "javascript:" not in html
    assert "<iframe" not in html


def test_editors_cannot_plant_arbitrary_ids():
    html = render("", '<a id="csrfmiddlewaretoken" href="https://example.org">x</a>', []).body_html
    assert "csrfmiddlewaretoken" not in html


def test_headings_get_anchor_ids_for_sections():
    out = render("", "## From the Guidelines\n\ntext\n\n## From the Research\n\nmore", [])
    assert out.headings == [
        ("h-from-the-guidelines", "From the Guidelines"),
        ("h-from-the-research", "From the Research"),
    ]
    assert 'id="h-from-the-guidelines"' in out.body_html


def test_links_get_safe_rel():
    html = render("", "[NHS](https://www.nhs.uk)", []).body_html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_plain_text_drops_markup_and_citations():
    from articles.content.rendering import plain_text

    assert plain_text("Gout is **common** [1, 2]. See <b>this</b>.") == "Gout is common. See this."


def test_numbers_within_one_citation_are_shown_in_ascending_order():
    out = render("", "First [3]. Then [1-3].", refs(1, 2, 3))
    second = out.body_html.split("Then")[1]
    assert re.findall(r">(\d)</a>", second) == ["1", "2", "3"]
