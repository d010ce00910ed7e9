"""The board's queue and the editors' question inbox fit beside their filters at 1280, 1440 and 390 px."""

from pathlib import Path

import pytest

from articles.models import FollowUpQuestion
from articles.review import workflow

from . import factories
from .conftest import admin_login
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 1440, 390]
SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"

# Cells and headers whose content is wider than the box shows it (clipped or hidden).
CLIPPED = """() => [...document.querySelectorAll('#result_list th, #result_list td, #result_list th .text > *')]
  .filter(el => el.scrollWidth > el.clientWidth + 1)
  .map(el => `${el.className}: "${el.textContent.trim().slice(0, 40)}" ${el.scrollWidth}>${el.clientWidth}`)"""
# Words split across lines inside a table ("Sub|mit|ted"): the column was squeezed below its longest word.
SPLIT_WORDS = """() => { const out = [];
  const walk = document.createTreeWalker(document.querySelector('#result_list'), NodeFilter.SHOW_TEXT);
  for (let node; (node = walk.nextNode());) {
    for (const m of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange(); range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
      if ([...range.getClientRects()].filter(r => r.width > 0).length > 1) out.push(m[0]);
    } }
  return out; }"""
SIDEWAYS = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
# True when a click at the element's centre lands on the element (not on the filter sidebar over it).
HIT = """el => { const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return hit === el || el.contains(hit); }"""
BOX = "el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"


def overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def browser_at(chromium, width):
    context = chromium.new_context(viewport={"width": width, "height": 900 if width > 400 else 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}-{page.viewport_size['width']}.png", full_page=True)


@pytest.fixture
def queue(author, reviewer, second_reviewer):
    for i, title in enumerate(
        [
            "How is high blood pressure treated in adults?",
            "Is it safe to take ibuprofen during pregnancy?",
            "What is iron deficiency anaemia?",
            "Looking after your feet with diabetes",
        ]
    ):
        article = factories.make_article(author=author, title=title, slug=f"queued-{i}")
        workflow.submit(article, user=author, **factories.change_note_for(article))
        if i % 2:
            workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))


@pytest.fixture
def inbox(author, published):
    long = (
        "My daughter was told her dystonia might be genetic after a blood test last month. Should the rest of the "
        "family be tested too, and does it matter which parent carries it?"
    )
    questions = [
        FollowUpQuestion.objects.create(article=published, question=long, email="reader@example.org"),
        FollowUpQuestion.objects.create(
            article=published, question="Does decaf count towards the daily limit?", audience="patient"
        ),
        FollowUpQuestion.objects.create(
            article=published, question="Is a cup of coffee before a blood pressure reading a problem?", email="x@y.org"
        ),
    ]
    return questions


@pytest.mark.parametrize("width", [*WIDTHS, 1600])  # from 1600 px the filters are back on the right
def test_review_queue_headers_and_cells_are_never_clipped(chromium, live_server, queue, width):
    context, page = browser_at(chromium, width)
    try:
        admin_login(page, live_server, "reviewer")
        page.goto(f"{live_server.url}/admin/articles/reviewqueueitem/")
        shoot(page, "review-queue")
        assert page.locator("#result_list thead th", has_text="Approvals").is_visible()
        assert page.evaluate(CLIPPED) == []
        assert page.evaluate(SPLIT_WORDS) == []
        header = page.locator("#result_list thead th", has_text="Approvals")
        header.scroll_into_view_if_needed()
        box = header.evaluate(BOX)
        assert box[0] >= 0 and box[2] <= width, "the Approvals header is off screen"
        assert "4 articles waiting" in " ".join(page.locator("p.paginator").inner_text().split())
        if width >= 1280:
            assert not page.evaluate(SIDEWAYS)
            # The filters sit beside the table, not over it.
            table = page.locator("#result_list").evaluate(BOX)
            filters = page.locator("#changelist-filter").evaluate(BOX)
            assert not overlaps(table, filters)
        assert axe_violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_question_inbox_status_control_and_text_are_usable_beside_the_filters(chromium, live_server, inbox, width):
    context, page = browser_at(chromium, width)
    try:
        admin_login(page, live_server, "author")
        page.goto(f"{live_server.url}/admin/articles/followupquestion/")
        shoot(page, "question-inbox")
        filters = page.locator("#changelist-filter").evaluate(BOX)
        # The list fits its box: the status select is reached without scrolling the table sideways.
        assert page.locator("#changelist-form .results").evaluate("el => el.scrollWidth <= el.clientWidth")
        for select in page.locator("#result_list select").all():
            select.scroll_into_view_if_needed()
            assert select.evaluate(HIT), "the status control is covered"
            assert not overlaps(select.evaluate(BOX), page.locator("#changelist-filter").evaluate(BOX))
        # The question reads as a sentence: a long question takes a few lines, not one word per line.
        text = page.locator(".question-text").first
        text.scroll_into_view_if_needed()
        assert page.evaluate(SPLIT_WORDS) == []
        box = text.evaluate(BOX)
        assert box[2] - box[0] >= (180 if width < 600 else 300)
        assert box[3] - box[1] < 8 * 22
        if width >= 1280:
            assert not page.evaluate(SIDEWAYS)
            assert not overlaps(page.locator("#result_list").evaluate(BOX), filters)
        # The status can be changed from the list and saved.
        page.locator("#result_list select").first.select_option("in_progress")
        page.get_by_role("button", name="Save").click()
        page.wait_for_selector(".messagelist")
        assert FollowUpQuestion.objects.filter(status="in_progress").count() == 1
        assert axe_violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_question_change_page_shows_the_question_status_and_reply_in_full(chromium, live_server, inbox, width):
    context, page = browser_at(chromium, width)
    try:
        admin_login(page, live_server, "author")
        page.goto(f"{live_server.url}/admin/articles/followupquestion/{inbox[0].pk}/change/")
        shoot(page, "question-change")
        for control in (page.locator("#id_status"), page.get_by_label("Reply by email")):
            control.scroll_into_view_if_needed()
            assert control.is_visible()
            assert control.evaluate(HIT)
            box = control.evaluate(BOX)
            assert box[0] >= 0 and box[2] <= width
        question = page.locator(".field-question .readonly")
        box = question.evaluate(BOX)
        assert box[2] - box[0] >= (200 if width < 600 else 400)
        if width >= 1280:
            assert not page.evaluate(SIDEWAYS)
        assert axe_violations(page) == []
    finally:
        context.close()
