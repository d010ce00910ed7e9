"""The admin screens an editor and a reviewer use pass axe-core (WCAG 2.2 AA) at 1280 px and 390 px."""

import pytest

from articles.review import comments, editing, workflow

from . import factories
from .conftest import admin_login
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(author, reviewer, second_reviewer):
    """A draft, a live article with an update under review (with a passage comment), a published one."""
    draft = factories.make_article(author=author, title="Looking after your feet", slug="feet")
    live = factories.make_article(
        author=author, title="What causes gout?", slug="gout", body="## Causes\n\nUric acid [1]."
    )
    factories.publish(live, author=author, reviewers=[reviewer])
    live.body = "## Causes\n\nUric acid crystals [1]."
    editing.save_content(live, user=author, reason="Sharper")
    workflow.submit(live, user=author, change_note="Named the crystals.", change_kind="editorial")
    workflow.start_review(live, user=second_reviewer, revision=factories.under_decision("start_review", live))
    live.refresh_from_db()
    comments.add(
        live, live.pending_revision, user=second_reviewer, part="body", passage_index=1, text="Which crystals?"
    )
    return {"draft": draft, "live": live}


def screens(desk, role):
    draft, live = desk["draft"], desk["live"]
    common = {
        "dashboard": "/admin/",
        "changelist": "/admin/articles/article/",
        "history": f"/admin/articles/article/{live.pk}/history/",
    }
    if role == "author":
        return common | {
            "change-form": f"/admin/articles/article/{draft.pk}/change/",
            "add-form": "/admin/articles/article/add/",
        }
    return common | {
        "review-queue": "/admin/articles/reviewqueueitem/",
        "review-screen": f"/admin/articles/reviewqueueitem/{live.pk}/review/",
    }


@pytest.mark.parametrize("role", ["author", "second_reviewer"])
def test_admin_screens_have_no_axe_violations(page, phone_page, live_server, desk, role, screenshot_dir):
    problems = {}
    for browser_page in (page, phone_page):
        admin_login(browser_page, live_server, role)
        width = browser_page.viewport_size["width"]
        for name, path in screens(desk, role).items():
            browser_page.goto(live_server.url + path)
            found = axe_violations(browser_page)
            if found:
                problems[f"{width}px {name}"] = found
            browser_page.screenshot(path=screenshot_dir / f"admin-{role}-{name}-{width}.png", full_page=True)
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
