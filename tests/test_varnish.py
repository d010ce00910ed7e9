"""A real Varnish (deploy/varnish/default.vcl, xkey) in front of gunicorn, purged by a real worker.

Skipped with a message where varnishd or varnish-modules is missing; CI
(``EDITORIAL_REQUIRE_VARNISH=1``) turns that skip into a failure.
"""

import os
import secrets
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from benchmarks import _varnish
from benchmarks._server import gunicorn

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.varnish

PUBLISH = """
from tests import factories
author, reviewer = factories.editor(username="author"), factories.reviewer(username="reviewer")
article = factories.make_article(author=author, title="Is coffee bad for you?", slug="coffee", body="First words [1].")
factories.publish(article, author=author, reviewers=[reviewer])
"""
APPROVE_UPDATE = """
from django.contrib.auth import get_user_model
from articles.models import Article
from articles.review import editing
from tests import factories
users = get_user_model().objects
article = Article.objects.get(slug="coffee")
article.body = "Second words, approved [1]."
editing.save_content(article, user=users.get(username="author"))
factories.publish(article, author=users.get(username="author"), reviewers=[users.get(username="reviewer")])
"""


@pytest.fixture(scope="module")
def varnishd_present():
    reason = _varnish.missing()
    if reason:
        message = f"Varnish tests skipped: {reason}"
        if os.environ.get("EDITORIAL_REQUIRE_VARNISH"):
            pytest.fail(message)
        pytest.skip(message)


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        return {k.lower(): v for k, v in response.headers.items()}, response.read().decode()


def shell(env, code):
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True)


def wait_for(condition, what, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_after_an_approval_the_next_request_through_varnish_shows_it(varnishd_present, tmp_path):
    database = tmp_path / "db.sqlite3"
    varnish_port = _varnish.free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "editorial.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": f"sqlite:///{database}",
        "EDITORIAL_CACHE_DIR": str(tmp_path / "cache"),
        "EDITORIAL_PURGE_VARNISH_URLS": f"http://127.0.0.1:{varnish_port}",
        "DJANGO_LOG_LEVEL": "WARNING",
        "XDG_RUNTIME_DIR": str(tmp_path),
        # The test approves as an operator's command would (second factors: tests/test_two_factor.py).
        "EDITORIAL_REQUIRE_2FA": "0",
    }
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    shell(env, PUBLISH)
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_tasks", "--no-startup-delay", "--interval", "0.1", "--no-reload"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        with gunicorn(env, workers=2, stdout=log) as (origin, _):
            with _varnish.varnish(int(origin.rsplit(":", 1)[1]), port=varnish_port) as edge:
                article = edge.url + "/articles/coffee/"
                headers, html = get(article)
                assert headers["x-cache"] == "MISS" and "First words" in html
                assert "s-maxage=86400" in headers["cache-control"]
                assert "surrogate-key" not in headers and "cache-tag" not in headers and "xkey" not in headers
                headers, html = get(article)
                assert headers["x-cache"] == "HIT" and "First words" in html  # a warm article: a Varnish hit
                assert int(headers["age"]) >= 0
                assert edge.counters()["cache_hit"] >= 1

                shell(env, APPROVE_UPDATE)
                # The approval's purge job, enqueued as it committed, is sent by the worker.
                pending = (
                    "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                    "WHERE status IN ('READY', 'RUNNING') AND run_after LIKE '9999-%'"  # enqueued to run at once
                )
                with sqlite3.connect(database) as db:
                    wait_for(lambda: db.execute(pending).fetchone() == (0,), "the purge to be sent")

                headers, html = get(article)  # the very next request
                assert "Second words, approved" in html and "First words" not in html
                assert headers["x-cache"] == "MISS"
                assert get(article)[0]["x-cache"] == "HIT"
                for _ in range(2):  # the admin is never kept
                    assert get(edge.url + "/admin/login/")[0]["x-cache"] == "MISS"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
