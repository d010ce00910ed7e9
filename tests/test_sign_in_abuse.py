"""Sign-in abuse: password spraying and one account guessed from many addresses are locked, every
lockout is logged and announced, and an admin (or the lockout time) unlocks."""

import logging
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.utils import timezone

from articles.operations import account_signals

from . import factories


def login(client, username, password, address):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def lockouts():
    caught = []

    def receiver(sender, **kwargs):
        caught.append(kwargs)

    account_signals.account_locked.connect(receiver)
    yield caught
    account_signals.account_locked.disconnect(receiver)


@pytest.fixture
def unlocks():
    caught = []

    def receiver(sender, **kwargs):
        caught.append(kwargs)

    account_signals.account_unlocked.connect(receiver)
    yield caught
    account_signals.account_unlocked.disconnect(receiver)


def test_thirty_usernames_with_one_password_from_one_address_are_stopped_well_before_thirty(
    client, author, lockouts, caplog
):
    caplog.set_level(logging.WARNING, logger="articles.accounts")
    answers = [login(client, f"person{n}", "Spring2026!", "203.0.113.20").status_code for n in range(30)]
    first_refusal = answers.index(429)
    assert first_refusal < 10  # the default limit per address is 10 failures
    assert set(answers[first_refusal:]) == {429}
    # The real owner of an account is refused from that address too, for now.
    assert login(client, "author", "pw", "203.0.113.20").status_code == 429
    new = [event for event in lockouts if event["details"]["new_lockout"]]
    assert len(new) == 1
    assert new[0]["address"] == "203.0.113.20"
    assert "Sign-in locked: username" in caplog.text and "203.0.113.20" in caplog.text


def test_one_username_guessed_from_many_addresses_is_locked_everywhere(client, author, lockouts, settings):
    limit = settings.EDITORIAL_LOGIN_FAILURES_PER_USERNAME
    assert limit > settings.AXES_FAILURE_LIMIT
    for n in range(limit - 1):
        assert login(client, "author", f"guess{n}", f"198.51.100.{n + 1}").status_code == 200
    assert login(client, "author", "last-guess", "198.51.100.200").status_code == 429
    # Locked from any address, even with the right password...
    assert login(client, "author", "pw", "192.0.2.77").status_code == 429
    assert lockouts[-1]["user"] == author
    # ...while other people sign in as usual.
    factories.editor(username="colleague")
    assert login(client, "colleague", "pw", "192.0.2.77").status_code == 302


def test_the_lockout_ends_after_the_lockout_time(client, author, settings):
    for n in range(settings.EDITORIAL_LOGIN_FAILURES_PER_ADDRESS):
        login(client, f"person{n}", "guess", "203.0.113.30")
    assert login(client, "author", "pw", "203.0.113.30").status_code == 429
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=1)):
        assert login(client, "author", "pw", "203.0.113.30").status_code == 302


def test_an_admin_unlocks_a_username_locked_across_addresses(client, author, superuser, settings, unlocks):
    from django.test import Client

    for n in range(settings.EDITORIAL_LOGIN_FAILURES_PER_USERNAME):
        login(client, "author", "guess", f"198.51.100.{n + 1}")
    assert login(client, "author", "pw", "192.0.2.5").status_code == 429

    admin = Client()
    admin.force_login(superuser)
    response = admin.post(
        "/admin/auth/user/", {"action": "unlock_sign_in", "_selected_action": [author.pk]}, follow=True
    )
    assert "sign-in unlocked" in response.content.decode()
    assert login(Client(), "author", "pw", "192.0.2.5").status_code == 302
    assert unlocks[0]["user"] == author and unlocks[0]["details"]["by"] == "boss"


def test_an_admin_unlocks_a_sprayed_address_from_the_attempts_list(client, author, superuser, settings, unlocks):
    from django.test import Client

    for n in range(settings.EDITORIAL_LOGIN_FAILURES_PER_ADDRESS):
        login(client, f"person{n}", "guess", "203.0.113.40")
    assert login(client, "author", "pw", "203.0.113.40").status_code == 429

    admin = Client()
    admin.force_login(superuser)
    one = AccessAttempt.objects.filter(ip_address="203.0.113.40").first()
    admin.post("/admin/axes/accessattempt/", {"action": "unlock_attempts", "_selected_action": [one.pk]})
    assert not AccessAttempt.objects.filter(ip_address="203.0.113.40").exists()
    assert login(Client(), "author", "pw", "203.0.113.40").status_code == 302
    assert unlocks[0]["details"]["ip_address"] == "203.0.113.40"
