"""The Medical Advisory Board's review experience in a real browser (Debian's chromium through Playwright)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article, ReviewDecision
from articles.review import editing, workflow

from . import factories
from .conftest import admin_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUE_PATH = "/admin/articles/reviewqueueitem/"
S = Article.Status


def review_path(article):
    return f"{QUEUE_PATH}{article.pk}/review/"


def submitted_update(article, *, author, body):
    """As the editor, change a live article's body and submit the update for review."""
    article.refresh_from_db()
    article.body = body
    editing.save_content(article, user=author, reason="Clearer wording")
    return workflow.submit(article, user=author, **factories.change_note_for(article))


def test_reviewer_works_through_the_queue_and_publishes_a_first_version(page, live_server, author, reviewer):
    # Submitted later but created first, so "oldest first" cannot come from the primary key.
    update = factories.publish(
        factories.make_article(author=author, title="Is coffee bad for you?", slug="coffee"),
        author=author,
        reviewers=[reviewer],
    )
    submitted_update(update, author=author, body="Coffee is fine for most adults [1].")
    first = factories.make_article(author=author, title="What causes headaches?", slug="headaches")
    revision = workflow.submit(first, user=author, **factories.change_note_for(first))
    revision.submitted_at = timezone.now() - timedelta(days=2)
    revision.save(update_fields=["submitted_at"])

    admin_login(page, live_server, "reviewer")
    page.goto(f"{live_server.url}{QUEUE_PATH}")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(".field-review_link")).to_have_text("What causes headaches?")
    expect(rows.nth(0).locator(".field-queue_kind_label")).to_have_text("First version")
    expect(rows.nth(0).locator(".field-status_badge")).to_have_text("Submitted")
    expect(rows.nth(1).locator(".field-review_link")).to_have_text("Is coffee bad for you?")
    expect(rows.nth(1).locator(".field-queue_kind_label")).to_have_text("Update")
    expect(rows.nth(1).locator(".field-status_badge")).to_have_text("Submitted")

    rows.nth(0).get_by_role("link", name="What causes headaches?").click()
    page.wait_for_url(f"{live_server.url}{review_path(first)}")
    expect(page.locator("#summary-heading")).to_contain_text("First version")
    expect(page.locator("form.decision-approve")).to_have_count(0)

    page.get_by_role("button", name="Start review").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Start review: done")
    expect(page.locator("#summary-heading .wf-status")).to_have_text("Under review")
    expect(page.locator("form.decision-approve")).to_be_visible()

    page.locator("form.decision-approve").get_by_label("Comment (optional)").fill("Checked against the NICE guideline.")
    page.get_by_role("button", name="Approve version 1").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Approve: done")
    expect(page.locator(".messagelist .success")).to_contain_text("is now approved")
    expect(page.locator("#summary-heading .wf-status")).to_have_text("Approved")

    response = page.goto(f"{live_server.url}/articles/headaches/")
    assert response.status == 200
    profile = reviewer.board_profile
    expect(page.locator(".trust-reviewers")).to_contain_text(f"{profile.display_name}, {profile.credentials}")


def test_update_review_shows_a_word_diff_with_screen_reader_labels(
    page, live_server, author, reviewer, published, screenshot_dir
):
    submitted_update(published, author=author, body="Other text about coffee [1].")

    admin_login(page, live_server, "reviewer")
    page.goto(f"{live_server.url}{QUEUE_PATH}")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list .field-queue_kind_label")).to_have_text("Update")
    page.screenshot(path=screenshot_dir / "review-queue.png", full_page=True)

    page.get_by_role("link", name="Is coffee bad for you?").click()
    page.wait_for_url(f"{live_server.url}{review_path(published)}")
    diff = page.locator("section.review-diff")
    expect(diff.locator("#diff-heading")).to_contain_text("What changed since the live version 1")
    # The rendered diff comes first (test_browser_review_diff); the word diff of the source is one click away.
    diff.get_by_role("link", name="Markdown source").click()
    page.wait_for_url(f"{live_server.url}{review_path(published)}?diff=source#diff-heading")

    body = diff.locator(".diff-changed", has=page.locator("h3", has_text="Body")).locator(".diff-text")
    added = " ".join(body.locator("ins").all_text_contents())
    removed = " ".join(body.locator("del").all_text_contents())
    assert "Other" in added and "coffee" in added
    assert "Some" in removed
    assert "Other" not in removed and "Some" not in added
    # Unchanged words are not marked either way.
    assert "text" not in added and "text" not in removed
    # The colours carry meaning for sighted readers; hidden labels say the same to screen readers.
    expect(body.locator("ins .visually-hidden", has_text="[added:").first).to_be_attached()
    expect(body.locator("del .visually-hidden", has_text="[removed:").first).to_be_attached()
    # ...and are hidden from sight (Playwright calls a 1px clipped box "visible", so measure it).
    box = body.locator("ins .visually-hidden").first.bounding_box()
    assert box["width"] <= 1 and box["height"] <= 1
    # The unchanged fields are folded away.
    expect(diff.locator("details.diff-field summary", has_text="Title")).to_be_visible()

    expect(page.locator("iframe.preview-frame")).to_be_visible()
    page.screenshot(path=screenshot_dir / "review-screen.png", full_page=True)


def test_request_changes_needs_a_comment_then_sends_the_article_back(
    page, live_server, author, reviewer, draft, mailoutbox
):
    workflow.submit(draft, user=author, **factories.change_note_for(draft))
    workflow.start_review(draft, user=reviewer, revision=factories.under_decision("start_review", draft))
    mailoutbox.clear()

    admin_login(page, live_server, "reviewer")
    page.goto(f"{live_server.url}{review_path(draft)}")
    form = page.locator("form.decision-changes")

    form.get_by_role("button", name="Request changes").click()
    expect(form.locator("#id_request_changes-comment_error")).to_contain_text("This field is required")
    # No reason is preselected: the reviewer chooses one or is asked to.
    expect(form.locator("#id_request_changes-reason_error")).to_contain_text("Choose a reason category.")
    expect(page.locator(".messagelist .success")).to_have_count(0)
    expect(page.locator("#summary-heading .wf-status")).to_have_text("Under review")
    draft.refresh_from_db()
    assert draft.status == S.IN_REVIEW
    assert not mailoutbox

    form.get_by_label("Reason category").select_option(label="Missing evidence")
    form.get_by_label("What needs to change").fill("Cite the 2023 Cochrane review for the second claim.")
    form.get_by_role("button", name="Request changes").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Request changes: done")
    expect(page.locator("#summary-heading .wf-status")).to_have_text("Changes requested")
    expect(page.locator(".decision-log")).to_contain_text("Cite the 2023 Cochrane review")
    expect(page.locator(".review-decision")).to_contain_text("There is no review step you can take")

    draft.refresh_from_db()
    assert draft.status == S.CHANGES_REQUESTED
    decision = draft.decisions.get()
    assert (decision.reviewer, decision.decision, decision.reason) == (
        reviewer,
        ReviewDecision.Decision.REQUEST_CHANGES,
        ReviewDecision.Reason.MISSING_EVIDENCE,
    )
    to_author = [m for m in mailoutbox if m.to == [author.email]]
    assert len(to_author) == 1
    assert to_author[0].subject == f"[Changes requested] {draft.title}"
    assert "Missing evidence" in to_author[0].body
    assert "Cite the 2023 Cochrane review" in to_author[0].body


def test_author_on_the_board_sees_the_four_eyes_note_and_no_approve(page, live_server, reviewer):
    board_author = factories.UserFactory(username="board_author", groups=["Editors", "Medical Advisory Board"])
    factories.BoardMemberFactory(user=board_author)
    article = factories.make_article(author=board_author, title="Do antibiotics help a cold?")
    workflow.submit(article, user=board_author, **factories.change_note_for(article))
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))

    admin_login(page, live_server, "board_author")
    page.goto(f"{live_server.url}{review_path(article)}")
    expect(page.locator("#summary-heading .wf-status")).to_have_text("Under review")
    expect(page.locator(".wf-panel .errornote")).to_contain_text("four-eyes rule")
    expect(page.locator("form.decision-approve")).to_have_count(0)
    expect(page.get_by_role("button", name="Approve version 1")).to_have_count(0)
    expect(page.locator("form.decision-changes")).to_have_count(0)
    expect(page.locator(".review-decision")).to_contain_text("There is no review step you can take")
