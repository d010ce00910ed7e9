"""Provenance in a real browser: the trust line after approval, confirmation and correction,
the withdrawal notice and an author page; screenshots, axe (WCAG 2.2 AA) and a clean console."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles.models import AuthorProfile
from articles.review import editing, workflow

from . import factories
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = "## What helps\n\nCutting down slowly avoids headaches [1].\n\n- Swap one cup a day [2]\n"


@pytest.fixture
def stories(author, other_editor, reviewer, second_reviewer):
    """Four articles, one per provenance story: approved, confirmed, corrected, withdrawn."""
    AuthorProfile.objects.create(
        user=author, display_name="Sam Rivera", slug="sam-rivera", role="Medical writer", bio="Writes about sleep."
    )
    reviewer.board_profile.conflicts_of_interest = ""
    reviewer.board_profile.no_conflicts = True
    reviewer.board_profile.save()
    articles = {}
    a_year_ago = timezone.now() - timedelta(days=400)
    with time_machine.travel(a_year_ago, tick=False):
        for slug, title in (
            ("approved", "Cutting down on caffeine"),
            ("confirmed", "Caffeine in pregnancy"),
            ("corrected", "How much caffeine is in tea?"),
            ("withdrawn", "Caffeine pills for exams"),
        ):
            article = factories.make_article(author=author, title=title, slug=slug, body=BODY, references=2)
            articles[slug] = factories.publish(article, author=author, reviewers=[reviewer])
    workflow.claim(
        articles["confirmed"], user=second_reviewer, revision=factories.under_decision("claim", articles["confirmed"])
    )
    workflow.confirm_current(
        articles["confirmed"],
        user=second_reviewer,
        revision=factories.under_decision("confirm_current", articles["confirmed"]),
        conflicts="Advises a tea importer.",
    )
    corrected = articles["corrected"]
    corrected.body = BODY.replace("[1].", "[1]. A mug of tea has about half the caffeine of a mug of coffee.")
    editing.save_content(corrected, user=other_editor)
    workflow.submit(
        corrected, user=other_editor, change_kind="correction", change_note="The caffeine in tea was overstated."
    )
    workflow.start_review(corrected, user=second_reviewer, revision=factories.under_decision("start_review", corrected))
    workflow.approve(corrected, user=second_reviewer, revision=factories.under_decision("approve", corrected))
    workflow.archive(
        articles["withdrawn"],
        user=author,
        reason="Caffeine pills are not advice we can give; see our article on cutting down.",
        replacement=articles["approved"],
    )
    return articles


PAGES = {
    "trust-approved": "/articles/approved/",
    "trust-confirmed": "/articles/confirmed/",
    "trust-correction": "/articles/corrected/",
    "withdrawn": "/articles/withdrawn/",
    "withdrawn-version": "/articles/withdrawn/v/1/",
    "author": "/authors/sam-rivera/",
}


def test_provenance_pages_read_well_and_pass_axe(page, phone_page, live_server, stories, screenshot_dir):
    problems, console = {}, []
    for browser_page in (page, phone_page):
        browser_page.on("console", lambda message: message.type == "error" and console.append(message.text))
        width = browser_page.viewport_size["width"]
        for name, path in PAGES.items():
            response = browser_page.goto(live_server.url + path)
            assert response.status == (410 if name == "withdrawn" else 200), path
            found = axe_violations(browser_page)
            if found:
                problems[f"{width}px {path}"] = found
            device = "phone" if width < 600 else "desktop"
            target = browser_page.locator(".trust").first if name.startswith("trust") else None
            if target is not None and device == "desktop":
                target.screenshot(path=screenshot_dir / f"provenance-{name}.png")
            else:
                browser_page.screenshot(path=screenshot_dir / f"provenance-{name}-{device}.png", full_page=True)
    assert problems == {}
    # The 410 page logs "Failed to load resource" for its own status; nothing else may be an error.
    assert [text for text in console if "410" not in text] == []


def test_trust_lines_say_who_did_what(page, live_server, stories, reviewer, second_reviewer):
    page.goto(f"{live_server.url}/articles/confirmed/")
    trust = page.locator(".trust")
    approved = trust.locator(".trust-reviewers")
    confirmed = trust.locator(".trust-confirmed")
    assert reviewer.board_profile.display_name in approved.inner_text()
    assert second_reviewer.board_profile.display_name not in approved.inner_text()
    assert second_reviewer.board_profile.display_name in confirmed.inner_text()
    assert "declared for this article: Advises a tea importer." in confirmed.inner_text()
    assert "Written by Sam Rivera (Medical writer)" in trust.locator(".byline").inner_text()

    page.goto(f"{live_server.url}/articles/corrected/")
    banner = page.locator(".banner-correction")
    assert "The caffeine in tea was overstated." in banner.inner_text()
    # The correction sits above the title, where a returning reader looks first.
    assert banner.bounding_box()["y"] < page.locator("h1").bounding_box()["y"]
    assert "Sam Rivera" in page.locator(".byline").inner_text()
    assert "the editorial team" in page.locator(".byline").inner_text()

    page.goto(f"{live_server.url}/articles/withdrawn/")
    page.get_by_role("link", name="Cutting down on caffeine").click()
    page.wait_for_url(f"{live_server.url}/articles/approved/")
