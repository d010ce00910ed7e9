"""Word-level diffs shown to reviewers."""

from articles.diffing import diff_snapshots, word_diff


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
