"""The log stays readable on a bad day: one line per refused request, and warnings about a cache
outage at most once per process every 10 s, with a count (LOGGING in editorial/settings.py)."""

import io
import logging

import pytest
from django.core.exceptions import PermissionDenied

from articles.operations import logs
from articles.operations.cache_backend import CircuitBreakerRedisCache

from .test_outages import cache_down  # noqa: F401 - a fixture


@pytest.fixture
def console(monkeypatch):
    """What the configured console handler writes (the handler the servers log through)."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    monkeypatch.setattr(handler, "stream", stream)
    for log_filter in handler.filters:
        if isinstance(log_filter, logs.RateLimitedOutages):
            log_filter.reset()
    return stream


def rate_limit_filter():
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    return next(f for f in handler.filters if isinstance(f, logs.RateLimitedOutages))


def test_a_refused_request_logs_one_line_without_a_traceback(client, author, console):
    client.force_login(author)
    console.seek(0)
    console.truncate()  # the sign-in's own lines
    for _ in range(3):
        assert client.get("/admin/auth/group/").status_code == 403
    lines = console.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert all(line.startswith("Forbidden (Permission denied): /admin/auth/group/") for line in lines)
    assert "Traceback" not in console.getvalue()


def test_the_refusal_line_keeps_the_reason():
    record = logging.LogRecord(
        "django.security.PermissionDenied", logging.WARNING, __file__, 1, "Forbidden (Permission denied): %s",
        ("/admin/x/",), (PermissionDenied, PermissionDenied("Departed board members may not decide."), None),
    )  # fmt: skip
    assert logs.OneLineRefusals().filter(record)
    assert record.exc_info is None
    assert record.getMessage() == "Forbidden (Permission denied): /admin/x/ (Departed board members may not decide.)"


def test_errors_keep_their_traceback():
    try:
        raise ValueError("a bug")
    except ValueError as error:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), (ValueError, error, None))
    logs.OneLineRefusals().filter(record)
    assert record.exc_info is not None


@pytest.mark.usefixtures("cache_down")
def test_a_cache_outage_logs_one_line_per_ten_seconds_saying_how_many_it_held_back(
    client, published, console, settings
):
    settings.EDITORIAL_PAGE_CACHE = True
    limiter = rate_limit_filter()
    now = [1000.0]
    limiter.clock = lambda: now[0]
    try:
        for n in range(30):
            for path in ("/articles/coffee/", "/", "/articles/coffee/professional/"):
                assert client.get(path).status_code == 200
            if n % 10 == 0:
                client.post("/articles/coffee/ask/", {"question": f"Question {n} about decaf?", "audience": "patient"})
        lines = console.getvalue().splitlines()
        assert len(lines) == 1, lines
        now[0] += 10
        client.get("/articles/coffee/")
        lines = console.getvalue().splitlines()
        assert len(lines) == 2, lines
        assert "more cache outage warning(s) since the last one" in lines[1]
        held_back = int(lines[1].split("(and ")[1].split()[0])
        assert held_back >= 90  # at least one per page request above
    finally:
        limiter.clock = logs.time.monotonic


def test_other_warnings_are_not_held_back(console):
    logger = logging.getLogger("articles.test")
    for n in range(5):
        logger.warning("an ordinary warning %s", n)
    assert len(console.getvalue().splitlines()) == 5


def test_the_redis_circuit_breaker_warns_through_the_limit(monkeypatch, console):
    monkeypatch.setattr(CircuitBreakerRedisCache, "_open_until", 0.0)
    dead = CircuitBreakerRedisCache("redis://127.0.0.1:9/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    for _ in range(3):
        monkeypatch.setattr(CircuitBreakerRedisCache, "_open_until", 0.0)  # the retry time has come
        with pytest.raises(Exception):  # noqa: B017 - whatever the client raises
            dead.get("anything")
    lines = console.getvalue().splitlines()
    assert len(lines) == 1 and "cache unavailable" in lines[0]
