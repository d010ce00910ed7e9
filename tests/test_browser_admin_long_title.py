"""Admin pages in a real browser at 1280 px and 390 px: a title that is one long word wraps
everywhere, and the bulk action confirmation page passes axe-core."""

from pathlib import Path

import pytest

from articles.review import editing, workflow

from . import factories
from .conftest import CHROMIUM, admin_login
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_WORD = ("Pneumonoultramicroscopicsilicovolcanoconiosis" * 3)[:120]
WIDTHS = [1280, 390]
SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"


@pytest.fixture
def shots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def sized_page(request, chromium):
    width = request.param
    options = {"viewport": {"width": width, "height": 900}}
    if width < 600:
        options.update(viewport={"width": width, "height": 844}, is_mobile=True, has_touch=True)
    context = chromium.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def long_titled(author, reviewer):
    """An article titled with one 120-character word, published, with an update under review."""
    article = factories.make_article(author=author, title=LONG_WORD, slug="long-word")
    factories.publish(article, author=author, reviewers=[reviewer])
    article.body = "Some new text [1]."
    editing.save_content(article, user=author, reason=LONG_WORD)
    workflow.submit(article, user=author, change_note="Wording.", change_kind="editorial")
    article.refresh_from_db()
    return article


def overflow(page):
    # Against the viewport asked for: a mobile browser widens window.innerWidth to fit wide content.
    return page.evaluate("document.documentElement.scrollWidth") - page.viewport_size["width"]


def boxes_overlap(a, b):
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_a_one_word_title_wraps_on_every_admin_page(sized_page, live_server, long_titled, reviewer, shots):
    page = sized_page
    width = page.viewport_size["width"]
    pages = {
        "change-form": f"/admin/articles/article/{long_titled.pk}/change/",
        "changelist": "/admin/articles/article/",
        "history": f"/admin/articles/article/{long_titled.pk}/history/",
        "review-queue": "/admin/articles/reviewqueueitem/",
        "review-screen": f"/admin/articles/reviewqueueitem/{long_titled.pk}/review/",
    }
    admin_login(page, live_server, reviewer.username)
    problems = {}
    for name, path in pages.items():
        page.goto(live_server.url + path)
        page.screenshot(path=shots / f"long-title-{name}-{width}.png", full_page=True)
        if (extra := overflow(page)) > 1:
            problems[name] = f"scrolls sideways by {extra}px"
        results = page.locator("#changelist .results")
        if width >= 1280 and results.count() and results.evaluate("e => e.scrollWidth > e.clientWidth + 1"):
            problems[f"{name} columns"] = "hidden behind the table's own scrollbar"
        if name in ("change-form", "history") and page.locator(".object-tools").count():
            tools = page.locator(".object-tools").first.bounding_box()
            headings = page.locator("#content > h1, #content > h2")
            for i in range(headings.count()):
                if boxes_overlap(headings.nth(i).bounding_box(), tools):
                    problems[f"{name} heading {i}"] = "runs under the object tools"
        if name == "change-form":
            # Read-only while the board has it: the title wraps inside its row, nothing clipped.
            value, row = page.locator(".field-title .readonly"), page.locator(".form-row.field-title")
            value_box, row_box = value.bounding_box(), row.bounding_box()
            if value_box["x"] + value_box["width"] > row_box["x"] + row_box["width"] + 1:
                problems["change-form title"] = "clipped at the right edge"
            if value.evaluate("e => e.scrollWidth > e.clientWidth + 1"):
                problems["change-form title"] = "wider than its box"
    assert problems == {}


def test_bulk_confirmation_page_has_no_axe_violations(sized_page, live_server, author, long_titled, shots):
    page = sized_page
    width = page.viewport_size["width"]
    factories.make_article(author=author, title="Looking after your feet", slug="feet")
    admin_login(page, live_server, author.username)
    page.goto(f"{live_server.url}/admin/articles/article/")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "archive_selected")
    page.click("button[name=index]")
    page.wait_for_selector(".bulk-articles")
    assert axe_violations(page) == []
    # Without a reason: the form names the missing field, and the page still passes.
    page.click("input[name=apply]")
    page.wait_for_selector(".errorlist")
    page.screenshot(path=shots / f"bulk-archive-confirm-{width}.png", full_page=True)
    assert overflow(page) <= 1
    assert axe_violations(page) == []


def test_changelist_columns_and_filter_screenshot(sized_page, live_server, author, long_titled, shots):
    page = sized_page
    width = page.viewport_size["width"]
    admin_login(page, live_server, author.username)
    page.goto(f"{live_server.url}/admin/articles/article/")
    page.screenshot(path=shots / f"changelist-{width}.png", full_page=True)
    assert page.locator("th.column-next_review").count() == 1
    assert overflow(page) <= 1
    if width >= 1280:
        # Every column fits beside the filters: nothing hidden behind the table's own scrollbar.
        assert page.locator("#changelist .results").evaluate("e => e.scrollWidth <= e.clientWidth + 1")


assert CHROMIUM  # the fixture in conftest skips where it is missing
