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


def test_renumbered_references_are_matched_by_source_not_by_number():
    """A citation moved earlier swaps [2] and [3]: each source shows as renumbered, not rewritten."""
    statin = ref(2, "Statin trial", doi="10.1000/statin")
    salt = ref(3, "Salt cohort", pmid="123456")
    old = snapshot(references=[ref(1), statin, salt])
    new = snapshot(references=[ref(1), {**salt, "number": 2}, {**statin, "number": 3, "year": 2021}])
    by_number = {r.number: r for r in diff_snapshots(old, new)["references"]}
    assert (by_number[2].status, by_number[2].title, by_number[2].old_number) == ("moved", "Salt cohort", 3)
    assert (by_number[3].status, by_number[3].old_number) == ("changed", 2)
    assert [name for name, _ in by_number[3].changes] == ["year"]  # not title, source, DOI...
    assert by_number[1].status == "unchanged" and not by_number[1].renumbered


def test_a_reference_edited_in_place_is_still_one_changed_row():
    """A new DOI under the same number is the same row edited, not one removed and one added."""
    old = snapshot(references=[ref(1, doi="10.1000/old")])
    new = snapshot(references=[ref(1, doi="10.1000/new")])
    (only,) = diff_snapshots(old, new)["references"]
    assert (only.status, [name for name, _ in only.changes]) == ("changed", ["doi"])


def test_the_review_screens_reference_list_says_renumbered():
    from django.template.loader import render_to_string

    from articles.review.diffing import ReferenceDiff

    html = render_to_string(
        "admin/articles/_reference_diff.html", {"ref": ReferenceDiff(3, "moved", "Salt <cohort>", [], 2)}
    )
    assert "[3]" in html and "was [2]" in html and "Salt &lt;cohort&gt;" in html


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


# --- Large updates: passages first, words only inside changed passages, within a budget ----

import html as html_module  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
from unittest.mock import patch  # noqa: E402

import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from articles.review import alignment, diffing  # noqa: E402
from articles.review.alignment import Budget  # noqa: E402
from articles.review.diffing import COARSE_NOTE, source_diff  # noqa: E402

WORDS = "rest water sleep tablets daily doctor pain fever the a of and to in is may can".split()


def paragraphs(count, words_each=60, seed=0):
    """Plain paragraphs from a small vocabulary (repetitive text is the hard case for difflib)."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(words_each)).capitalize() + "." for _ in range(count)]


def edited(paragraph, every=10):
    """``paragraph`` with every ``every``-th word replaced."""
    words = paragraph.split(" ")
    return " ".join("changed" if k % every == 5 else word for k, word in enumerate(words))


@pytest.fixture
def matchers(monkeypatch):
    """Every difflib matcher the diffs run (passages are aligned with its junk heuristic on,
    words compared with it off), to read what it compared and what it spent."""
    made = []
    real = alignment._Matcher

    def recording(a, b, *, autojunk, allowance):
        made.append(real(a, b, autojunk=autojunk, allowance=allowance))
        return made[-1]

    monkeypatch.setattr(alignment, "_Matcher", recording)
    return made


def word_matchers(made):
    return [m for m in made if not m.autojunk]


COUNT = 320  # paragraphs of 60 words: a body near the 100,000-character cap


def test_a_body_at_the_cap_is_compared_word_by_word_only_inside_changed_passages(matchers):
    old_paragraphs = paragraphs(COUNT)
    old = "\n\n".join(old_paragraphs)
    new = "\n\n".join(edited(p) for p in old_paragraphs)
    assert 90_000 < len(new) <= 100_000
    budget = Budget()
    text = source_diff(old, new, budget)
    words = word_matchers(matchers)
    # One comparison per changed paragraph, each within that paragraph (today: one of the
    # whole texts, 20,000 tokens against 20,000), all within the budget; one passage alignment.
    assert len(words) == COUNT
    assert max(max(len(m.a), len(m.b)) for m in words) <= 61
    assert sum(m.spent for m in words) == budget.spent <= alignment.WORD_BUDGET
    assert len(matchers) - len(words) <= 1
    assert budget.refused == 0 and "diff-coarse-note" not in text
    assert text.count("<ins>") == text.count("<del>") == COUNT * 6

    matchers.clear()
    budget = Budget()
    items = passage_diff(html(old), html(new), budget)
    words = word_matchers(matchers)
    assert len(words) == COUNT and max(max(len(m.a), len(m.b)) for m in words) <= 61
    assert budget.spent <= alignment.WORD_BUDGET and budget.refused == 0
    assert all(item.changed and "<ins>" in item.html and "<del>" in item.html for item in items)


def test_beyond_the_budget_a_passage_is_shown_removed_and_added_whole_with_a_note(matchers):
    # One 1,600-word paragraph edited throughout: tens of millions of word comparisons. The
    # comparison stops at its share of the budget; the short paragraph after it is still marked.
    long_old, short_old = paragraphs(1, words_each=1600)[0], "Rest and drink water."
    old, new = f"{long_old}\n\n{short_old}", f"{edited(long_old)}\n\nRest and drink more water."
    budget = Budget()
    text = source_diff(old, new, budget)
    assert budget.refused == 1 and budget.spent <= budget.limit
    stopped = next(m for m in matchers if len(m.a) > 1000)
    assert stopped.spent == stopped.allowance == budget.each
    assert f'<span class="diff-coarse-note">{COARSE_NOTE}</span>' in text
    assert '<del><span class="visually-hidden">[removed: </span>' + long_old[:40] in text
    assert '<ins><span class="visually-hidden">[added: </span>' + edited(long_old)[:40] in text
    assert 'drink <ins><span class="visually-hidden">[added: </span>more' in text

    items = passage_diff(html(old), html(new))
    assert [(item.changed, item.note, item.index) for item in items] == [
        (True, COARSE_NOTE, None),  # the old paragraph, removed whole, with the note
        (True, "", 0),  # the new one, added whole
        (True, "", 1),  # the short one, word by word
    ]
    assert str(items[0].html).startswith("<del>") and str(items[1].html).startswith("<ins>")
    assert "[added: </span>more" in str(items[2].html)

    fields = rendered_diff(RenderedTexts("", html(old)), RenderedTexts("", html(new)))
    assert [(f.label, f.coarse) for f in fields] == [("Body", 1)]
    assert diff_snapshots(snapshot(body=old), snapshot(body=new))["fields"][2].coarse == 1


def test_repetitive_words_stop_the_comparison_at_its_allowance(matchers):
    # difflib's worst case: minutes for 1,400 words of "a" against "a a x" (ten thousand times
    # what their lengths suggest); stopped at its allowance and shown whole.
    budget = Budget()
    text = word_diff("a " * 1400, "a a x " * 466, budget)
    assert budget.refused == 1 and [m.spent for m in matchers] == [budget.each]
    assert text.startswith("<del>") and "[added: </span>a a x a a x" in text


def test_an_edited_passage_is_paired_with_its_old_self_past_an_inserted_one():
    old_paragraphs = paragraphs(3, words_each=20, seed=3)
    new_paragraphs = ["A new opening paragraph about something else entirely."] + [edited(p) for p in old_paragraphs]
    items = passage_diff(html("\n\n".join(old_paragraphs)), html("\n\n".join(new_paragraphs)))
    # The inserted paragraph is added whole; each edited one marked word by word against its old
    # self (paired in order, as before, each would be compared with the paragraph before it).
    assert "[added: </span>A new opening" in str(items[0].html) and "<del>" not in str(items[0].html)
    for item, paragraph in zip(items[1:], old_paragraphs, strict=True):
        assert item.html.count("<ins>") == item.html.count("<del>") == 2
        assert paragraph.split(" ")[0] in item.html.split("<")[0]

    source = source_diff("\n\n".join(old_paragraphs), "\n\n".join(new_paragraphs))
    assert source.count("<ins>") == 1 + 3 * 2 and source.count("<del>") == 3 * 2


def test_a_paragraph_split_in_two_reads_as_a_line_break():
    assert source_diff("Rest well. Drink water.", "Rest well.\n\nDrink water.") == "Rest well.\n\nDrink water."


def test_thousands_of_repeated_passages_are_aligned_within_a_bound(matchers):
    old = "\n".join(["- rest", "- water"] * 2500)
    new = "\n".join(["- water", "- rest"] * 2500)
    text = source_diff(old, new)
    [lines] = matchers  # the alignment of lines; each pair of lines differs in one word
    assert lines.autojunk and lines.spent <= alignment.PASSAGE_MATCH_LIMIT
    assert text.count("<ins>") == text.count("<del>") == 5000


def _without(html_text, tag):
    """The text an HTML diff shows once ``tag`` marks (and their hidden labels) are dropped."""
    html_text = re.sub(r'<span class="(visually-hidden|diff-coarse-note)">.*?</span>', "", html_text)
    html_text = re.sub(rf"<{tag}>.*?</{tag}>", "", html_text, flags=re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", "", html_text))


PIECES = st.sampled_from(["rest", "water", "sleep", "Rest", "a", "the", ".", ",", "[1]", "<b>", "&", "-", "##"])
SPACES = st.sampled_from([" ", " ", " ", "\n", "\n\n", "  ", "\n- "])
TEXT = st.lists(st.tuples(PIECES, SPACES), max_size=60).map(lambda parts: "".join(p + s for p, s in parts))


def _squeezed(text):
    return re.sub(r"\s+", "", text)


@settings(max_examples=400, deadline=None)
@given(
    old=TEXT,
    new=TEXT,
    limit=st.sampled_from([0, 5, 50, 10**6]),
    # Every way through: changed lines compared as one text or paired (by resemblance, or in order).
    run_cost=st.sampled_from([0, diffing.SOURCE_RUN_COST]),
    cells=st.sampled_from([0, alignment.PAIR_CELLS]),
    matching=st.sampled_from([0, alignment.PASSAGE_MATCH_LIMIT]),
)
def test_the_source_diff_shows_the_new_text_and_every_old_word(old, new, limit, run_cost, cells, matching):
    with (
        patch.object(diffing, "SOURCE_RUN_COST", run_cost),
        patch.object(alignment, "PAIR_CELLS", cells),
        patch.object(alignment, "PASSAGE_MATCH_LIMIT", matching),
    ):
        text = source_diff(old, new, Budget(limit))
    # Without what was removed, the new text: exactly, spacing and line breaks included, but for
    # the spacing kept around removed words.
    shown = _without(text, "del")
    assert shown == new if "<del>" not in text else _squeezed(shown) == _squeezed(new)
    assert _squeezed(_without(text, "ins")) == _squeezed(old)
    assert "<b>" not in text


@settings(max_examples=100, deadline=None)
@given(old=TEXT, new=TEXT, limit=st.sampled_from([0, 5, 10**6]))
def test_the_word_diff_shows_the_new_text_and_every_old_word(old, new, limit):
    text = word_diff(old, new, Budget(limit))
    shown = _without(text, "del")
    assert shown == new if "<del>" not in text else _squeezed(shown) == _squeezed(new)
    assert _squeezed(_without(text, "ins")) == _squeezed(old)


def test_removed_passages_keep_their_own_lines():
    assert (
        source_diff("A.\n\nB.", "A.")
        == 'A.\n\n<del><span class="visually-hidden">[removed: </span>B.<span class="visually-hidden">]</span></del>'
    )
    assert source_diff("A.\n\nB.", "B.").startswith("<del>") and source_diff("A.\n\nB.", "B.").endswith("</del>\n\nB.")
