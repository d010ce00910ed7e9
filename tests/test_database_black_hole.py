"""A database that accepts connections and never answers: every wait is bounded, requests get
503, and the server recovers by itself. PostgreSQL only (SQLite has no connection to lose).

The outage is a proxy on loopback that accepts and stays silent (tests/loopback_proxy.py), in
front of the test database. Time limits below only stop a broken test from hanging the suite.
"""

import http.client
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection

from .loopback_proxy import LoopbackProxy

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = settings.DATABASES["default"]["ENGINE"] == "editorial.postgresql"
pytestmark = pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
GIVE_UP = 60  # seconds: a thread still waiting after this is the bug under test, not slowness


@pytest.fixture
def proxy(db):
    config = connection.settings_dict
    proxy = LoopbackProxy(config["HOST"] or "127.0.0.1", int(config["PORT"] or 5432))
    yield proxy
    proxy.close()


def outcome(function):
    """Run ``function`` in a thread; return its result or exception (fail if it is still waiting)."""
    result = {}

    def run():
        try:
            result["value"] = function()
        except Exception as error:
            result["value"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(GIVE_UP)
    assert not thread.is_alive(), f"still waiting after {GIVE_UP} s"
    return result["value"]


def through(proxy, **options):
    """A connection of the site's own backend to the test database, through the proxy."""
    from editorial.postgresql.base import DatabaseWrapper

    config = connection.settings_dict
    options = {**config["OPTIONS"], "connect_timeout": 2, "answer_timeout": 1, **options}
    wrapper = DatabaseWrapper({**config, "HOST": "127.0.0.1", "PORT": str(proxy.port), "OPTIONS": options}, "proxied")
    wrapper.inc_thread_sharing()  # used from the threads ``outcome`` starts
    return wrapper


def select_one(wrapper):
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0]


def test_the_site_talks_to_postgresql_with_every_wait_bounded():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["connect_timeout"] > 0
    assert options["keepalives"] == 1 and options["tcp_user_timeout"] > 0


def test_a_connection_to_a_silent_server_gives_up_and_a_new_one_works_when_it_answers(proxy):
    open_connection = through(proxy)
    assert outcome(lambda: select_one(open_connection)) == 1

    proxy.set("blackhole")
    # The open connection's query is never answered: bounded by answer_timeout.
    error = outcome(lambda: select_one(open_connection))
    assert isinstance(error, OperationalError), error
    assert "no answer from the database server" in str(error)
    assert not open_connection.is_usable()
    # A new connection is accepted and never answered: bounded by connect_timeout.
    error = outcome(lambda: select_one(through(proxy)))
    assert isinstance(error, OperationalError), error

    proxy.set("up")
    open_connection.close()
    assert outcome(lambda: select_one(open_connection)) == 1  # reconnects
    assert outcome(lambda: select_one(through(proxy))) == 1
    open_connection.close()


# --- The production server: threads get 503 within seconds, then recover -------------------


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=GIVE_UP) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except TimeoutError:
        return "no answer", ""
    except (ConnectionError, urllib.error.URLError, http.client.HTTPException) as error:
        return f"connection closed ({error.__class__.__name__})", ""


def _all_at_once(url, count):
    results = [None] * count

    def fetch(i):
        results[i] = _get(url)

    threads = [threading.Thread(target=fetch, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(GIVE_UP * 2)
    assert not any(thread.is_alive() for thread in threads), "requests still without an answer"
    return results


@contextmanager
def production_server(proxy, tmp_path, *, statement_timeout, gunicorn_args=()):
    """gunicorn with the production config (one worker, four threads) on the test database, through the proxy."""
    config = connection.settings_dict
    credentials = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    env = {
        **os.environ,
        # The test settings serve without collected static files; the database settings are the real ones.
        "DJANGO_SETTINGS_MODULE": "editorial.test_settings",
        "DATABASE_URL": f"postgres://{credentials}@127.0.0.1:{proxy.port}/{config['NAME']}",
        "EDITORIAL_DB_STATEMENT_TIMEOUT": str(statement_timeout),
        "EDITORIAL_DB_CONNECT_TIMEOUT": "2",
        "EDITORIAL_PAGE_CACHE": "0",  # every request asks the database
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    port = _free_port()
    log_path = tmp_path / "gunicorn.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "editorial/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "-w", "1", "--threads", "4", *gunicorn_args, "editorial.wsgi"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=5)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.1)
        yield base, log_path
    finally:
        server.terminate()
        server.wait(timeout=GIVE_UP)
        log.close()
        proxy.close()  # and with it the server's connections: nothing left for the test database's teardown


def test_requests_caught_in_a_black_hole_get_503_and_the_server_recovers(proxy, tmp_path):
    with production_server(proxy, tmp_path, statement_timeout=1) as (base, log):
        page = base + "/sitemap-articles.xml"
        assert {status for status, _ in _all_at_once(page, 4)} == {200}  # every thread holds a connection

        proxy.set("blackhole")
        during = _all_at_once(page, 8)
        assert [status for status, _ in during] == [503] * 8
        assert all("Back in a moment" in body for _, body in during)

        proxy.set("up")
        after = _all_at_once(page, 8)
        assert [status for status, _ in after] == [200] * 8
    assert "Traceback" not in log.read_text()


def test_a_request_stuck_on_a_wait_nothing_bounds_restarts_its_worker(proxy, tmp_path):
    """The last resort: with the answer bound off, gunicorn's timeout still frees the server."""
    with production_server(
        proxy, tmp_path, statement_timeout=0, gunicorn_args=("--timeout", "3", "--graceful-timeout", "1")
    ) as (base, log):
        page = base + "/sitemap-articles.xml"
        assert {status for status, _ in _all_at_once(page, 4)} == {200}

        proxy.set("blackhole")
        stuck = _all_at_once(page, 4)  # answered by the restart: the connection closes
        assert all(str(status).startswith("connection closed") for status, _ in stuck), stuck

        proxy.set("up")
        for _ in range(300):  # the fresh worker takes over
            if _get(page)[0] == 200:
                break
            time.sleep(0.1)
        assert [status for status, _ in _all_at_once(page, 8)] == [200] * 8
    assert "GET /sitemap-articles.xml has run for" in log.read_text()


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
