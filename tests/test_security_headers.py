"""Content-Security-Policy on every page, and throttled admin logins that read the right address."""

import pytest

from . import factories

PAGES = ["/", "/articles/coffee/", "/board/", "/admin/login/"]


def policy(response):
    return dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip())


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_policy_without_unsafe_inline(client, published, path):
    response = client.get(path)
    assert response.status_code == 200
    directives = policy(response)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"


def test_admin_pages_have_the_policy(client, published, author):
    client.force_login(author)
    response = client.get(f"/admin/articles/article/{published.pk}/change/")
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_cached_pages_carry_the_policy(client, published, settings):
    settings.EDITORIAL_PAGE_CACHE = True
    client.get("/articles/coffee/")
    response = client.get("/articles/coffee/")
    assert response["X-Page-Cache"] == "hit"
    assert "script-src 'self'" in response["Content-Security-Policy"]


def login(client, username, password, **extra):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, **extra)


def test_admin_login_locks_after_repeated_failures_even_with_the_right_password(client, author, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "author", "wrong")
    locked = login(client, "author", "pw")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_address_so_others_can_still_sign_in(client, author, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "author", "wrong", REMOTE_ADDR="203.0.113.7")
    assert login(client, "author", "pw", REMOTE_ADDR="198.51.100.2").status_code == 302


def test_behind_a_proxy_the_address_the_proxy_appended_counts(client, author, settings):
    """A client cannot dodge the lockout by sending its own X-Forwarded-For entries."""
    settings.EDITORIAL_TRUSTED_PROXIES = 1
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        forged = f"10.0.0.{attempt}, 203.0.113.7"  # left entry forged each time; the proxy appended the right one
        login(client, "author", "wrong", HTTP_X_FORWARDED_FOR=forged, REMOTE_ADDR="192.0.2.1")
    locked = login(client, "author", "pw", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7", REMOTE_ADDR="192.0.2.1")
    assert locked.status_code == 429


def test_successful_login_resets_the_count(client, db, settings):
    factories.editor(username="careful")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "careful", "wrong")
    assert login(client, "careful", "pw").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "careful", "wrong")
    assert login(client, "careful", "pw").status_code == 302
