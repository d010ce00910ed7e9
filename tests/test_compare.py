"""Comparing any two versions of an article: who may, what the page shows, and bad input."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from articles.review import comparing, editing, workflow

from . import factories


def compare_url(article, query=""):
    return reverse("admin:articles_article_compare", args=[article.pk]) + query


def new_version(article, author, reviewer=None, *, send_back=False, **fields):
    """Edit ``article`` and submit it as a new version; ``send_back``: the board requests changes."""
    article.refresh_from_db()
    for name, value in fields.items():
        setattr(article, name, value)
    editing.save_content(article, user=author, reason="Edited")
    workflow.submit(article, user=author, **factories.change_note_for(article, note="Sharper advice."))
    if send_back:
        workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
        workflow.request_changes(
            article,
            user=reviewer,
            revision=factories.under_decision("request_changes", article),
            reason="clarity",
            comment="Say how much coffee.",
        )
    article.refresh_from_db()
    return article


@pytest.fixture
def three(author, reviewer, published):
    """Live version 1; version 2 sent back by the board; version 3 with the board, with a professional text."""
    new_version(published, author, reviewer, send_back=True, body="Some text, in moderation [1].")
    return new_version(
        published,
        author,
        title="Is coffee bad for your heart?",
        body="Some text, up to four cups a day [1].",
        professional_body="Moderate intake is not linked to arrhythmia [1].",
    )


@pytest.fixture
def board_client(client, second_reviewer):
    client.force_login(second_reviewer)
    return client


def page_text(response) -> str:
    return unescape(response.content.decode())


def words(response) -> str:
    """The page's text as read aloud: tags dropped (the hidden "[added: " labels kept), spaces squeezed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", response.content.decode())).split())


# --- What the page shows --------------------------------------------------------------


def test_any_two_versions_are_compared_as_readers_see_them(board_client, three):
    response = board_client.get(compare_url(three, "?from=2&to=3"))
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert (comparison.old.number, comparison.new.number) == (2, 3)
    html = words(response)
    # Not against the live version 1: version 2's words are the old side.
    assert "[removed: in moderation]" in html and "[added: up to four cups a day]" in html
    assert "[added: Is coffee bad for your heart?]" not in html  # the title diff marks words
    assert "Is coffee bad for [removed: you][added: your heart]?" in html
    # Both audiences: the professional text appears in version 3 only.
    assert "Professional body" in html and "(for healthcare professionals)" in html
    assert "arrhythmia" in html
    # "Expand all" keeps the pair compared.
    assert 'href="?from=2&amp;to=3&amp;expand=all#diff-heading"' in response.content.decode()


def test_the_page_shows_each_versions_state_author_decisions_and_change_note(board_client, three, reviewer):
    html = words(board_client.get(compare_url(three, "?from=1&to=2")))
    assert "From: version 1" in html and "To: version 2" in html
    assert "Live" in html and "Changes requested" in html
    assert "Sharper advice." in html  # version 2's change note
    assert "“Say how much coffee.”" in html  # the board's decision on version 2
    assert "by author" in html  # who submitted each


def test_the_markdown_source_can_be_compared_too(board_client, three):
    response = board_client.get(compare_url(three, "?from=1&to=3&diff=source"))
    assert response.status_code == 200
    html = page_text(response)
    assert 'aria-current="page">Markdown source' in html
    body = next(f for f in response.context["comparison"].source["fields"] if f.label == "Body")
    assert body.changed and "<ins>" in body.html and "[1]" in body.html


def test_without_a_pair_the_version_with_the_board_is_compared_with_the_live_one(board_client, three):
    comparison = board_client.get(compare_url(three)).context["comparison"]
    assert (comparison.old.number, comparison.new.number) == (1, 3)


def test_without_a_pair_and_nothing_with_the_board_the_newest_two_are_compared(board_client, author, reviewer, three):
    workflow.withdraw(three, user=author)
    comparison = board_client.get(compare_url(three)).context["comparison"]
    assert (comparison.old.number, comparison.new.number) == (2, 3)


def test_an_article_with_one_version_says_there_is_nothing_to_compare(board_client, published):
    response = board_client.get(compare_url(published))
    assert response.status_code == 200
    assert "only one version" in page_text(response)
    assert response.context["comparison"] is None


def test_a_pair_is_diffed_once_and_shared_with_the_review_screen(board_client, three, monkeypatch):
    from articles.review import diffing

    calls = []
    for name in ("diff_snapshots", "rendered_part"):
        real = getattr(diffing, name)
        monkeypatch.setattr(diffing, name, lambda *a, real=real, name=name, **o: calls.append(name) or real(*a, **o))
    # The review screen compares the version with the board with the live one: the same pair.
    board_client.get(reverse("admin:articles_reviewqueueitem_review", args=[three.pk]))
    assert calls
    calls.clear()
    assert board_client.get(compare_url(three, "?from=1&to=3")).status_code == 200
    assert board_client.get(compare_url(three, "?from=1&to=3&diff=source")).status_code == 200
    assert calls == []  # the same engine's cached diffs, not computed again
    board_client.get(compare_url(three, "?from=1&to=2"))
    assert calls  # another pair: computed


def test_queries_do_not_grow_with_the_number_of_versions(board_client, author, reviewer, three, count_queries):
    board_client.get("/admin/")  # a session's first admin request notes the session (staff sessions' index)
    with count_queries() as few:
        assert board_client.get(compare_url(three, "?from=1&to=3")).status_code == 200
    workflow.withdraw(three, user=author)
    for n in range(4, 9):
        new_version(three, author, body=f"Version {n} of the text [1].")
        if n < 8:
            workflow.withdraw(three, user=author)
    with count_queries() as many:
        assert board_client.get(compare_url(three, "?from=1&to=3")).status_code == 200
    assert many.count == few.count
    assert few.count <= 12


# --- Who may compare ------------------------------------------------------------------


def test_editors_may_compare(client, author, three):
    client.force_login(author)
    assert client.get(compare_url(three, "?from=1&to=2")).status_code == 200


def test_staff_without_rights_are_refused_and_learn_nothing(client, three):
    clerk = factories.UserFactory(is_staff=True)
    client.force_login(clerk)
    for article_id in (three.pk, 999_999):
        response = client.get(reverse("admin:articles_article_compare", args=[article_id]) + "?from=1&to=3")
        assert response.status_code == 403
        assert "coffee" not in response.content.decode().lower()


def test_readers_are_sent_to_sign_in_and_see_no_draft(client, three):
    response = client.get(compare_url(three, "?from=1&to=3"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert "four cups" not in response.content.decode()


def test_view_permission_alone_is_enough(client, three):
    viewer = factories.UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(viewer)
    assert client.get(compare_url(three, "?from=1&to=3")).status_code == 200


def test_an_unknown_article_is_a_404_for_those_who_may_compare(board_client):
    assert board_client.get(reverse("admin:articles_article_compare", args=[999_999])).status_code == 404


# --- Bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?from=two&to=3", "from", "The “From” version must be a version number, such as 2; “two” is not."),
        ("?from=1&to=3.5", "to", "The “To” version must be a version number, such as 2; “3.5” is not."),
        ("?from=-1&to=3", "from", "must be a version number"),
        ("?from=%C2%B2&to=3", "from", "must be a version number"),  # "²": a digit to str.isdigit()
        ("?from=1&to=99999999999999999999999", "to", "must be a version number"),
        ("?from=1&to=9", "to", "This article has no version 9 (its versions: 1, 2, 3)."),
        ("?from=0&to=2", "from", "This article has no version 0"),
        ("?from=2&to=2", "to", "Both sides are version 2: choose two different versions."),
        ("?from=1", "to", "Choose the “To” version."),
        ("?to=2", "from", "Choose the “From” version."),
    ],
)
def test_bad_input_is_a_400_naming_the_field_not_a_500(board_client, three, query, field, message):
    response = board_client.get(compare_url(three, query))
    assert response.status_code == 400
    assert response.context["comparison"] is None
    assert message in response.context["choice"].errors[field]
    html = page_text(response)
    assert message in html
    assert f'id="compare-{field}" name="{field}" aria-invalid="true"' in html  # the picker, to try again


def test_after_bad_input_the_picker_offers_a_pair_that_works(board_client, three):
    response = board_client.get(compare_url(three, "?from=two&to=3"))
    # The version asked for where it exists; the usual pair's other side where it did not.
    assert (response.context["selected_from"], response.context["selected_to"]) == (1, 3)
    assert '<option value="1" selected>' in response.content.decode()


def test_a_reversed_pair_is_swapped_and_said_so(board_client, three):
    response = board_client.get(compare_url(three, "?from=3&to=1"))
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert (comparison.old.number, comparison.new.number) == (1, 3)
    assert "Version 1 is the older one" in page_text(response)


def test_choose_checks_numbers_without_the_database():
    assert comparing.choose(None, None, numbers=[1, 2], default=(1, 2)).ready
    assert comparing.choose(" 2 ", "1", numbers=[1, 2]).notes
    assert not comparing.choose("1", "1", numbers=[1]).ready
    assert "none yet" in comparing.choose("1", "2", numbers=[]).errors["from"]


# --- Where it is offered --------------------------------------------------------------


def test_history_lists_versions_newest_first_with_compare_links(board_client, three):
    response = board_client.get(reverse("admin:articles_article_history", args=[three.pk]))
    html = response.content.decode()
    table = html[html.index('class="history-table version-table"') :]
    table = table[: table.index("</table>")]
    assert [int(n) for n in re.findall(r">Version (\d+)</a></th>", table)] == [3, 2, 1]
    url = compare_url(three)
    assert f'href="{url}?from=2&amp;to=3"' in table  # version 3 with the previous one
    assert f'href="{url}?from=1&amp;to=3"' in table  # ... and with the live one
    assert f'href="{url}?from=1&amp;to=2"' in table  # version 2 with the previous one, which is live
    # The picker, with the version with the board against the live one chosen.
    assert '<option value="1" selected>Version 1 · Live' in html
    assert '<option value="3" selected>Version 3 · Submitted' in html


def test_history_rows_that_submitted_a_version_link_to_its_comparisons(board_client, three):
    response = board_client.get(reverse("admin:articles_article_history", args=[three.pk]))
    records = {r.version_number: r for r in response.context["page_obj"] if getattr(r, "version_number", None)}
    assert sorted(records) == [1, 2, 3]
    url = compare_url(three)
    assert records[3].compare_links == [(f"{url}?from=2&to=3", 2, "previous"), (f"{url}?from=1&to=3", 1, "live")]
    assert records[2].compare_links == [(f"{url}?from=1&to=2", 1, "previous, live")]
    assert records[1].compare_links == []
    assert "Version 3 submitted: compare with" in page_text(response)


def test_review_screen_offers_the_picker(board_client, three):
    html = board_client.get(reverse("admin:articles_reviewqueueitem_review", args=[three.pk])).content.decode()
    assert f'action="{compare_url(three)}"' in html
    assert '<option value="3" selected>' in html


def test_control_characters_in_the_query_are_refused_not_a_500(board_client, three):
    assert board_client.get(compare_url(three, "?from=%00&to=3")).status_code == 400


def test_what_was_typed_is_escaped_in_the_message(board_client, three):
    response = board_client.get(compare_url(three, "?from=<script>x&to=3"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "<script>x" not in html and "&lt;script&gt;x" in html


def test_a_draft_never_submitted_has_nothing_to_compare_and_shows_no_text(board_client, author):
    draft = factories.make_article(author=author, body="Unsubmitted words [1].")
    response = board_client.get(compare_url(draft, "?from=1&to=2"))
    assert response.status_code == 400  # no versions 1 and 2: said, not a 500
    assert "no versions" in page_text(response) and "Unsubmitted words" not in page_text(response)
    history = board_client.get(reverse("admin:articles_article_history", args=[draft.pk]))
    assert history.status_code == 200 and "compare-picker" not in history.content.decode()
