"""The editorial checks in a real browser: beside the live preview, updated with it, and on the
review screen for the version under review; at 1280 and 390 px, with no axe violations."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from articles.content import checks
from articles.review import workflow

from . import factories
from .conftest import _browser_page, admin_login
from .test_browser_editor import preview_settled
from .test_browser_site import axe_violations
from .test_editorial_checks import GRADE_12, HARDEST, PLAIN, UNCITED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _graded_once():
    """Load the pronouncing dictionary before the page asks (the WSGI module does it in production)."""
    checks.warm_up()


SHOTS = Path("/work/wt/shots/checks24") if Path("/work/wt/shots").is_dir() else None


def shot(page, screenshot_dir, name):
    for folder in filter(None, (SHOTS, screenshot_dir)):
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=folder / name, full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_checks_panel_updates_with_the_preview(chromium, live_server, author, screenshot_dir, width):
    article = factories.make_article(
        author=author, title="Heart failure medicines", body=GRADE_12 + "\n\n" + UNCITED, references=0
    )
    context, page = _browser_page(chromium, viewport={"width": width, "height": 900})
    try:
        admin_login(page, live_server, "author")
        page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
        preview_settled(page)
        panel = page.locator("[data-preview='patient'] [data-checks-panel] .editorial-checks")
        expect(panel).to_contain_text("above the target")
        expect(panel.locator(".checks-hardest li").first).to_contain_text(HARDEST)
        expect(panel.locator(".checks-warn", has_text=UNCITED)).to_have_count(1)
        # Not inside the preview frame: the reader's page shows none of it.
        frame = page.frame_locator("[data-preview='patient'] iframe.md-preview-frame")
        expect(frame.locator(".editorial-checks")).to_have_count(0)
        panel.scroll_into_view_if_needed()
        shot(page, screenshot_dir, f"editor-checks-{width}.png")
        assert axe_violations(page) == []

        page.fill("#id_body", PLAIN + " Take 500 mg twice a day [1].")
        expect(panel).to_contain_text("Nothing flagged")
        expect(panel).not_to_contain_text("above the target")
        preview_settled(page)
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_review_screen_shows_the_checks_of_the_version(
    chromium, live_server, author, reviewer, screenshot_dir, width
):
    article = factories.make_article(
        author=author, title="Heart failure medicines", body=GRADE_12 + "\n\n" + UNCITED, references=0
    )
    workflow.submit(article, user=author)
    context, page = _browser_page(chromium, viewport={"width": width, "height": 900})
    try:
        admin_login(page, live_server, "reviewer")
        page.goto(f"{live_server.url}/admin/articles/reviewqueueitem/{article.pk}/review/")
        panel = page.locator(".editorial-checks")
        expect(panel.get_by_role("heading", name="Editorial checks of version 1")).to_be_visible()
        expect(panel).to_contain_text(HARDEST)
        expect(panel).to_contain_text(UNCITED)
        panel.scroll_into_view_if_needed()
        shot(page, screenshot_dir, f"review-checks-{width}.png")
        assert axe_violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_checklist_admin_page(chromium, live_server, superuser, screenshot_dir, width):
    context, page = _browser_page(chromium, viewport={"width": width, "height": 900})
    try:
        admin_login(page, live_server, "boss")
        page.goto(f"{live_server.url}/admin/articles/checklist/")
        expect(page.get_by_text("every check a warning, none blocking")).to_be_visible()
        expect(page.get_by_role("radio", name="Warning").first).to_be_checked()
        shot(page, screenshot_dir, f"checklist-{width}.png")
        assert axe_violations(page) == []
    finally:
        context.close()
