"""The article history readers see lists versions newest first, numbered as the versions are.

A version the board sent back is never public, so the approved versions of an article can be
3 and 1: the list must not number them "2. Version 3, 1. Version 1".
"""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from articles.review import editing, workflow

from . import factories


class _HistoryList(HTMLParser):
    """The numbers a browser draws before each item of ``.history-list`` (None: no numbers), and each
    item's "Version N" link text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.kind, self.reversed, self.values, self.depth = None, False, [], 0
        self.links, self._in_link = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth == 0 and tag in ("ol", "ul") and "history-list" in (attrs.get("class") or "").split():
            self.kind, self.reversed, self.depth = tag, "reversed" in attrs, 1
        elif self.depth and tag in ("ol", "ul"):
            self.depth += 1
        elif self.depth == 1 and tag == "li":
            self.values.append(attrs.get("value"))
        elif self.depth == 1 and tag == "a":
            self._in_link = True

    def handle_endtag(self, tag):
        if self.depth and tag in ("ol", "ul"):
            self.depth -= 1
        elif tag == "a":
            self._in_link = False

    def handle_data(self, data):
        if self._in_link and data.startswith("Version"):
            self.links.append(int(re.search(r"\d+", data).group()))

    def markers(self) -> list | None:
        if self.kind != "ol":
            return None
        count, shown = len(self.values), []
        for i, value in enumerate(self.values):
            if value is not None:
                shown.append(int(value))
            elif shown:
                shown.append(shown[-1] - 1 if self.reversed else shown[-1] + 1)
            else:
                shown.append(count - i if self.reversed else i + 1)
        return shown


def history_list(html: str) -> _HistoryList:
    parser = _HistoryList()
    parser.feed(html)
    assert parser.kind, "no .history-list on the page"
    return parser


@pytest.fixture
def versions_3_and_1(author, reviewer, published):
    """Approved versions 1 and 3; version 2 sent back by the board, never public."""
    for sent_back in (True, False):
        published.refresh_from_db()
        published.body = f"Some text, edited {'once' if sent_back else 'twice'} [1]."
        editing.save_content(published, user=author, reason="Edited")
        workflow.submit(published, user=author, **factories.change_note_for(published))
        workflow.start_review(published, user=reviewer, revision=factories.under_decision("start_review", published))
        if sent_back:
            workflow.request_changes(
                published,
                user=reviewer,
                revision=factories.under_decision("request_changes", published),
                reason="clarity",
                comment="Clearer, please.",
            )
        else:
            workflow.approve(published, user=reviewer, revision=factories.under_decision("approve", published))
    published.refresh_from_db()
    assert published.published_revision.number == 3
    return published


def assert_newest_first_and_numbered_as_versions(parser):
    assert parser.links == [3, 1]
    # Either no numbers at all, or the versions' own: never a count that disagrees with them.
    assert parser.markers() in (None, parser.links), f"list numbers {parser.markers()} for versions {parser.links}"


def test_article_page_history_is_newest_first_and_numbered_as_the_versions(client, versions_3_and_1):
    html = client.get(versions_3_and_1.get_absolute_url()).content.decode()
    assert_newest_first_and_numbered_as_versions(history_list(html))


def test_a_withdrawn_articles_versions_are_numbered_as_the_versions(client, author, versions_3_and_1):
    workflow.archive(versions_3_and_1, user=author, reason="Superseded.")
    response = client.get(reverse("articles:detail", args=[versions_3_and_1.slug]))
    assert response.status_code == 410
    assert_newest_first_and_numbered_as_versions(history_list(response.content.decode()))
