"""When the database or the cache is down: 503s and stale pages, one log line, nothing lost."""

import logging
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection

from articles.content import versions
from articles.models import FollowUpQuestion
from articles.operations import health
from articles.site import caching, views

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
