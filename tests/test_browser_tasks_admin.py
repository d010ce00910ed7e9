"""The background jobs screen (failed and pending jobs, with their error) passes axe at 1280 and 390 px."""

import pytest

from .conftest import admin_login
from .test_browser_site import axe_violations
from .test_tasks import CALLS, always_fails, come_due, flaky, run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    CALLS.clear()


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_jobs_screen_shows_failures_with_their_error_and_passes_axe(
    chromium, live_server, superuser, viewport, screenshot_dir
):
    failed = always_fails.enqueue()
    run_worker()
    come_due(failed)
    run_worker()
    flaky.enqueue("later")
    run_worker()  # fails once: pending, with its next attempt and error
    width, height = viewport
    context = chromium.new_context(viewport={"width": width, "height": height}, is_mobile=width < 500)
    page = context.new_page()
    try:
        admin_login(page, live_server, "boss")
        problems = {}
        for name, path in {
            "list": "/admin/django_tasks_database/dbtaskresult/",
            "detail": f"/admin/django_tasks_database/dbtaskresult/{failed.id}/change/",
        }.items():
            page.goto(live_server.url + path)
            found = axe_violations(page)
            if found:
                problems[name] = found
            page.screenshot(path=screenshot_dir / f"admin-jobs-{name}-{width}.png", full_page=True)
        text = page.content()
        assert "ValueError: the payload is bad" in text
        page.goto(live_server.url + "/admin/django_tasks_database/dbtaskresult/")
        assert "stand-in down (call 1)" in page.content() and "1 of 3" in page.content()
        assert problems == {}, problems
    finally:
        context.close()
