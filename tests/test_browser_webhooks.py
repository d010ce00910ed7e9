"""The webhook admin in a real browser: a new endpoint's secret shown once, the delivery log with its
filters and a delivery's attempts, at desktop and phone widths, with axe."""

from pathlib import Path

import pytest

from articles.api import webhooks
from articles.models import Delivery

from . import factories
from .conftest import admin_login
from .test_browser_site import axe_violations
from .test_webhooks import Receiver

pytestmark = pytest.mark.browser
SHOTS = Path("/work/wt/shots/webhooks23")


@pytest.fixture
def shots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def fits(page, width):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"horizontal scroll at {width}px"


def test_the_webhook_admin_and_delivery_log_fit_and_pass_axe(chromium, live_server, transactional_db, shots):
    receiver = Receiver()
    try:
        factories.superuser(username="boss")
        author = factories.editor(username="author")
        reviewer = factories.reviewer(username="reviewer")
        hook = webhooks.register(partner="Riverside GP surgery", url=receiver.url)
        receiver.answers = [503]
        article = factories.make_article(author=author, title="Is coffee bad for you?", slug="coffee")
        factories.publish(article, author=author, reviewers=[reviewer])  # one failed attempt, pending
        delivery = Delivery.objects.get()
        webhooks.attempt(delivery)  # a second attempt, which succeeds
        for width in (1280, 390):
            context = chromium.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            admin_login(page, live_server, "boss")
            page.goto(f"{live_server.url}/admin/articles/webhook/add/")
            page.fill("#id_partner", f"Partner {width}")
            page.fill("#id_url", f"{receiver.url}/{width}")
            page.click("input[name=_save]")
            secret = page.locator("#webhook-secret").input_value()
            assert secret.startswith("whsec_")
            assert axe_violations(page) == []
            fits(page, width)
            page.screenshot(path=shots / f"webhook-created-{width}.png", full_page=True)
            page.goto(f"{live_server.url}/admin/articles/webhook/")
            assert secret not in page.content()
            assert axe_violations(page) == []
            page.screenshot(path=shots / f"webhooks-{width}.png", full_page=True)
            page.goto(f"{live_server.url}/admin/articles/webhook/{hook.pk}/change/")
            assert axe_violations(page) == []
            page.screenshot(path=shots / f"webhook-change-{width}.png", full_page=True)
            page.goto(f"{live_server.url}/admin/articles/delivery/?status__exact=succeeded")
            assert page.get_by_text("Riverside GP surgery").first.is_visible()
            assert axe_violations(page) == []
            page.screenshot(path=shots / f"deliveries-{width}.png", full_page=True)
            page.goto(f"{live_server.url}/admin/articles/delivery/{delivery.pk}/change/")
            assert page.get_by_text("HTTP 503").first.is_visible() and page.get_by_text("HTTP 200").first.is_visible()
            assert axe_violations(page) == []
            page.screenshot(path=shots / f"delivery-{width}.png", full_page=True)
            context.close()
    finally:
        receiver.close()
