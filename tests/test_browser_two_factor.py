"""In a browser: a board member enrols an authenticator app after the password and signs in with it;
the enrolment, recovery-code and second-step screens pass axe at 1280 and 390 px."""

import os
import re
import time
from base64 import b32decode
from pathlib import Path

import pytest
from django_otp.oath import TOTP

from .conftest import _browser_page
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("EDITORIAL_SHOTS", Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"))


def app_code(key: str, steps: int = 0) -> str:
    """What an authenticator app shows for the key written out on the enrolment screen."""
    key = key.replace(" ", "")
    totp = TOTP(b32decode(key + "=" * (-len(key) % 8)))
    totp.time = time.time() + steps * 30
    return f"{totp.token():06d}"


def password_step(page, server, username):
    page.goto(f"{server}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_board_member_enrols_an_app_and_signs_in_with_it(
    chromium, live_server, settings, reviewer, second_reviewer, width
):
    settings.EDITORIAL_REQUIRE_2FA = True
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = _browser_page(chromium, viewport={"width": width, "height": 900})
    username = "reviewer" if width == 1280 else "second_reviewer"
    # At 1280 px on a plain-HTTP address (127.0.0.1), at 390 px on localhost, where browsers allow passkeys.
    server = live_server.url.replace("localhost", "127.0.0.1") if width == 1280 else live_server.url
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    problems = {}
    try:
        password_step(page, server, username)
        page.wait_for_url(re.compile(r"/admin/security/\?next="))
        assert page.get_by_text("Your account must use a second factor").is_visible()
        if width == 1280:  # passkeys here: explained on the screen, not a script error
            assert page.get_by_text("Passkeys work only on a secure address").is_visible()
        else:
            assert page.get_by_role("button", name="Add a passkey or security key").is_visible()
        page.screenshot(path=SHOTS / f"enrol-{width}.png", full_page=True)
        problems["enrol"] = axe_violations(page)

        # The app is set up from the key written out beside the QR code.
        key = page.locator("#manual-key").inner_text()
        assert page.locator("img.security-qr").evaluate("img => img.naturalWidth") > 0
        page.fill("#id_code", app_code(key))
        page.click("input[value='Confirm the app']")
        page.wait_for_selector(".recovery-codes")
        assert page.locator(".recovery-codes li").count() == 10
        page.screenshot(path=SHOTS / f"recovery-codes-{width}.png", full_page=True)
        problems["recovery-codes"] = axe_violations(page)
        page.click("text=I have kept them: continue")
        page.wait_for_url(f"{server}/admin/")
        page.goto(f"{server}/admin/security/")
        assert page.get_by_text("Set up").first.is_visible()
        assert page.get_by_text("10 unused recovery codes").is_visible()
        page.screenshot(path=SHOTS / f"security-enrolled-{width}.png", full_page=True)
        problems["security-enrolled"] = axe_violations(page)

        # Sign out, and in again: password, then the code from the app.
        page.locator("#logout-form button").click()
        password_step(page, server, username)
        page.wait_for_url(re.compile(r"/admin/security/verify/"))
        page.screenshot(path=SHOTS / f"second-step-{width}.png", full_page=True)
        problems["second-step"] = axe_violations(page)
        page.fill("#id_code", "000000")
        page.click("input[value='Continue']")
        assert page.get_by_text("That code is not right").is_visible()
        page.screenshot(path=SHOTS / f"second-step-wrong-{width}.png", full_page=True)
        time.sleep(1.1)  # django-otp waits a second after a wrong code before it checks again
        page.fill("#id_code", app_code(key, steps=1))  # the next code (the first was used at enrolment)
        page.click("input[value='Continue']")
        page.wait_for_url(f"{server}/admin/")
        assert page.get_by_role("link", name="Two-factor sign-in").is_visible()
    finally:
        context.close()
    assert not any(problems.values()), problems
    assert not errors, errors


def test_a_board_member_adds_a_passkey_and_signs_in_with_it(chromium, live_server, settings, reviewer):
    """On localhost (a secure context), with Chromium's virtual authenticator standing in for a security key."""
    settings.EDITORIAL_REQUIRE_2FA = True
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    context, page = _browser_page(chromium, viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "usb",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                }
            },
        )
        password_step(page, live_server.url, "reviewer")
        page.wait_for_url(re.compile(r"/admin/security/\?next="))
        page.get_by_role("button", name="Add a passkey or security key").click()
        page.wait_for_selector("#passkey-register-status-message:has-text('successful')")
        page.goto(f"{live_server.url}/admin/")
        assert page.url == f"{live_server.url}/admin/"  # the new passkey verified this session

        page.locator("#logout-form button").click()
        password_step(page, live_server.url, "reviewer")
        page.wait_for_url(re.compile(r"/admin/security/verify/"))
        page.get_by_role("button", name="Use your passkey").click()
        page.wait_for_url(f"{live_server.url}/admin/")
    finally:
        context.close()
    assert not errors, errors
