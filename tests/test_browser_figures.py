"""Figures in a real browser: the public page at 1280 and 390 px, and the review screen's image diff."""

import time
from pathlib import Path

import pytest
from django.urls import reverse

from articles.content.figures import figure_markdown
from articles.models import Image
from articles.models import images as library
from articles.review import editing, workflow

from . import factories
from .conftest import _browser_page, admin_login
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_IMAGES = Path(__file__).resolve().parent.parent / "articles" / "demo" / "images"
# Where a helper's screenshots go for the integrator, when run on the shared machine.
shots = Path("/work/wt/shots/img20render")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def narrow_page(chromium):
    context, page = _browser_page(chromium, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield page
    context.close()


def wait_until(page, images: str, timeout: float = 10) -> None:
    """Wait until every image ``images`` selects has loaded (polled: the site's CSP forbids eval)."""
    script = f"[...document.querySelectorAll({images!r})].every(i => i.complete && i.naturalWidth > 0)"
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"{images} did not load"
        page.wait_for_timeout(100)


def demo_image(name, **fields) -> Image:
    blob = library.store(library.check_upload(name, (DEMO_IMAGES / name).read_bytes()))
    return Image.objects.create(file=blob, licence="own-work", **fields)


@pytest.fixture
def illustrated(author, reviewer):
    feet = demo_image(
        "foot-check-areas.png",
        title="Feet",
        alt_text="Drawing of the soles of both feet with the places to check marked.",
        credit="Drawing: Reviewed Health",
    )
    chart = demo_image(
        "blood-pressure-categories.png",
        title="Chart",
        alt_text="Bar chart of systolic readings in each category.",
        credit="Chart: Reviewed Health",
    )
    body = (
        "## Everyday care\n\nCheck your feet every day [1].\n\n"
        + figure_markdown(feet.pk, feet.alt_text, "Check these places every day.")
        + "\n\n## Blood pressure\n\nKeep it in range.\n\n"
        + figure_markdown(chart.pk, chart.alt_text, "Typical systolic readings in each category.")
        + "\n\nMore text after the figures.\n"
    )
    article = factories.make_article(author=author, slug="feet", title="Looking after your feet", body=body)
    return factories.publish(article, author=author, reviewers=[reviewer]), feet, chart


def test_public_figures_load_keep_their_size_and_pass_axe(page, narrow_page, live_server, illustrated, screenshot_dir):
    for browser_page in (page, narrow_page):
        width = browser_page.viewport_size["width"]
        browser_page.goto(f"{live_server.url}/articles/feet/")
        images = browser_page.locator("figure.figure img")
        assert images.count() == 2
        browser_page.locator("figure.figure").last.scroll_into_view_if_needed()
        wait_until(browser_page, "figure.figure img")
        sources = browser_page.evaluate("[...document.querySelectorAll('figure.figure img')].map(i => i.currentSrc)")
        assert all(src.endswith(".webp") for src in sources), sources
        box = images.first.bounding_box()
        assert box["width"] <= width and abs(box["width"] / box["height"] - 1200 / 700) < 0.02
        overflow = browser_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        assert (
            "Drawing: Reviewed Health · Own work" in browser_page.locator("figure.figure figcaption").first.inner_text()
        )
        assert axe_violations(browser_page) == []
        browser_page.locator("figure.figure").first.scroll_into_view_if_needed()
        for folder in (screenshot_dir, shots):
            if folder.exists():
                browser_page.screenshot(path=folder / f"public-figure-{width}.png", full_page=False)


def test_review_screen_shows_the_image_diff(page, narrow_page, live_server, illustrated, author, screenshot_dir):
    article, feet, chart = illustrated
    article.body = article.body.replace("Check these places every day.", "Check each of these places every day.")
    article.body = article.body.replace(
        figure_markdown(chart.pk, chart.alt_text, "Typical systolic readings in each category."), ""
    )
    editing.save_content(article, user=author, reason="Figures")
    feet.file = library.store(
        library.check_upload("inhaler-with-spacer.png", (DEMO_IMAGES / "inhaler-with-spacer.png").read_bytes())
    )
    feet.credit = "Drawing: A. N. Other"
    feet.save()
    workflow.submit(article, user=author, **factories.change_note_for(article))
    for browser_page in (page, narrow_page):
        admin_login(browser_page, live_server, "reviewer")
        browser_page.goto(live_server.url + reverse("admin:articles_reviewqueueitem_review", args=[article.pk]))
        section = browser_page.locator(".figure-diff")
        assert section.locator(".figure-changed").count() == 1 and section.locator(".figure-removed").count() == 1
        assert "new image file" in section.inner_text()
        section.scroll_into_view_if_needed()
        wait_until(browser_page, ".figure-diff img")
        assert axe_violations(browser_page) == []
        width = browser_page.viewport_size["width"]
        for folder in (screenshot_dir, shots):
            if folder.exists():
                section.screenshot(path=folder / f"review-figure-diff-{width}.png")
