"""The live preview in a real browser: it looks like the public page, at the panel's width or a device's."""

import pytest
from playwright.sync_api import expect

from . import factories
from .conftest import admin_login
from .test_browser_editor import preview_settled
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST_BODY = "## Triggers\n\nCommon ones:\n\n- Beer [1]\n- Red meat\n- Dehydration\n\nMore text."
LIST_STYLE = """li => {
  const list = li.parentElement, body = li.closest('.article-body'), style = getComputedStyle(li);
  return {
    marker: style.listStyleType,
    display: style.display,
    indent: Math.round(li.getBoundingClientRect().left - body.getBoundingClientRect().left),
  };
}"""


def preview_frame(page, audience="patient"):
    return page.frame_locator(f"[data-preview='{audience}'] iframe.md-preview-frame")


def open_change_form(page, live_server, article):
    admin_login(page, live_server, "author")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")


def test_the_preview_shows_lists_as_the_public_page_does(page, live_server, author, reviewer):
    article = factories.make_article(author=author, title="What causes gout?", slug="gout", body=LIST_BODY)
    factories.publish(article, author=author, reviewers=[reviewer])
    page.goto(f"{live_server.url}/articles/gout/")
    public = page.locator(".article-body li").first.evaluate(LIST_STYLE)
    assert public["marker"] == "disc" and public["display"] == "list-item"

    open_change_form(page, live_server, article)
    item = preview_frame(page).locator(".md-preview-body li").first
    expect(item).to_have_text("Beer [1]")
    # Bullets, indented by the public stylesheet's 1.4 rem, not the admin's 170 px.
    assert item.evaluate(LIST_STYLE) == public
    assert public["indent"] < 40


def test_the_preview_renders_at_a_phone_tablet_or_desktop_width(page, live_server, author, screenshot_dir):
    article = factories.make_article(author=author, title="What causes gout?", body=LIST_BODY)
    open_change_form(page, live_server, article)
    panel = page.locator("[data-preview='patient'] .md-preview-panel")
    frame = panel.locator("iframe.md-preview-frame")
    expect(preview_frame(page).locator(".md-preview-body h2")).to_have_text("Triggers")
    fit = panel.get_by_role("button", name="Fit")
    phone = panel.get_by_role("button", name="Phone")
    tablet = panel.get_by_role("button", name="Tablet")
    expect(fit).to_have_attribute("aria-pressed", "true")
    stage_width = panel.locator(".md-preview-stage").evaluate("e => e.clientWidth")
    assert frame.evaluate("f => f.contentWindow.innerWidth") == stage_width

    phone.click()
    expect(phone).to_have_attribute("aria-pressed", "true")
    expect(fit).to_have_attribute("aria-pressed", "false")
    # The public page's media queries answer to the frame: it is a phone's width inside.
    assert frame.evaluate("f => f.contentWindow.innerWidth") == 390
    assert preview_frame(page).locator("body").evaluate("b => getComputedStyle(b).fontSize") == "16px"
    page.screenshot(path=screenshot_dir / "preview-phone-1280.png", full_page=True)

    tablet.click()
    assert frame.evaluate("f => f.contentWindow.innerWidth") == 768
    # Wider than the panel: scaled down to fit it, and the note says by how much.
    box = frame.bounding_box()
    assert box["width"] <= stage_width + 1
    expect(panel.locator(".md-device-note")).to_contain_text("Tablet, 768 px wide, shown at")
    assert axe_violations(page) == []

    # Remembered: the next change form opens at the width chosen last.
    page.reload()
    expect(page.locator("[data-preview='patient']").get_by_role("button", name="Tablet")).to_have_attribute(
        "aria-pressed", "true"
    )
    preview_settled(page)
