"""The board's one decision form in a real browser: after the changes, reachable on a phone, landing where
its message is, asking before approving over open comments, and keeping a late reviewer's words."""

import pytest
from playwright.sync_api import expect

from articles.models import Article
from articles.review import comments, editing, workflow

from . import factories
from .conftest import _browser_page, admin_login
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S = Article.Status
# A body long enough that the page runs to several screens on a phone, as real articles do.
BODY = "\n\n".join(
    f"## Section {n}\n\nCoffee and sleep, part {n}: most adults can drink three or four cups a day [1]. "
    "Caffeine lasts five or six hours, so a cup after lunch can still keep you awake at night."
    for n in range(1, 9)
)


def review_path(article):
    return f"/admin/articles/reviewqueueitem/{article.pk}/review/"


@pytest.fixture
def update_in_review(author, reviewer):
    """A live article with version 2 under review by ``reviewer``."""
    article = factories.make_article(author=author, title="Is coffee bad for you?", slug="coffee", body=BODY)
    factories.publish(article, author=author, reviewers=[reviewer])
    article.refresh_from_db()
    article.body = BODY.replace("three or four cups", "up to four cups")
    editing.save_content(article, user=author, reason="Clearer wording")
    workflow.submit(article, user=author, change_note="Daily amount stated plainly.", change_kind="editorial")
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    article.refresh_from_db()
    return article


@pytest.fixture
def phone(chromium):
    context, page = _browser_page(
        chromium, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=1
    )
    yield page
    context.close()


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


def shot(page, directory, name):
    page.screenshot(path=directory / f"decision-{name}-{page.viewport_size['width']}.png")


def test_on_a_phone_the_comment_form_and_the_decision_are_one_tap_away(
    phone, live_server, update_in_review, second_reviewer, screenshot_dir
):
    admin_login(phone, live_server, "second_reviewer")
    phone.goto(f"{live_server.url}{review_path(update_in_review)}")
    height = phone.evaluate("document.documentElement.scrollHeight")
    print(f"\nreview screen at 390 px: {height} px tall")
    # The decision comes after the changes in reading order...
    order = phone.evaluate(
        "document.getElementById('diff-heading').compareDocumentPosition(document.getElementById('decision-heading'))"
    )
    assert order & 4  # Node.DOCUMENT_POSITION_FOLLOWING
    # ...and the way to it stays on screen, wherever the reader is.
    bar = phone.get_by_role("navigation", name="On this page")
    expect(bar).to_be_visible()
    phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    assert in_viewport(phone, bar.get_by_role("link", name="Comment"))

    # The whole-page preview, which repeats the changes at many screens' length, is folded on a phone
    # and grows to the page it shows once opened.
    fold = phone.locator("details.preview-fold")
    expect(fold).not_to_have_attribute("open", "")
    assert height < 5000
    fold.locator("summary").click()
    phone.wait_for_function(
        "() => { const f = document.querySelector('iframe.preview-frame');"
        " return f.contentDocument && f.contentDocument.readyState === 'complete' && f.clientHeight > 1000"
        " && Math.abs(f.clientHeight - f.contentDocument.documentElement.scrollHeight) <= 2; }"
    )

    bar.get_by_role("link", name="Comment").click()
    expect(phone.locator(".passage-comment-form textarea")).to_be_in_viewport()
    bar.get_by_role("link", name="Jump to decision").click()
    expect(phone.get_by_role("heading", name="Your decision")).to_be_in_viewport()
    expect(phone.get_by_role("button", name="Approve version 2")).to_be_visible()
    shot(phone, screenshot_dir, "jump-bar")
    assert axe_violations(phone) == []


def test_after_a_decision_the_page_lands_where_its_message_is(page, live_server, update_in_review, second_reviewer):
    admin_login(page, live_server, "second_reviewer")
    page.goto(f"{live_server.url}{review_path(update_in_review)}")
    form = page.locator(".passage-comment-form")
    form.get_by_label("Passage").select_option("body:1")
    form.get_by_label("Comment", exact=True).fill("Say whether decaf counts.")
    form.get_by_role("button", name="Add comment").click()
    page.wait_for_url("**#comments")
    # The comment was resolved in the meantime, so the approval goes straight through.
    comment = update_in_review.passage_comments.get()
    comments.set_resolved(comment, user=update_in_review.created_by, resolved=True)

    page.get_by_role("button", name="Approve version 2").click()
    message = page.locator(".messagelist .success")
    expect(message).to_contain_text("Approve: done")
    assert in_viewport(page, message)


def test_the_one_decision_form_asks_before_approving_over_open_comments(
    page, phone, live_server, update_in_review, reviewer, second_reviewer, screenshot_dir
):
    revision = update_in_review.pending_revision
    comments.add(
        update_in_review, revision, user=reviewer, part="body", passage_index=1, text="Say whether decaf counts."
    )
    for browser_page in (page, phone):
        admin_login(browser_page, live_server, "second_reviewer")
        browser_page.goto(f"{live_server.url}{review_path(update_in_review)}")
        form = browser_page.locator("form.decision-approve")
        # Everything about the approval in one form: the public change note, the declaration, the comment.
        expect(form.get_by_label("Public change note")).to_have_value("Daily amount stated plainly.")
        expect(form.get_by_label("Conflicts of interest with this article")).to_be_visible()
        expect(form.locator(".decision-open-comments")).to_contain_text("Say whether decaf counts.")
        form.get_by_label("Comment (optional)").fill("Accurate.")
        form.get_by_role("button", name="Approve version 2").click()

        form = browser_page.locator("form.decision-approve")
        expect(form.locator(".errorlist")).to_contain_text("still open")
        expect(form.get_by_label("Comment (optional)")).to_have_value("Accurate.")
        expect(form.locator(".errorlist")).to_be_in_viewport()
        assert Article.objects.get(pk=update_in_review.pk).status == S.IN_REVIEW
        shot(browser_page, screenshot_dir, "open-comments")
        assert axe_violations(browser_page) == []

    form.get_by_label("Approve although 1 comment is still open").check()
    form.get_by_role("button", name="Approve version 2").click()
    expect(phone.locator(".messagelist .success")).to_contain_text("Approve: done")
    assert Article.objects.get(pk=update_in_review.pk).status == S.APPROVED


def test_a_late_approval_keeps_the_reviewers_comment_and_offers_no_re_review(
    page, phone, live_server, update_in_review, reviewer, second_reviewer, screenshot_dir
):
    third = factories.reviewer(username="third")
    for browser_page, who in ((page, "second_reviewer"), (phone, "third")):
        admin_login(browser_page, live_server, who)
        browser_page.goto(f"{live_server.url}{review_path(update_in_review)}")
    # Someone else approves while both pages are open.
    workflow.approve(update_in_review, user=reviewer, revision="2")

    for browser_page in (page, phone):
        form = browser_page.locator("form.decision-approve")
        form.get_by_label("Comment (optional)").fill("Checked each dose against the BNF.")
        form.get_by_role("button", name="Approve version 2").click()
        late = browser_page.locator(".decision-late")
        expect(late).to_contain_text("was not recorded")
        expect(late).to_contain_text("Approved version 2")
        expect(late.get_by_label("Your comment (not recorded)")).to_have_value("Checked each dose against the BNF.")
        expect(late.get_by_label("Your change note (not recorded)")).to_have_count(0)  # unchanged: nothing to keep
        expect(late).to_be_in_viewport()
        expect(browser_page.get_by_role("button", name="Confirm still accurate")).to_have_count(0)
        shot(browser_page, screenshot_dir, "late-approval")
        assert axe_violations(browser_page) == []
    assert update_in_review.decisions.filter(decision="approve").exclude(reviewer=reviewer).count() == 0
    assert third.pk  # a board member who came to it late, like the second reviewer
