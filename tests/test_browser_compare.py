"""Comparing two versions from the history page, in a real browser (Debian's chromium), with axe."""

import pytest
from playwright.sync_api import expect

from . import factories
from .conftest import admin_login
from .test_browser_site import axe_violations
from .test_compare import new_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def three(author, reviewer):
    """Live version 1; version 2 sent back; version 3 with the board, with a professional text."""
    article = factories.make_article(
        author=author, title="Is coffee bad for you?", slug="coffee", body="## Daily use\n\nSome text [1]."
    )
    factories.publish(article, author=author, reviewers=[reviewer])
    new_version(article, author, reviewer, send_back=True, body="## Daily use\n\nSome text, in moderation [1].")
    return new_version(
        article,
        author,
        title="Is coffee bad for your heart?",
        body="## Daily use\n\nSome text, up to four cups a day [1].\n\n- Less in pregnancy",
        professional_body="Moderate intake is not linked to arrhythmia [1].",
    )


def history_path(article):
    return f"/admin/articles/article/{article.pk}/history/"


def test_reviewer_picks_two_versions_on_the_history_page_and_reads_the_diff(
    page, live_server, three, second_reviewer, screenshot_dir
):
    admin_login(page, live_server, second_reviewer.username)
    page.goto(live_server.url + history_path(three))
    versions = page.locator(".version-table tbody th")
    expect(versions).to_have_text(["Version 3", "Version 2", "Version 1"])  # newest first
    page.get_by_label("From (older)").select_option("2")
    page.get_by_label("To (newer)").select_option("3")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/compare/?from=2&to=3")
    expect(page.get_by_role("heading", name="What changed from version 2 to version 3")).to_be_visible()
    body = page.locator(".rendered-diff", has=page.locator("h3", has_text="Body"))
    expect(body.locator("del")).to_contain_text(["in moderation"])
    expect(body.locator("ins").first).to_contain_text("up to four cups a day")
    expect(page.locator(".compare-version")).to_have_count(2)
    expect(page.locator(".compare-version").nth(0)).to_contain_text("Changes requested")
    expect(page.locator(".compare-version").nth(1)).to_contain_text("Submitted")
    professional = page.locator(".rendered-diff", has=page.locator("h3", has_text="Professional body"))
    expect(professional.locator("ins")).to_contain_text("arrhythmia")
    # The picker keeps the pair, to adjust it.
    expect(page.get_by_label("From (older)")).to_have_value("2")
    expect(page.get_by_label("To (newer)")).to_have_value("3")
    page.screenshot(path=screenshot_dir / "compare-two-versions-1280.png", full_page=True)

    page.get_by_role("link", name="Markdown source").click()
    page.wait_for_url("**diff=source**")
    heading = page.get_by_role("heading", name="Body", exact=True)
    source = page.locator(".diff-changed", has=heading).locator(".diff-text")
    expect(source).to_contain_text("## Daily use")


def test_history_rows_link_to_compare_with_the_previous_and_the_live_version(page, live_server, three, author):
    admin_login(page, live_server, author.username)
    page.goto(live_server.url + history_path(three))
    row = page.locator("#change-history tr", has_text="Version 3 submitted")
    row.get_by_role("link", name="version 1 (version 3 against the live one)").click()
    page.wait_for_url("**/compare/?from=1&to=3")
    expect(page.get_by_role("heading", name="What changed from version 1 to version 3")).to_be_visible()


def test_compare_page_fits_a_phone(phone_page, live_server, three, second_reviewer, screenshot_dir):
    phone_page.set_viewport_size({"width": 390, "height": 844})
    admin_login(phone_page, live_server, second_reviewer.username)
    phone_page.goto(f"{live_server.url}/admin/articles/article/{three.pk}/compare/?from=1&to=3")
    expect(phone_page.locator(".rendered-diff .rd-changed").first).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.screenshot(path=screenshot_dir / "compare-two-versions-390.png", full_page=True)


def test_compare_and_history_pages_have_no_axe_violations(page, phone_page, live_server, three, second_reviewer):
    paths = {
        "compare": f"/admin/articles/article/{three.pk}/compare/?from=1&to=3",
        "compare-source": f"/admin/articles/article/{three.pk}/compare/?from=1&to=3&diff=source",
        "compare-bad-input": f"/admin/articles/article/{three.pk}/compare/?from=x&to=3",
        "history": history_path(three),
        "review-screen": f"/admin/articles/reviewqueueitem/{three.pk}/review/",
    }
    phone_page.set_viewport_size({"width": 390, "height": 844})
    problems = {}
    for browser_page in (page, phone_page):
        admin_login(browser_page, live_server, second_reviewer.username)
        for name, path in paths.items():
            browser_page.goto(live_server.url + path)
            found = axe_violations(browser_page)
            if found:
                problems[f"{browser_page.viewport_size['width']}px {name}"] = found
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
