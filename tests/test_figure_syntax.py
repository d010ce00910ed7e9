"""The figure syntax ``![alt](image:ID "caption")``: read and written the same way everywhere."""

from articles.content.figures import figure_markdown, figure_refs, image_ids


def test_round_trip_escapes_brackets_quotes_and_line_breaks():
    text = figure_markdown(7, "Knee [left] joint\nfront view", 'The "knee"')
    (ref,) = figure_refs(text)
    assert (ref.image_id, ref.alt, ref.caption) == (7, "Knee [left] joint front view", 'The "knee"')
    assert text[ref.start : ref.end] == text


def test_figures_in_fenced_code_are_examples_not_figures():
    text = '![a](image:1)\n\n```\n![b](image:2)\n```\n\n![c](image:3 "Cap")'
    assert [ref.image_id for ref in figure_refs(text)] == [1, 3]


def test_image_ids_each_once_in_order_of_first_use():
    assert image_ids("![x](image:5) ![y](image:2)", "![z](image:5) ![](image:9)") == [5, 2, 9]


def test_urls_and_malformed_ids_are_not_figures():
    assert figure_refs("![x](https://example.org/a.png) ![y](image:abc) ![z](image:)") == []
