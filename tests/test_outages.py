"""When the database or the cache is down: 503s and stale pages, one log line, nothing lost."""

import logging
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.db import OperationalError, connection
from django.utils import timezone

from articles.content import versions
from articles.models import FollowUpQuestion, PendingInvalidation
from articles.operations import health
from articles.operations.cache_backend import CircuitBreakerRedisCache
from articles.review import editing
from articles.site import caching, views

from . import factories
from .loopback_proxy import LoopbackProxy
from .test_caching import BrokenCache


@contextmanager
def database_down():
    """Every SQL statement fails as it does when PostgreSQL is unreachable or SQLite stays locked."""

    def fail(execute, sql, params, many, context):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    with connection.execute_wrapper(fail):
        yield


@pytest.fixture
def quiet_client(client):
    client.raise_request_exception = False
    return client


@pytest.fixture
def cache_down(monkeypatch):
    broken = BrokenCache()
    for module in (caching, versions, health):
        monkeypatch.setattr(module, "cache", broken)
    monkeypatch.setattr("articles.operations.ratelimit.cache", broken)
    return broken


# --- Database down -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/articles/coffee/", "/board/", "/?q=coffee", "/articles/coffee/ask/"])
def test_public_pages_answer_503_with_a_maintenance_page(quiet_client, published, path):
    with database_down():
        response = quiet_client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Back in a moment" in response.content.decode()


def test_admin_answers_503_for_a_signed_in_editor(quiet_client, published, author):
    quiet_client.force_login(author)
    with database_down():
        response = quiet_client.get("/admin/articles/article/")
    assert response.status_code == 503


def test_outage_logs_one_line_per_request_without_a_traceback(quiet_client, published, caplog):
    with caplog.at_level(logging.INFO), database_down():
        for _ in range(3):
            quiet_client.get("/articles/coffee/")
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 3
    assert all(r.exc_info is None for r in records)
    assert all("database unavailable" in r.getMessage() for r in records)


def test_stale_copy_is_served_while_the_database_is_down(
    quiet_client, published, settings, django_capture_on_commit_callbacks
):
    settings.EDITORIAL_PAGE_CACHE = True
    quiet_client.get("/articles/coffee/")
    with django_capture_on_commit_callbacks(execute=True):
        caching.people_changed()  # the stored copy is now stale
    with database_down():
        response = quiet_client.get("/articles/coffee/")
    assert response.status_code == 200
    assert response["X-Page-Cache"] == "stale"
    assert "Is coffee bad for you?" in response.content.decode()


def test_other_errors_are_still_500(quiet_client, published, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(views, "make_page", broken)
    assert quiet_client.get("/articles/coffee/").status_code == 500


def test_healthz_reports_the_database_down(client, db):
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


# --- Cache down -----------------------------------------------------------------------


def test_article_pages_are_served_uncached_with_the_cache_down(client, published, cache_down, settings):
    settings.EDITORIAL_PAGE_CACHE = True
    for path in ("/articles/coffee/", "/articles/coffee/professional/", "/", "/board/", "/feeds/articles/"):
        response = client.get(path)
        assert response.status_code == 200, path


def test_question_is_stored_with_the_cache_down(client, published, cache_down, caplog):
    with caplog.at_level(logging.WARNING):
        response = client.post("/articles/coffee/ask/", {"question": "Is decaf any better?", "audience": "patient"})
    assert response.status_code == 302
    assert FollowUpQuestion.objects.filter(question="Is decaf any better?").exists()
    assert any("rate limit not applied" in r.getMessage() for r in caplog.records)


def test_healthz_reports_a_degraded_cache_without_failing(client, db, cache_down):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "degraded"}


def test_readyz_is_503_until_the_cache_answers(client, db, cache_down):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["cache"] == "down"


def test_readyz_is_200_when_everything_answers(client, db):
    assert client.get("/readyz").json() == {"database": "ok", "cache": "ok", "status": "ready"}


# --- The Redis backend fails fast while Redis is away ----------------------------------


def test_redis_backend_stops_waiting_on_a_dead_redis(monkeypatch):
    from articles.operations.cache_backend import CircuitBreakerRedisCache

    monkeypatch.setattr(CircuitBreakerRedisCache, "_open_until", 0.0)
    dead = CircuitBreakerRedisCache("redis://127.0.0.1:9/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    with pytest.raises(Exception) as first:
        dead.get("anything")
    assert "circuit open" not in str(first.value)  # it really tried
    with pytest.raises(ConnectionError, match="circuit open"):
        dead.get_many(["a", "b"])  # and now does not wait again
    monkeypatch.setattr(CircuitBreakerRedisCache, "_open_until", 0.0)  # the retry time has come
    with pytest.raises(Exception) as retried:
        dead.set("k", "v")
    assert "circuit open" not in str(retried.value)


# --- An invalidation is never lost to a cache outage -------------------------------------

CORRECTION = "Take 200 mg a day, not 2,000 mg [1]."


@pytest.fixture
def approve_correction(published, author, reviewer, django_capture_on_commit_callbacks, settings):
    settings.EDITORIAL_PAGE_CACHE = True

    def approve():
        published.body = CORRECTION
        editing.save_content(published, user=author)
        with django_capture_on_commit_callbacks(execute=True):
            factories.publish(published, author=author, reviewers=[reviewer])

    return approve


def shows_correction(response):
    return response.status_code == 200 and "not 2,000 mg" in response.content.decode()


def test_a_correction_approved_while_the_cache_is_down_shows_when_it_returns(client, approve_correction, monkeypatch):
    client.get("/articles/coffee/")
    assert client.get("/articles/coffee/")["X-Page-Cache"] == "hit"  # also in this worker's memory
    shared = caching.cache
    monkeypatch.setattr(caching, "cache", BrokenCache())
    approve_correction()
    assert PendingInvalidation.objects.exists()  # kept where it survives the outage
    assert shows_correction(client.get("/articles/coffee/"))  # rendered uncached meanwhile
    monkeypatch.setattr(caching, "cache", shared)  # back, still holding the replaced version
    for _ in range(6):
        assert shows_correction(client.get("/articles/coffee/"))
    assert not PendingInvalidation.objects.exists()
    assert client.get("/articles/coffee/")["X-Page-Cache"] == "hit"


def test_a_worker_that_never_saw_the_outage_applies_it_within_seconds(client, approve_correction, monkeypatch):
    shared = LocMemCache("never-saw-the-outage", {})  # expiry follows the travelling clock
    monkeypatch.setattr(caching, "cache", shared)
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"
    monkeypatch.setattr(caching, "cache", BrokenCache())  # the worker that handles the approval
    approve_correction()
    monkeypatch.setattr(caching, "cache", shared)
    caching.forget_process_state()  # another worker: it saw no failure
    with time_machine.travel(timezone.now() + timedelta(seconds=caching.SYNC_SECONDS + 1)):
        assert shows_correction(client.get("/articles/coffee/"))
    assert not PendingInvalidation.objects.exists()


def test_an_invalidation_kept_while_the_database_is_down_too_waits_for_both(client, approve_correction, monkeypatch):
    client.get("/articles/coffee/")
    shared = caching.cache
    monkeypatch.setattr(caching, "cache", BrokenCache())
    approve_correction()
    monkeypatch.setattr(caching, "cache", shared)
    client.raise_request_exception = False
    with database_down():
        response = client.get("/articles/coffee/")  # the cache is back, the database is not
    assert response.status_code == 200  # the stored copy, rather than a 503
    assert PendingInvalidation.objects.exists()
    # Seconds later: this worker may try the database again, and the marker has expired.
    caching.forget_process_state()
    shared.delete(caching.SYNCED_KEY)
    assert shows_correction(client.get("/articles/coffee/"))
    assert not PendingInvalidation.objects.exists()


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
def test_a_correction_approved_while_redis_refuses_connections_shows_when_it_returns(
    client, approve_correction, monkeypatch
):
    """The real backend and its circuit breaker, with Redis behind a proxy that refuses connections."""
    location = urlsplit(settings.CACHES["default"]["LOCATION"])
    proxy = LoopbackProxy(location.hostname, location.port or 6379)
    through_proxy = location._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()
    redis = CircuitBreakerRedisCache(
        through_proxy, {"KEY_PREFIX": "editorial", "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
    )
    monkeypatch.setattr(caching, "cache", redis)
    monkeypatch.setattr(CircuitBreakerRedisCache, "_open_until", 0.0)
    try:
        client.get("/articles/coffee/")
        assert client.get("/articles/coffee/")["X-Page-Cache"] == "hit"
        proxy.set("down")
        approve_correction()
        assert PendingInvalidation.objects.exists()
        proxy.set("up")
        monkeypatch.setattr(CircuitBreakerRedisCache, "_open_until", 0.0)  # its retry time has come
        for _ in range(6):
            assert shows_correction(client.get("/articles/coffee/"))
        assert not PendingInvalidation.objects.exists()
    finally:
        proxy.close()
