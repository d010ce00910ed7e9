"""Oversized and malformed input in the admin gets a form error naming the field; never a 500.

None of it reaches the Markdown parser: the limits are checked first, in linear time. How long
each refusal takes is measured by benchmarks/hostile_input.py, not asserted here.
"""

import pytest

from articles.content.rendering import MAX_MARKDOWN_CHARS

from .test_concurrency import change_url, form_data

NESTED_LISTS = "- " * 10_000 + "x"
NESTED_QUOTES = "> " * 10_000 + "x"
HOSTILE = [
    ("body", "x" * 10_000_000, "body"),
    ("title", "A" * 100_000, "title"),
    ("title", "Null\x00byte", "title"),
    ("body", "Text with a null \x00 byte [1].", "body"),
    ("body", NESTED_LISTS, "body"),
    ("professional_body", NESTED_QUOTES, "professional_body"),
    ("body", "[" * 200_000, "body"),
    ("summary", "*" * 10_000, "summary"),
]


@pytest.mark.parametrize(
    ("field", "value", "error_field"),
    HOSTILE,
    ids=[
        "10MB-body",
        "100k-title",
        "nul-title",
        "nul-body",
        "10000-list-levels",
        "10000-quote-levels",
        "200k-brackets",
        "10k-stars",
    ],
)
def test_hostile_input_gets_a_form_error_without_being_parsed(
    client, draft, author, field, value, error_field, markdown_parses
):
    client.force_login(author)
    form = client.get(change_url(draft))
    markdown_parses.clear()
    response = client.post(change_url(draft), form_data(form, **{field: value}))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.get(error_field), response.context["adminform"].form.errors
    # The form page shows the draft's stored text again, never the hostile one.
    assert not [source for source in markdown_parses if value in source]
    assert max(map(len, markdown_parses), default=0) <= MAX_MARKDOWN_CHARS
    draft.refresh_from_db()
    assert getattr(draft, field) != value  # nothing was saved


def test_oversized_public_post_is_refused_before_it_is_read(client, published):
    response = client.post("/articles/coffee/ask/", {"question": "x" * 100_000})
    assert response.status_code == 413


def test_a_normal_question_is_well_under_the_public_limit(client, published):
    response = client.post("/articles/coffee/ask/", {"question": "Is decaf different? " * 50})
    assert response.status_code in (200, 302)
