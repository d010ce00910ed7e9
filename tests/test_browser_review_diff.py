"""The review screen's rendered diff and full-height preview, in a real browser (Debian's chromium)."""

import pytest
from playwright.sync_api import expect

from articles.review import editing, workflow

from . import factories
from .conftest import admin_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_BODY = "\n\n".join(
    ["## What helps"]
    + [f"Passage {n} says something steady about resting and drinking water [1]." for n in range(1, 9)]
    + ["- Sleep at regular times", "- Take breaks from screens"]
)


@pytest.fixture
def update(author, reviewer):
    article = factories.make_article(author=author, title="How can I ease a headache?", slug="ease", body=LONG_BODY)
    factories.publish(article, author=author, reviewers=[reviewer])
    article.refresh_from_db()
    article.body = LONG_BODY.replace("Passage 5 says something steady", "Passage 5 now says something careful")
    article.body = article.body.replace("- Take breaks from screens", "- Take breaks from screens every hour")
    editing.save_content(article, user=author, reason="Sharper advice")
    workflow.submit(article, user=author, change_note="Clearer advice on breaks.", change_kind="editorial")
    return article


def review_path(article):
    return f"/admin/articles/reviewqueueitem/{article.pk}/review/"


def test_reviewer_reads_the_changed_passages_as_readers_will_see_them(
    page, live_server, update, second_reviewer, screenshot_dir
):
    admin_login(page, live_server, second_reviewer.username)
    page.goto(f"{live_server.url}{review_path(update)}")
    body = page.locator(".rendered-diff", has=page.locator("h3", has_text="Body"))
    changed = body.locator(".rd-changed")
    expect(changed).to_have_count(2)
    expect(changed.nth(0).locator("ins")).to_have_text(["[added: now]", "[added: careful]"])
    expect(changed.nth(0).locator("del")).to_have_text(["[removed: steady]"])
    expect(changed.nth(1)).to_have_class("rd-passage rd-item rd-changed")
    expect(changed.nth(1).locator("ins")).to_contain_text("every hour")
    # Rendered, not source: no Markdown syntax, citations as numbered for readers.
    expect(body).not_to_contain_text("##")
    expect(changed.nth(0)).to_contain_text("[1]")
    # Screen readers hear what was added and removed.
    expect(changed.nth(0).locator("ins .visually-hidden").first).to_have_text("[added: ")

    # Unchanged passages are folded, with context kept next to each change.
    folds = body.locator("details.diff-fold")
    expect(folds.first).not_to_have_attribute("open", "")
    expect(folds.first.locator("summary")).to_contain_text("unchanged passages")
    expect(body.locator(".rd-passage:visible", has_text="Passage 4")).to_have_count(1)
    expect(body.locator(".rd-passage:visible", has_text="Passage 2")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "review-rendered-diff-1280.png", full_page=True)

    page.get_by_role("button", name="Expand all unchanged passages").click()
    expect(body.locator(".rd-passage:visible", has_text="Passage 2")).to_have_count(1)

    # The preview frame grows to the page it shows: no inner scrolling.
    frame = page.locator("iframe.preview-frame").first
    expect(frame).to_be_visible()
    page.wait_for_function(
        "() => { const f = document.querySelector('iframe.preview-frame');"
        " return f.contentDocument && f.contentDocument.readyState === 'complete'"
        " && Math.abs(f.clientHeight - f.contentDocument.documentElement.scrollHeight) <= 2; }"
    )

    page.get_by_role("link", name="Markdown source").click()
    page.wait_for_url("**diff=source**")
    source = page.locator(".diff-changed", has=page.locator("h3", has_text="Body")).locator(".diff-text")
    expect(source).to_contain_text("## What helps")
    expect(page.get_by_role("link", name="Markdown source")).to_have_attribute("aria-current", "page")


def test_expand_all_works_without_javascript(chromium, live_server, update, second_reviewer):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        admin_login(page, live_server, second_reviewer.username)
        page.goto(f"{live_server.url}{review_path(update)}")
        page.get_by_role("link", name="Expand all unchanged passages").click()
        page.wait_for_url("**expand=all**")
        body = page.locator(".rendered-diff", has=page.locator("h3", has_text="Body"))
        expect(body.locator("details.diff-fold")).to_have_count(0)
        expect(body.locator(".rd-passage", has_text="Passage 2")).to_be_visible()
    finally:
        context.close()


def test_rendered_diff_fits_a_phone(phone_page, live_server, update, second_reviewer, screenshot_dir):
    phone_page.set_viewport_size({"width": 390, "height": 844})
    admin_login(phone_page, live_server, second_reviewer.username)
    phone_page.goto(f"{live_server.url}{review_path(update)}")
    expect(phone_page.locator(".rendered-diff .rd-changed").first).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.locator(".review-diff").screenshot(path=screenshot_dir / "review-rendered-diff-390.png")


def test_passages_beyond_the_word_budget_are_shown_whole_with_a_note(
    page, live_server, update, second_reviewer, monkeypatch, screenshot_dir
):
    from articles.review import alignment, diffing

    # No word comparisons allowed: the replaced word in passage 5 makes it too costly (the words
    # added at the end of the list item cost nothing, so that one is still marked word by word).
    monkeypatch.setattr(alignment, "WORD_BUDGET", 0)
    admin_login(page, live_server, second_reviewer.username)
    page.goto(f"{live_server.url}{review_path(update)}")
    body = page.locator(".rendered-diff", has=page.locator("h3", has_text="Body"))
    expect(body.locator(".diff-coarse-summary")).to_have_text(
        "1 passage changed too much to mark word by word: it is shown removed and added whole."
    )
    note = body.locator("p.diff-coarse-note")
    expect(note).to_be_visible()
    expect(note).to_have_text(diffing.COARSE_NOTE)
    changed = body.locator(".rd-changed")
    expect(changed).to_have_count(3)
    expect(changed.nth(0).locator("del")).to_contain_text("Passage 5 says something steady about resting")
    expect(changed.nth(1).locator("ins")).to_contain_text("Passage 5 now says something careful about resting")
    expect(changed.nth(2).locator("ins")).to_have_text("[added: every hour]")
    page.screenshot(path=screenshot_dir / "review-rendered-diff-coarse-1280.png", full_page=True)

    page.get_by_role("link", name="Markdown source").click()
    page.wait_for_url("**diff=source**")
    source = page.locator(".diff-changed", has=page.locator("h3", has_text="Body"))
    expect(source.locator(".diff-coarse-summary")).to_contain_text("1 passage changed too much")
    expect(source.locator(".diff-text .diff-coarse-note")).to_be_visible()
    expect(source.locator(".diff-text del")).to_contain_text("Passage 5 says something steady")
