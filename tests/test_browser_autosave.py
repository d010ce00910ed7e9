"""Never lose a word, in a real browser: autosave and recovery, signing in again in place, replying
in place. Screenshots of the recovery offer and the sign-in dialog at 1280 and 390 px, with axe."""

import pytest
from playwright.sync_api import expect

from articles.models import Article, AutosaveDraft
from articles.review import comments, editing, workflow

from . import factories
from .conftest import _browser_page, admin_login
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEPT = "Unsaved changes kept in this browser"


@pytest.fixture
def phone_390(chromium):
    context, page = _browser_page(chromium, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield page
    context.close()


def change_url(live_server, article):
    return f"{live_server.url}/admin/articles/article/{article.pk}/change/"


def type_and_wait_until_kept(page, text):
    page.locator("#id_body").fill(text)
    expect(page.locator("[data-autosave-status]")).to_contain_text(KEPT)


def reopen_in_a_new_tab(page):
    """Close the tab (no save) and open the same page in a new one of the same browser."""
    url = page.url
    fresh = page.context.new_page()
    fresh.set_default_timeout(10_000)
    page.close(run_before_unload=False)
    fresh.goto(url)
    return fresh


def check_axe(page, name):
    assert axe_violations(page) == [], name


def test_a_closed_tab_is_offered_back_with_a_diff_then_restored_and_saved(
    page, phone_390, live_server, author, screenshot_dir
):
    article = factories.make_article(author=author, title="What causes gout?", body="Uric acid [1].")
    shots = []
    admin_login(page, live_server, "author")
    page.goto(change_url(live_server, article))
    type_and_wait_until_kept(page, "Uric acid and beer [1].")
    admin_login(phone_390, live_server, "author")
    # The same tab closed and opened again; and the phone, which gets the server's copy.
    for again in (reopen_in_a_new_tab(page), phone_390):
        if again is phone_390:
            again.goto(change_url(live_server, article))
        offer = again.locator("#autosave-offer")
        expect(offer).to_be_visible()
        expect(offer.locator("h2")).to_contain_text("Restore unsaved changes from")
        expect(offer.locator("[data-autosave-diff] .diff-text ins")).to_contain_text("and beer")
        expect(again.locator("#id_body")).to_have_value("Uric acid [1].")  # nothing replaced unasked
        width = again.viewport_size["width"]
        again.screenshot(path=screenshot_dir / f"autosave-offer-{width}.png")
        shots.append(again)
        check_axe(again, f"recovery offer at {width}px")

    desktop = shots[0]
    desktop.locator("[data-autosave-restore]").click()
    expect(desktop.locator("#autosave-offer")).to_be_hidden()
    expect(desktop.locator("#id_body")).to_have_value("Uric acid and beer [1].")
    expect(desktop.locator("[data-autosave-status]")).to_contain_text("and on the server")
    with desktop.expect_navigation():
        desktop.locator("input[name=_continue]").click()
    expect(desktop.locator(".messagelist")).to_contain_text("was changed successfully")
    article.refresh_from_db()
    assert article.body == "Uric acid and beer [1]."
    assert not AutosaveDraft.objects.filter(article=article).exists()
    # Saved: neither the browser nor the server offers it again.
    desktop.reload()
    expect(desktop.locator("#id_body")).to_have_value("Uric acid and beer [1].")
    expect(desktop.locator("#autosave-offer")).to_be_hidden()
    assert desktop.evaluate("Object.keys(localStorage).filter(k => k.startsWith('editorial-autosave:'))") == []


def test_the_servers_copy_follows_the_editor_to_another_browser_and_can_be_discarded(
    page, chromium, live_server, author
):
    article = factories.make_article(author=author, body="Uric acid [1].")
    admin_login(page, live_server, "author")
    page.goto(change_url(live_server, article))
    page.locator("#id_body").fill("Typed on the office computer [1].")
    expect(page.locator("[data-autosave-status]")).to_contain_text("and on the server")
    assert AutosaveDraft.objects.get(article=article).fields["body"] == "Typed on the office computer [1]."

    context, laptop = _browser_page(chromium, viewport={"width": 1280, "height": 900})
    try:
        admin_login(laptop, live_server, "author")
        laptop.goto(change_url(live_server, article))
        expect(laptop.locator("#autosave-offer")).to_contain_text("Kept on the server")
        laptop.locator("[data-autosave-discard]").click()
        expect(laptop.locator("#autosave-offer")).to_be_hidden()
        expect(laptop.locator("[data-autosave-status]")).to_contain_text("discarded")
        laptop.wait_for_function("() => true")
    finally:
        context.close()
    page.wait_for_timeout(0)
    for _ in range(50):  # the discard is posted in the background
        if not AutosaveDraft.objects.filter(article=article).exists():
            break
        page.wait_for_timeout(100)
    assert not AutosaveDraft.objects.filter(article=article).exists()


def test_a_new_article_is_kept_in_the_browser_too(page, live_server, author):
    factories.SpecialtyFactory()
    admin_login(page, live_server, "author")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.locator("#id_title").fill("Is coffee bad for you?")
    type_and_wait_until_kept(page, "Mostly not [1].")
    again = reopen_in_a_new_tab(page)
    expect(again.locator("#autosave-offer")).to_be_visible()
    expect(again.locator("[data-autosave-diff]")).to_contain_text("Is coffee bad for you?")
    again.locator("[data-autosave-restore]").click()
    expect(again.locator("#id_title")).to_have_value("Is coffee bad for you?")
    expect(again.locator("#id_body")).to_have_value("Mostly not [1].")


def test_an_ended_session_asks_to_sign_in_again_in_place_then_saves(
    page, phone_390, live_server, author, screenshot_dir
):
    article = factories.make_article(author=author, title="What causes gout?", body="Uric acid [1].")
    for browser_page in (page, phone_390):
        admin_login(browser_page, live_server, "author")
        browser_page.goto(change_url(live_server, article))
        preview_frame = browser_page.frame_locator("[data-preview='patient'] iframe")
        expect(preview_frame.locator("[data-preview-output]")).to_contain_text("Uric acid")
        browser_page.context.clear_cookies(name="sessionid")
        # Typing: the preview notices, says so, and the dialog asks to sign in (no login page in the preview).
        browser_page.locator("#id_body").fill("Uric acid crystals [1].")
        dialog = browser_page.locator("#session-dialog")
        expect(dialog).to_be_visible()
        expect(dialog.locator("h2")).to_have_text("Sign in again to keep working")
        preview = browser_page.locator("[data-preview='patient']")
        expect(preview.locator(".md-preview-status")).to_contain_text("session has ended")
        expect(preview.locator("#id_password, input[name=password]")).to_have_count(0)
        expect(preview_frame.locator("input[name=password]")).to_have_count(0)
        width = browser_page.viewport_size["width"]
        browser_page.screenshot(path=screenshot_dir / f"session-dialog-{width}.png")
        check_axe(browser_page, f"sign-in dialog at {width}px")

    # "Not now": typing goes on without the dialog coming back at every pause; Save asks again.
    page.locator("[data-session-cancel]").click()
    expect(page.locator("#session-dialog")).to_be_hidden()
    page.locator("#id_body").fill("Uric acid crystals form [1].")
    expect(page.locator("[data-preview='patient'] .md-preview-status")).to_contain_text("session has ended")
    expect(page.locator("#session-dialog")).to_be_hidden()
    page.locator("input[name=_continue]").click()
    expect(page.locator("#session-dialog")).to_be_visible()
    page.locator("#session-password").fill("wrong")
    page.locator("[data-session-submit]").click()
    expect(page.locator("[data-session-error]")).to_contain_text("correct username and password")
    page.locator("#session-password").fill("pw")
    with page.expect_navigation():
        page.locator("[data-session-submit]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")  # then it saved
    assert Article.objects.get(pk=article.pk).body == "Uric acid crystals form [1]."
    expect(page.frame_locator("[data-preview='patient'] iframe").locator("[data-preview-output]")).to_contain_text(
        "crystals"
    )

    # The session ends again; this time Save is pressed: the dialog comes first, then the save goes through.
    page.context.clear_cookies(name="sessionid")
    page.locator("#id_body").evaluate("t => { t.value = 'Uric acid crystals in the big toe [1].'; }")
    page.locator("input[name=_continue]").click()
    expect(page.locator("#session-dialog")).to_be_visible()
    assert "/change/" in page.url  # not the login page
    page.locator("#session-password").fill("pw")
    with page.expect_navigation():
        page.locator("[data-session-submit]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Article.objects.get(pk=article.pk).body == "Uric acid crystals in the big toe [1]."


def test_replying_to_a_comment_keeps_unsaved_edits_on_the_page(page, live_server, author, reviewer):
    article = factories.make_article(author=author, title="What causes gout?", body="Uric acid builds up [1].")
    workflow.submit(article, user=author)
    article.refresh_from_db()
    comment = comments.add(
        article, article.pending_revision, user=reviewer, part="body", passage_index=0, text="Which joint first?"
    )
    workflow.withdraw(article, user=author)
    prompts = []
    page.on("dialog", lambda dialog: (prompts.append(dialog.type), dialog.dismiss()))
    admin_login(page, live_server, "author")
    page.goto(change_url(live_server, article))
    page.locator("#id_body").fill("Uric acid builds up in the big toe [1].")
    thread = page.locator(f"#comment-{comment.pk}")
    thread.locator("textarea[name=text]").fill("Added the big toe.")
    thread.locator("button", has_text="Send reply").click()
    expect(page.locator(f"#comment-{comment.pk} .passage-comment-replies")).to_contain_text("Added the big toe.")
    expect(page.locator(".change-form-comments [data-comment-status]")).to_have_text("Reply added.")
    assert prompts == []  # no "Leave site?"
    expect(page.locator("#id_body")).to_have_value("Uric acid builds up in the big toe [1].")
    page.locator(f"#comment-{comment.pk}").locator("button", has_text="Mark resolved").click()
    expect(page.locator(f"#comment-{comment.pk} .wf-status")).to_have_text("Resolved")
    assert comment.replies.get().text == "Added the big toe."
    expect(page.locator("#id_body")).to_have_value("Uric acid builds up in the big toe [1].")
    # The edits are still unsaved, and kept: the autosave went on in the background.
    expect(page.locator("[data-autosave-status]")).to_contain_text("and on the server")
    page.close(run_before_unload=False)


def test_an_edit_conflict_shows_their_changes_beside_the_kept_text(
    page, live_server, author, other_editor, screenshot_dir
):
    article = factories.make_article(author=author, title="What causes gout?", body="Uric acid builds up [1].")
    admin_login(page, live_server, "author")
    page.goto(change_url(live_server, article))
    article.body = "Uric acid builds up in the joints [1]."
    editing.save_content(article, user=other_editor, reason="More precise")
    page.locator("#id_body").fill("Uric acid crystals build up [1].")
    page.locator("input[name=_continue]").click()
    panel = page.locator("#edit-conflict")
    expect(panel).to_be_visible()
    expect(panel.locator(".edit-conflict-theirs .diff-text ins")).to_contain_text("in the joints")
    expect(panel.locator(".edit-conflict-yours .diff-text")).to_contain_text("crystals")
    expect(panel.locator(".edit-conflict-theirs .diff-references")).to_have_count(0)  # nobody changed them
    expect(page.locator("#id_body")).to_have_value("Uric acid crystals build up [1].")
    page.screenshot(path=screenshot_dir / "edit-conflict-1280.png")
    check_axe(page, "edit conflict")
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#edit-conflict").screenshot(path=screenshot_dir / "edit-conflict-390.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    check_axe(page, "edit conflict at 390px")
    page.close(run_before_unload=False)


def test_a_form_shown_again_after_an_error_is_not_offered_an_older_copy(page, live_server, author):
    article = factories.make_article(author=author, body="Uric acid [1].")
    admin_login(page, live_server, "author")
    page.goto(change_url(live_server, article))
    page.locator("#id_body").fill("First words [1].")
    expect(page.locator("[data-autosave-status]")).to_contain_text("and on the server")
    page.locator("#id_body").fill("First words, then more [1].")  # within ten seconds: browser only
    page.locator("#id_title").fill("")
    page.locator("input[name=_continue]").click()
    expect(page.locator("#article_form .errornote")).to_be_visible()
    expect(page.locator("#id_body")).to_have_value("First words, then more [1].")
    assert AutosaveDraft.objects.get(article=article).fields["body"] == "First words [1]."
    page.wait_for_load_state("networkidle")
    expect(page.locator("#autosave-offer")).to_be_hidden()
    page.close(run_before_unload=False)
