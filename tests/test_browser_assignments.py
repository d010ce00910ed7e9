"""Assigning named reviewers from the review screen, in a real browser (Debian's chromium)."""

import pytest
from playwright.sync_api import expect

from articles.models import Article, ReviewAssignment
from articles.review import workflow

from . import factories
from .conftest import admin_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUE_PATH = "/admin/articles/reviewqueueitem/"
S = Article.Status


@pytest.fixture
def cardiology_item(author):
    cardiology = factories.SpecialtyFactory(name="Cardiology", slug="cardiology")
    article = factories.make_article(
        author=author, title="When is a fast heartbeat a worry?", slug="fast-heartbeat", specialty=cardiology
    )
    workflow.submit(article, user=author)
    return article


def board_member(username, display_name, specialty=None):
    user = factories.reviewer(username=username)
    profile = user.board_profile
    profile.display_name, profile.specialty = display_name, specialty
    profile.save()
    return user


def test_chair_assigns_the_cardiologist_who_is_emailed_sees_it_and_releases_it(
    page, live_server, cardiology_item, reviewer, mailoutbox, screenshot_dir
):
    cardiologist = board_member("dr.heart", "Dr Ama Mensah", cardiology_item.specialty)
    board_member("dr.skin", "Dr Bea Quist", factories.SpecialtyFactory(name="Dermatology", slug="dermatology"))
    mailoutbox.clear()

    admin_login(page, live_server, "reviewer")
    page.goto(f"{live_server.url}{QUEUE_PATH}{cardiology_item.pk}/review/")
    form = page.locator("form.assign-form")
    options = form.locator("label")
    # The matching specialty comes first, with each reviewer's open load.
    expect(options.first).to_contain_text("Dr Ama Mensah")
    expect(options.first).to_contain_text("Cardiology (matches this article) · 0 open reviews")
    form.get_by_label("Dr Ama Mensah", exact=False).check()
    page.screenshot(path=screenshot_dir / "assign-review-screen-1280.png", full_page=True)
    form.get_by_role("button", name="Assign and email").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Assigned: Dr Ama Mensah")
    expect(page.locator(".assignment-list")).to_contain_text("Dr Ama Mensah")
    assert [m.to for m in mailoutbox] == [[cardiologist.email]]
    assert "fast heartbeat" in mailoutbox[0].subject

    # The cardiologist finds it under "Assigned to me", claims it, then gives both back.
    page.context.clear_cookies()
    admin_login(page, live_server, "dr.heart")
    page.goto(f"{live_server.url}{QUEUE_PATH}")
    page.get_by_role("link", name="Assigned to me").click()
    page.wait_for_url("**assigned=me**")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".field-assigned_reviewers")).to_have_text("Dr Ama Mensah, MD")
    page.screenshot(path=screenshot_dir / "assign-queue-assigned-to-me-1280.png", full_page=True)
    rows.first.get_by_role("link", name="When is a fast heartbeat a worry?").click()
    page.wait_for_url(f"**/{cardiology_item.pk}/review/")
    page.get_by_role("button", name="Start review").click()
    expect(page.locator("#summary-heading .wf-status")).to_have_text("Under review")
    page.get_by_role("button", name="Release my claim").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Claim released")
    expect(page.locator("#summary-heading .wf-status")).to_have_text("Submitted")
    page.get_by_role("button", name="Release my assignment").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Assignment released")
    expect(page.locator(".review-assignments")).to_contain_text("Nobody has been assigned by name.")
    assert not ReviewAssignment.objects.open().exists()
    cardiology_item.refresh_from_db()
    assert cardiology_item.status == S.SUBMITTED and cardiology_item.claimed_by is None


def test_assign_form_fits_a_phone(phone_page, live_server, cardiology_item, reviewer, screenshot_dir):
    board_member("dr.heart", "Dr Ama Mensah", cardiology_item.specialty)
    phone_page.set_viewport_size({"width": 390, "height": 844})
    admin_login(phone_page, live_server, "reviewer")
    phone_page.goto(f"{live_server.url}{QUEUE_PATH}{cardiology_item.pk}/review/")
    form = phone_page.locator("form.assign-form")
    expect(form).to_be_visible()
    box = form.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    overflow = phone_page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 390
    phone_page.screenshot(path=screenshot_dir / "assign-review-screen-390.png", full_page=True)
