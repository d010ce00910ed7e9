"""The public site in a real browser: phone and desktop layouts, audience switch, questions, axe."""

import re
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe

from articles.models import FollowUpQuestion
from articles.review import editing, workflow

from . import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"  # as screenshot_dir, not /tmp
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
BODY = (
    "## From the Guidelines\n\nTreat early [1].\n\n- Rest the joint [2]\n- Drink water [1]\n\n"
    "## From the Research\n\nA trial found benefit [2].\n"
)


@pytest.fixture
def site(author, reviewer):
    """A small live site: a cited article with a professional version, a plain one, an update."""
    ensure_policy()
    dual = factories.make_article(
        author=author,
        slug="gout",
        title="What causes gout?",
        summary="Uric acid crystals in a joint cause gout.",
        body=BODY,
        references=2,
        professional_summary="Monosodium urate crystal deposition.",
        professional_body="## From the Guidelines\n\nUrate-lowering therapy [1, 2].\n",
    )
    factories.publish(dual, author=author, reviewers=[reviewer])
    plain = factories.make_article(
        author=author, slug="feet", title="Looking after your feet", body="Check daily.\n\n- Wash\n- Dry", references=0
    )
    factories.publish(plain, author=author, reviewers=[reviewer])
    dual.body = BODY + "\nAn update.\n"
    editing.save_content(dual, user=author)
    workflow.submit(dual, user=author, **factories.change_note_for(dual))
    return dual


def ensure_policy():
    from articles.models import Page

    Page.objects.get_or_create(slug="editorial-policy", defaults={"title": "Editorial policy", "body": "We review."})


PUBLIC_PAGES = [
    "/",
    "/?q=gout",
    "/articles/gout/",
    "/articles/gout/professional/",
    "/articles/feet/",
    "/articles/feet/professional/",
    "/articles/gout/v/1/",
    "/articles/gout/ask/",
    "/articles/gout/ask/thanks/",
    "/board/",
    "/editorial-policy/",
    "/topics/{topic}/",
    "/no-such-page/",
]


def axe_violations(page):
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def test_every_public_page_has_no_axe_violations(page, phone_page, live_server, site):
    topic = site.specialty.slug
    problems = {}
    for browser_page in (page, phone_page):
        for path in PUBLIC_PAGES:
            browser_page.goto(live_server.url + path.format(topic=topic))
            found = axe_violations(browser_page)
            if found:
                problems[f"{browser_page.viewport_size['width']}px {path}"] = found
    assert problems == {}


def test_form_with_errors_has_no_axe_violations(page, live_server, site):
    page.goto(f"{live_server.url}/articles/gout/ask/")
    page.click("button[type=submit]")
    assert page.locator(".error").first.is_visible()
    assert axe_violations(page) == []


def test_article_page_on_phone_and_desktop(page, phone_page, live_server, site, screenshot_dir):
    for browser_page, name in ((phone_page, "phone"), (page, "desktop")):
        browser_page.goto(f"{live_server.url}/articles/gout/")
        overflow = browser_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"horizontal scroll on {name}"
        assert browser_page.get_by_text("An update to this article is under review").is_visible()
        browser_page.screenshot(path=screenshot_dir / f"site-article-{name}.png", full_page=True)


def test_narrowest_phone_has_no_horizontal_scroll(chromium, live_server, site):
    context = chromium.new_context(viewport={"width": 320, "height": 640})
    narrow = context.new_page()
    for path in ("/", "/articles/gout/", "/board/", "/articles/gout/ask/"):
        narrow.goto(live_server.url + path)
        assert narrow.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), path
    context.close()


def test_audience_choice_switches_version_and_is_remembered(page, live_server, site):
    page.goto(f"{live_server.url}/articles/gout/")
    assert "Treat early" in page.locator(".article-body").inner_text()
    page.get_by_role("link", name="Healthcare professional").click()
    page.wait_for_url("**/articles/gout/professional/")
    assert "Urate-lowering therapy" in page.locator(".article-body").inner_text()
    assert "for healthcare professionals" in page.locator(".disclaimer").inner_text()
    # Coming back to the plain URL later, the remembered choice brings the professional version.
    page.goto(f"{live_server.url}/articles/gout/")
    page.wait_for_url("**/articles/gout/professional/")
    page.get_by_role("link", name="Patient or caregiver").click()
    page.wait_for_url("**/articles/gout/")
    page.goto(f"{live_server.url}/articles/gout/")
    assert page.url.endswith("/articles/gout/")
    assert "Treat early" in page.locator(".article-body").inner_text()


def test_professional_fallback_shows_a_note(page, live_server, site):
    page.goto(f"{live_server.url}/articles/feet/professional/")
    assert page.get_by_text("no separate version for healthcare professionals").is_visible()


def test_citation_links_go_to_numbered_references_grouped_by_kind(page, live_server, site):
    page.goto(f"{live_server.url}/articles/gout/")
    page.locator("sup.citation a").nth(1).click()
    page.wait_for_url("**#ref-2")
    assert page.locator("#ref-2").evaluate("el => el.closest('ol').previousElementSibling.textContent") == "Research"


def test_reader_sends_a_follow_up_question(page, live_server, site):
    page.goto(f"{live_server.url}/articles/gout/")
    page.get_by_role("link", name="Ask a follow-up question").click()
    page.get_by_label("Your question").fill("Too short")
    page.get_by_role("button", name="Send question").click()
    assert page.get_by_text("Ensure this value has at least 10 characters").is_visible()
    page.get_by_label("Your question").fill("Can cherries help prevent gout attacks?")
    page.get_by_label("Your email (optional)").fill("reader@example.org")
    page.get_by_role("button", name="Send question").click()
    page.wait_for_url("**/ask/thanks/")
    question = FollowUpQuestion.objects.get()
    assert question.question == "Can cherries help prevent gout attacks?"
    assert question.article == site


WATCH_SENDING = """() => {
  const form = document.querySelector('form[method=post]'), button = form.querySelector('button[type=submit]');
  form.addEventListener('submit', () => setTimeout(() => {
    sessionStorage.setItem('sending', JSON.stringify([button.disabled, button.textContent]));
  }, 100));
}"""


def test_double_clicking_send_stores_one_question_and_back_does_not_resend(
    chromium, live_server, site, monkeypatch, screenshot_dir
):
    from articles.questions import service as questions

    receive = questions.receive

    def slow_receive(**kwargs):
        time.sleep(1.5)  # a slow server: the reader has time to click again
        return receive(**kwargs)

    monkeypatch.setattr(questions, "receive", slow_receive)
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    try:
        page.goto(f"{live_server.url}/articles/gout/ask/")
        first_token = page.locator("input[name=token]").input_value()
        page.get_by_label("Your question").fill("Can cherries help prevent gout attacks?")
        # Note the button's state a moment after each submit, in storage that outlives the page.
        page.evaluate(WATCH_SENDING)
        page.get_by_role("button", name="Send question").dblclick()
        page.wait_for_url("**/ask/thanks/")
        # While the post was on its way the button was disabled and said so.
        assert page.evaluate("() => sessionStorage.getItem('sending')") == '[true,"Sending…"]'
        assert len(posts) == 1
        assert FollowUpQuestion.objects.count() == 1

        # Back (post/redirect/get): a fresh, empty form with a new token, and a working button.
        page.go_back()
        page.wait_for_url("**/ask/")
        assert len(posts) == 1
        assert page.get_by_label("Your question").input_value() == ""
        assert page.locator("input[name=token]").input_value() != first_token
        assert page.locator("button[type=submit]").is_enabled()
        page.screenshot(path=SHOTS / "ask-after-back-390.png", full_page=True)

        # The old form posted again (its token already used) stores nothing more.
        page.locator("input[name=token]").evaluate("(el, token) => { el.value = token; }", first_token)
        page.get_by_label("Your question").fill("Can cherries help prevent gout attacks?")
        page.get_by_role("button", name="Send question").click()
        page.wait_for_url("**/ask/thanks/")
        assert FollowUpQuestion.objects.count() == 1
    finally:
        context.close()


def test_keyboard_users_can_skip_to_content_and_reach_citations(page, live_server, site):
    page.goto(f"{live_server.url}/articles/gout/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.wait_for_url("**#main")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('citation-link')"):
            break
    else:
        pytest.fail("no citation link reachable by keyboard")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#ref-"))


def test_pages_make_no_external_requests(page, live_server, site):
    hosts = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    for path in ("/", "/articles/gout/", "/articles/gout/professional/", "/board/", "/articles/gout/ask/"):
        page.goto(live_server.url + path)
    assert hosts == {urlparse(live_server.url).netloc}
