"""Word-level diffs shown to reviewers."""

from articles.review.diffing import diff_snapshots, word_diff


def snapshot(**overrides):
    base = {"title": "T", "summary": "S", "body": "Take two tablets daily.", "references": []}
    return {**base, **overrides}


def ref(number, title="A trial", **extra):
    return {
        "number": number,
        "kind": "research",
        "title": title,
        "source": "BMJ",
        "year": 2020,
        "url": "",
        "doi": "",
        "pmid": "",
        **extra,
    }


def test_changed_words_are_marked_as_removed_and_added():
    html = word_diff("Take two tablets daily.", "Take one tablet daily.")
    assert "<del>" in html and "two" in html.split("<del>")[1].split("</del>")[0]
    assert "one" in html.split("<ins>")[1].split("</ins>")[0]
    assert html.startswith("Take ")


def test_added_text_is_marked_for_screen_readers():
    html = word_diff("Rest.", "Rest and drink water.")
    assert ' <ins><span class="visually-hidden">[added: </span>and drink water<span' in html


def test_removed_text_is_marked_for_screen_readers():
    html = word_diff("Rest and drink water.", "Rest.")
    assert ' <del><span class="visually-hidden">[removed: </span>and drink water<span' in html


def test_unchanged_text_has_no_marks():
    assert word_diff("Same text.", "Same text.") == "Same text."


def test_markup_in_content_is_escaped_in_the_diff():
    html = word_diff("a", "a <script>alert(1)</script>")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_snapshot_diff_flags_changed_fields_only():
    diff = diff_snapshots(snapshot(), snapshot(body="Take one tablet daily."))
    changed = {f.label: f.changed for f in diff["fields"]}
    assert changed == {"Title": False, "Summary": False, "Body": True}
    assert diff["changed"]


def test_reference_added_removed_and_changed():
    old = snapshot(references=[ref(1), ref(2, "Old cohort")])
    new = snapshot(references=[ref(1, year=2024), ref(3, "New guideline")])
    by_number = {r.number: r for r in diff_snapshots(old, new)["references"]}
    assert by_number[2].status == "removed"
    assert by_number[3].status == "added"
    assert by_number[1].status == "changed"
    assert [name for name, _ in by_number[1].changes] == ["year"]


def test_identical_snapshots_report_no_change():
    assert not diff_snapshots(snapshot(references=[ref(1)]), snapshot(references=[ref(1)]))["changed"]


# --- The rendered diff: what readers will see ------------------------------------------

from articles.content.rendering import render  # noqa: E402
from articles.review.diffing import RenderedTexts, folded, passage_diff, passages, rendered_diff  # noqa: E402


def html(body, references=()):
    return render("", body, list(references)).body_html


def test_passages_follow_the_rendered_blocks_not_the_markdown():
    found = passages(html("## Causes\n\nMost headaches are *tension* headaches.\n\n- Stress\n- Poor sleep"))
    assert [(p.kind, p.text) for p in found] == [
        ("heading", "Causes"),
        ("text", "Most headaches are tension headaches."),
        ("item", "Stress"),
        ("item", "Poor sleep"),
    ]


def test_rendered_diff_shows_no_markdown_syntax():
    items = passage_diff(html("## Causes\n\n- Stress"), html("## Causes\n\n- Stress and worry"))
    text = "".join(str(p.html) for p in items)
    assert "##" not in text and "- " not in text
    assert [p.changed for p in items] == [False, True]
    assert "<ins>" in str(items[1].html) and "worry" in str(items[1].html)


def test_citations_show_the_numbers_readers_see():
    refs = [ref(1), ref(2)]
    before = html("First claim [2]. Second claim [1].", refs)
    assert passages(before)[0].text == "First claim [1]. Second claim [2]."


def test_added_and_removed_passages_are_marked_whole():
    items = passage_diff(html("One.\n\nTwo."), html("One.\n\nThree.\n\nTwo."))
    assert [(p.changed, "[added:" in str(p.html)) for p in items] == [(False, False), (True, True), (False, False)]
    items = passage_diff(html("One.\n\nTwo."), html("Two."))
    assert "[removed:" in str(items[0].html)


def test_markup_in_a_passage_is_escaped():
    items = passage_diff(html("Safe."), html("Safe. &lt;img src=x onerror=alert(1)&gt;"))
    assert "<img" not in "".join(str(p.html) for p in items)


def test_unchanged_passages_fold_away_around_changes_with_one_of_context():
    old = "\n\n".join(f"Paragraph {n}." for n in range(10))
    new = old.replace("Paragraph 5.", "Paragraph five.")
    segments = folded(passage_diff(html(old), html(new)))
    assert [(s.folded, len(s.passages)) for s in segments] == [(True, 4), (False, 3), (True, 3)]


def test_rendered_diff_reports_only_parts_with_text():
    old = RenderedTexts(summary="<p>Short.</p>", body="<p>Body.</p>")
    new = RenderedTexts(summary="<p>Short.</p>", body="<p>Body changed.</p>")
    fields = rendered_diff(old, new)
    assert [(f.label, f.changed) for f in fields] == [("Summary", False), ("Body", True)]


def test_paragraphs_inside_list_items_read_as_items():
    found = passages(html("- Sleep well\n\n- Drink water"))
    assert [p.kind for p in found] == ["item", "item"]
