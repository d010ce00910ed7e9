"""The public article page in a real browser (Debian's chromium through Playwright)."""

import pytest

from . import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = "## From the Guidelines\n\nFirst claim [2].\n\n## From the Research\n\n- A finding [1]\n- Another [2]\n"


@pytest.fixture
def live_article(author, reviewer):
    article = factories.make_article(author=author, slug="headaches", body=BODY, references=2)
    return factories.publish(article, author=author, reviewers=[reviewer])


def test_reader_follows_a_citation_to_its_reference_and_back(page, live_server, live_article, screenshot_dir):
    page.goto(f"{live_server.url}/articles/headaches/")
    assert page.locator("h1").inner_text() == "What causes headaches?"
    page.locator("sup.citation a").first.click()
    page.wait_for_url("**#ref-1")
    target = page.locator("#ref-1")
    assert "A study" in target.inner_text()
    target.locator(".backlinks a").first.click()
    page.wait_for_url("**#cite-1-1")
    page.screenshot(path=screenshot_dir / "article-desktop.png", full_page=True)


def test_article_page_fits_a_phone_screen(phone_page, live_server, live_article, screenshot_dir):
    phone_page.goto(f"{live_server.url}/articles/headaches/")
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert phone_page.locator(".trust").is_visible()
    phone_page.screenshot(path=screenshot_dir / "article-phone.png", full_page=True)


def test_unapproved_article_is_not_found_in_the_browser(page, live_server, author):
    factories.make_article(author=author, slug="draft-only", title="Hidden draft")
    response = page.goto(f"{live_server.url}/articles/draft-only/")
    assert response.status == 404
    assert "Hidden draft" not in page.content()
