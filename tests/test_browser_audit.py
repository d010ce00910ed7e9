"""The audit log, governance report and readers' data screens, and the question form's notice, in a browser:
axe-core (WCAG 2.2 AA) at 1280 and 390 px, with screenshots."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from articles.models import FollowUpQuestion, QuestionReply
from articles.operations import audit

from .conftest import _browser_page, admin_login
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots go beside the suite's others unless EDITORIAL_AUDIT_SHOTS names a folder.
ROOT = Path(__file__).resolve().parent.parent
SHOTS = Path(os.environ.get("EDITORIAL_AUDIT_SHOTS") or ROOT / "artifacts/screenshots")


@pytest.fixture
def logged(published, author, reviewer, superuser):
    author.user_permissions.add(Permission.objects.get(codename="view_article"))
    audit.record("auth.login_failed", username="dr.who")
    question = FollowUpQuestion.objects.create(
        article=published, question="Is decaf coffee different for my blood pressure?", email="jane@example.org"
    )
    QuestionReply.objects.create(
        question=question, body="It has far less caffeine.", sent_to="jane@example.org", sent_by=author, delivered=True
    )
    return published


@pytest.mark.parametrize("width", [1280, 390])
def test_audit_and_readers_data_screens_have_no_axe_violations(chromium, live_server, logged, width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    options = {"viewport": {"width": width, "height": 900}}
    if width < 600:
        options.update(is_mobile=True, has_touch=True)
    context, page = _browser_page(chromium, **options)
    problems = {}

    def check(name):
        found = axe_violations(page)
        if found:
            problems[name] = found
        page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)

    try:
        page.goto(f"{live_server.url}/articles/{logged.slug}/ask/")
        assert "Your data:" in page.content()
        check("question-form")
        page.goto(f"{live_server.url}/privacy/")
        check("privacy-notice")
        admin_login(page, live_server, "boss")
        page.goto(f"{live_server.url}/admin/articles/auditentry/")
        assert "workflow.approve" in page.content()
        check("audit-log")
        page.goto(f"{live_server.url}/admin/articles/auditentry/governance/")
        check("governance-report")
        page.goto(f"{live_server.url}/admin/articles/followupquestion/personal-data/")
        page.fill("#id_email", "jane@example.org")
        page.click("button[value=find]")
        page.wait_for_selector("text=Held about jane@example.org")
        check("readers-data-found")
        page.click("button[value=confirm]")
        page.wait_for_selector("text=Erase everything held about jane@example.org?")
        check("readers-data-erase")
        page.check("#id_confirm")
        page.click("button[value=erase]")
        page.wait_for_selector("text=Erased: 1 question, 1 reply")
        check("readers-data-erased")
    finally:
        context.close()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
