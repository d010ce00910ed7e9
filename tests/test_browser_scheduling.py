"""The scheduling fields and the review screen's timing pass axe-core at 1280 and 390 px; screenshots kept."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from articles.review import editing, workflow

from . import factories
from .conftest import _browser_page, admin_login
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(
    os.environ.get("EDITORIAL_SCHEDULING_SHOTS", Path(__file__).resolve().parent.parent / "artifacts" / "screenshots")
)


@pytest.fixture
def narrow_page(chromium):
    context, page = _browser_page(chromium, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield page
    context.close()


@pytest.fixture
def timed(author, reviewer, second_reviewer):
    """An embargoed version under review, a live article with an update scheduled, one with an end date."""
    now = timezone.now()
    embargoed = factories.make_article(author=author, title="What a new migraine study found", slug="study")
    embargoed.not_before = embargoed.requested_go_live_at = now + timedelta(days=5)
    editing.save_content(embargoed, user=author, reason="Journal embargo")
    workflow.submit(embargoed, user=author)
    workflow.start_review(embargoed, user=reviewer, revision=factories.under_decision("start_review", embargoed))

    live = factories.publish(
        factories.make_article(author=author, title="Caring for your feet", slug="feet"),
        author=author,
        reviewers=[reviewer],
    )
    live.body = "Updated foot care advice [1]."
    editing.save_content(live, user=author, reason="Update")
    workflow.submit(live, user=author, change_note="Added advice.", change_kind="clinical")
    workflow.start_review(live, user=reviewer, revision=factories.under_decision("start_review", live))
    workflow.approve(
        live, user=reviewer, revision=factories.under_decision("approve", live), go_live_at=now + timedelta(days=3)
    )

    seasonal = factories.make_article(author=author, title="Flu vaccine this winter", slug="flu")
    seasonal.ends_at, seasonal.end_reason = now + timedelta(days=10), "The season has ended."
    editing.save_content(seasonal, user=author)
    factories.publish(seasonal, author=author, reviewers=[reviewer])

    draft = factories.make_article(author=author, title="A draft with timing", slug="draft")
    return {"embargoed": embargoed, "live": live, "seasonal": seasonal, "draft": draft}


def test_scheduling_screens_have_no_axe_violations(page, narrow_page, live_server, timed, settings):
    SHOTS.mkdir(parents=True, exist_ok=True)
    screens = {
        "second_reviewer": {
            "queue": "/admin/articles/reviewqueueitem/",
            "review-embargoed": f"/admin/articles/reviewqueueitem/{timed['embargoed'].pk}/review/#decision",
            "review-scheduled": f"/admin/articles/reviewqueueitem/{timed['live'].pk}/review/#decision",
            "review-ending": f"/admin/articles/reviewqueueitem/{timed['seasonal'].pk}/review/#decision",
        },
        "author": {"change-form-timing": f"/admin/articles/article/{timed['draft'].pk}/change/"},
    }
    problems = {}
    for browser_page in (page, narrow_page):
        width = browser_page.viewport_size["width"]
        for role, paths in screens.items():
            browser_page.context.clear_cookies()
            admin_login(browser_page, live_server, role)
            for name, path in paths.items():
                browser_page.goto(live_server.url + path)
                if name == "change-form-timing":
                    browser_page.locator("#id_not_before").scroll_into_view_if_needed()
                found = axe_violations(browser_page)
                if found:
                    problems[f"{width}px {name}"] = found
                browser_page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=name == "queue")
                if name.startswith("review-"):
                    browser_page.locator("#decision").screenshot(path=SHOTS / f"{name}-decision-{width}.png")
                    browser_page.locator("#summary-heading").scroll_into_view_if_needed()
                    browser_page.screenshot(path=SHOTS / f"{name}-summary-{width}.png")
                if name == "change-form-timing":
                    browser_page.locator("fieldset:has(#id_not_before)").screenshot(
                        path=SHOTS / f"{name}-fields-{width}.png"
                    )
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
