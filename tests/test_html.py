"""Every public page is well-formed HTML5 (parsed strictly, as a validator would)."""

import html5lib
import pytest

from articles.models import FollowUpQuestion
from articles.review import editing, workflow

from . import factories


@pytest.fixture
def site(author, reviewer):
    article = factories.make_article(
        author=author,
        slug="gout",
        body="## From the Guidelines\n\nTreat early [1].\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        professional_summary="Pro.",
        professional_body="Pro text [1].",
    )
    factories.publish(article, author=author, reviewers=[reviewer])
    article.body = "Update [1]."
    editing.save_content(article, user=author)
    workflow.submit(article, user=author, **factories.change_note_for(article))
    return article


PAGES = [
    "/",
    "/?q=gout",
    "/articles/gout/",
    "/articles/gout/professional/",
    "/articles/gout/v/1/",
    "/articles/gout/ask/",
    "/articles/gout/ask/thanks/",
    "/board/",
    "/editorial-policy/",
    "/no-such-page/",
]


@pytest.mark.parametrize("path", PAGES)
def test_public_page_parses_without_html_errors(client, site, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(response.content)  # raises ParseError on the first error
    assert parser.errors == []


def test_topic_page_parses_without_html_errors(client, site):
    html5lib.HTMLParser(strict=True).parse(client.get(site.specialty.get_absolute_url()).content)


def test_question_form_with_errors_parses_without_html_errors(client, site):
    response = client.post("/articles/gout/ask/", {"question": "x"})
    html5lib.HTMLParser(strict=True).parse(response.content)
    assert FollowUpQuestion.objects.count() == 0
