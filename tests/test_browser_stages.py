"""Review stages in the browser: the workflow editor, the queue, the review screen and the article
form's flags pass axe-core at 1280 px and 390 px (screenshots kept for a look)."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from articles.models import ArticleFlag
from articles.review import editing, workflow

from . import factories
from .conftest import _browser_page, admin_login
from .test_browser_site import axe_violations
from .test_stages import flagged_article, make_two_stage_workflow, pharmacist_user, start_and_approve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(
    os.environ.get("EDITORIAL_STAGE_SHOTS", Path(__file__).resolve().parent.parent / "artifacts" / "screenshots")
)


def test_stage_screens_have_no_axe_violations(chromium, live_server, superuser, reviewer, second_reviewer, author):
    pharmacists = Group.objects.create(name="Pharmacists")
    medicines = ArticleFlag.objects.create(name="Mentions medicines", slug="mentions-medicines")
    flow = make_two_stage_workflow(pharmacists=pharmacists, flag=medicines)
    pharmacist_user("pharmacist", pharmacists)
    waiting = flagged_article(author, slug="ibuprofen")
    workflow.submit(waiting, user=author)
    start_and_approve(waiting, reviewer)  # through the clinical review: waits for a pharmacist
    draft = factories.make_article(author=author, title="Is paracetamol safe with a cold?", slug="paracetamol")
    draft.flags = ["mentions-medicines"]
    editing.save_content(draft, user=author)
    screens = {
        "boss": {
            "workflow-editor": f"/admin/articles/workflow/{flow.pk}/change/",
            "queue": "/admin/articles/reviewqueueitem/",
        },
        "pharmacist": {
            "queue-mine": "/admin/articles/reviewqueueitem/?stage=mine",
            "review-screen": f"/admin/articles/reviewqueueitem/{waiting.pk}/review/",
        },
        "second_reviewer": {"review-screen-refused": f"/admin/articles/reviewqueueitem/{waiting.pk}/review/"},
        "author": {"article-flags": f"/admin/articles/article/{draft.pk}/change/"},
    }
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for width in (1280, 390):
        for username, pages in screens.items():
            context, page = _browser_page(chromium, viewport={"width": width, "height": 900})
            admin_login(page, live_server, username)
            for name, path in pages.items():
                page.goto(live_server.url + path)
                found = axe_violations(page)
                if found:
                    problems[f"{width}px {name}"] = found
                page.screenshot(path=SHOTS / f"stages-{name}-{width}.png", full_page=True)
            context.close()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
