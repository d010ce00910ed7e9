"""Comments on passages in a real browser: a reviewer quotes selected words, the editor replies and resolves."""

import pytest
from playwright.sync_api import expect

from articles.models import PassageComment
from articles.review import workflow

from .conftest import admin_login
from .test_browser_review_diff import review_path, update  # noqa: F401 - the update fixture
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def select_words(page, selector, words):
    """Select ``words`` inside the first element matching ``selector``, as a mouse drag would."""
    page.evaluate(
        """([selector, words]) => {
            const element = document.querySelector(selector);
            const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const at = node.textContent.indexOf(words);
                if (at !== -1) {
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + words.length);
                    const selection = window.getSelection();
                    selection.removeAllRanges();
                    selection.addRange(range);
                    return;
                }
            }
            throw new Error("words not found: " + words);
        }""",
        [selector, words],
    )


def test_comment_round_trip_between_reviewer_and_editor(
    page,
    phone_page,
    live_server,
    update,  # noqa: F811 - the fixture imported above
    author,
    second_reviewer,
    screenshot_dir,
):
    admin_login(page, live_server, second_reviewer.username)
    page.goto(f"{live_server.url}{review_path(update)}")
    # Words of the changed passage 5 (also found, unchanged, in every other passage: the
    # selection's own passage counts, not the first text that matches).
    select_words(page, ".rendered-diff .rd-changed", "says something")
    page.get_by_role("button", name="Use selection").click()
    form = page.locator(".passage-comment-form")
    expect(form.locator("[data-selection-status]")).to_contain_text("Passage 5 now says something careful")
    expect(form.get_by_label("Quoted words (optional)")).to_have_value("says something")
    form.get_by_label("Comment").fill("Careful how? Name the warning signs.")
    form.get_by_role("button", name="Add comment").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Comment added")
    thread = page.locator(".review-comments .passage-comment")
    expect(thread).to_have_count(1)
    expect(thread.locator("mark")).to_have_text("says something")
    assert axe_violations(page) == [], "review screen with a comment"
    page.locator("#comments").screenshot(path=screenshot_dir / "passage-comment-review.png")
    comment = PassageComment.objects.get()
    assert (comment.part, comment.quote) == ("body", "says something")
    assert comment.passage_text.startswith("Passage 5 now says something careful")

    # The editor takes the draft back, sees the comment above the text, replies and resolves it.
    workflow.withdraw(update, user=author)
    admin_login(phone_page, live_server, author.username)
    phone_page.goto(f"{live_server.url}/admin/articles/article/{update.pk}/change/")
    panel = phone_page.locator(".change-form-comments")
    expect(panel).to_contain_text("Careful how? Name the warning signs.")
    # Beside the text: the live preview marks the passage the comment is about, linking to it.
    marked = phone_page.frame_locator("[data-preview='patient'] iframe").locator(".has-comment")
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text("Passage 5 now says something careful")
    expect(marked.locator("a.comment-flag")).to_have_attribute("href", f"#comment-{comment.pk}")
    phone_page.locator("[data-preview='patient']").screenshot(path=screenshot_dir / "passage-comment-preview-phone.png")
    expect(panel.locator("blockquote")).to_contain_text("Passage 5 now says something careful")
    panel.get_by_label("Reply").fill("Added: sudden severe pain, weakness, confusion.")
    panel.get_by_role("button", name="Send reply").click()
    # In place, without leaving the change form (unsaved edits stay).
    expect(phone_page.locator(".change-form-comments [data-comment-status]")).to_contain_text("Reply added")
    phone_page.locator(".change-form-comments").get_by_role("button", name="Mark resolved").click()
    expect(phone_page.locator(".change-form-comments .passage-comment")).to_contain_text("Resolved by")
    phone_page.locator(".change-form-comments").screenshot(path=screenshot_dir / "passage-comment-editor-phone.png")
    comment.refresh_from_db()
    assert comment.is_resolved and comment.replies.get().text.startswith("Added: sudden severe pain")
