"""No page breaks under the Content-Security-Policy: no violation in the browser console."""

import pytest

from articles.review import editing, workflow

from . import factories
from .conftest import admin_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_and_admin_pages_raise_no_policy_violation(page, live_server, author, reviewer):
    article = factories.make_article(author=author, slug="csp", body="## Section\n\nText [1].")
    factories.publish(article, author=author, reviewers=[reviewer])
    article.body = "## Section\n\nNew text [1]."
    editing.save_content(article, user=author)
    workflow.submit(article, user=author, **factories.change_note_for(article))

    violations = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and violations.append(f"{page.url}: {message.text}"),
    )
    page.on("pageerror", lambda error: violations.append(str(error)))
    for path in ("/", "/articles/csp/", "/articles/csp/professional/", "/board/", "/admin/login/"):
        page.goto(f"{live_server.url}{path}")
    admin_login(page, live_server, "reviewer")
    for path in (
        "/admin/",
        "/admin/articles/reviewqueueitem/",
        f"/admin/articles/reviewqueueitem/{article.pk}/review/",
        f"/admin/articles/article/{article.pk}/change/",
        f"/admin/articles/article/{article.pk}/history/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    assert violations == []
