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


def test_password_spraying_from_one_address_is_locked_out_across_usernames(client, author, settings):
    """One password tried against many accounts: the address is locked, whichever username comes next."""
    limit = settings.EDITORIAL_LOGIN_FAILURES_PER_ADDRESS
    assert limit > settings.AXES_FAILURE_LIMIT
    for n in range(limit - 1):
        factories.editor(username=f"target{n}")
        assert login(client, f"target{n}", "Winter2026!", REMOTE_ADDR="203.0.113.9").status_code == 200
    # The last failure the limit allows locks the address.
    assert login(client, "target_last", "Winter2026!", REMOTE_ADDR="203.0.113.9").status_code == 429
    # Even the right password of a real account is refused from that address for now...
    assert login(client, "author", "pw", REMOTE_ADDR="203.0.113.9").status_code == 429
    assert "_auth_user_id" not in client.session
    # ...while people elsewhere sign in as usual.
    assert login(client, "author", "pw", REMOTE_ADDR="198.51.100.2").status_code == 302


def test_signing_in_with_ones_own_account_does_not_clear_an_addresses_spraying(client, author, settings):
    limit = settings.EDITORIAL_LOGIN_FAILURES_PER_ADDRESS
    for n in range(limit - 1):
        login(client, f"nobody{n}", "guess", REMOTE_ADDR="203.0.113.10")
    assert login(client, "author", "pw", REMOTE_ADDR="203.0.113.10").status_code == 302
    client.logout()
    assert login(client, "nobody-else", "guess", REMOTE_ADDR="203.0.113.10").status_code == 429
    assert login(client, "author", "pw", REMOTE_ADDR="203.0.113.10").status_code == 429


def test_a_few_typos_by_different_people_behind_one_address_lock_nobody_out(client, author, settings):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        factories.editor(username=f"colleague{n}")
        login(client, f"colleague{n}", "typo", REMOTE_ADDR="192.0.2.50")
    assert login(client, "author", "pw", REMOTE_ADDR="192.0.2.50").status_code == 302
