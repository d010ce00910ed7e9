"""The API's page for people (/api/) and the admin's new-key page in a real browser: layout, axe, no CDN."""

from pathlib import Path

import pytest

from articles.api import keys

from .conftest import admin_login
from .test_browser_site import axe_violations

pytestmark = pytest.mark.browser
SHOTS = Path("/work/wt/shots/api23")


@pytest.fixture
def shots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def test_the_api_page_fits_phone_and_desktop_and_passes_axe(chromium, live_server, db, shots):
    external = []
    for width in (1280, 390):
        context = chromium.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)
        page.goto(f"{live_server.url}/api/")
        assert page.get_by_role("heading", name="Content API").is_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"horizontal scroll at {width}px"
        assert axe_violations(page) == []
        page.screenshot(path=shots / f"api-docs-{width}.png", full_page=True)
        context.close()
    assert external == []


def test_the_footer_links_the_api_page(page, live_server, db):
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="API").click()
    page.wait_for_url(f"{live_server.url}/api/")


def test_the_admin_shows_a_new_key_once(chromium, live_server, db, shots):
    from . import factories

    factories.superuser(username="boss")
    for width in (1280, 390):
        context = chromium.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        admin_login(page, live_server, "boss")
        page.goto(f"{live_server.url}/admin/articles/apikey/add/")
        page.fill("#id_name", f"Partner {width}")
        page.fill("#id_allowed_origins", "https://partner.example.org")
        page.click("input[name=_save]")
        token = page.locator("#api-key").input_value()
        assert token.startswith(keys.TOKEN_PREFIX)
        assert axe_violations(page) == []
        page.screenshot(path=shots / f"admin-key-created-{width}.png", full_page=True)
        page.goto(f"{live_server.url}/admin/articles/apikey/")
        assert token not in page.content()
        page.screenshot(path=shots / f"admin-keys-{width}.png", full_page=True)
        context.close()
