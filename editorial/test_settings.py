"""Settings for the test suite: the real settings, with test-only conveniences."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-a-secret")

from .settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Background jobs run as soon as they are enqueued (after the commit, like in production), so
# tests see their effects (mail.outbox, purge calls) at once; tests of the queue itself switch
# to the database backend and run a worker (tests/test_tasks.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    **STORAGES,  # noqa: F405
    # Tests render templates without running collectstatic first.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# ...and so never read the collected files: whitenoise would scan staticfiles/ (once a
# collectstatic has made it) each time a test client builds the middleware, 20 ms a time, and
# could meet it half-written while test_production.py's gunicorn test runs collectstatic there.
STATIC_ROOT = None
# Uploaded images go to a scratch folder, never the checkout's var/media (tests of images point
# MEDIA_ROOT at their own tmp_path).
MEDIA_ROOT = os.path.join(tempfile.gettempdir(), f"editorial-test-media-{os.getpid()}")
# Tests sign in with force_login and no second factor; the tests of two-factor sign-in turn it on.
EDITORIAL_REQUIRE_2FA = False
# Webhook tests post to a receiver on 127.0.0.1 over http; tests of the SSRF guard turn this off.
EDITORIAL_WEBHOOK_ALLOW_PRIVATE = True
EDITORIAL_REQUIRE_2FA_FOR_EDITORS = False
# No test asks a cited site: submitting links sources but enqueues no check, except in the tests
# of source checks, which turn them on against a loopback stand-in (tests/test_sources.py).
EDITORIAL_SOURCE_CHECKS = False
# Source checks never wait in tests (their tests set the host interval they measure).
EDITORIAL_SOURCE_CHECK_BACKOFF = 0
EDITORIAL_SOURCE_CHECK_HOST_INTERVAL = 0
EDITORIAL_SOURCE_CHECK_TIMEOUT = 2
if not REDIS_URL:  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# pytest-xdist: each worker (PYTEST_XDIST_WORKER=gw0, gw1, ...) gets its own Redis database,
# counting down from the one in REDIS_URL (gw0 on /15, gw1 on /14, ...), because the suite's
# cache.clear() is a FLUSHDB that would wipe the other workers' cache mid-test. The test
# databases get the same suffix from pytest-django (test_editorial_gw0, ...).
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _XDIST_WORKER.startswith("gw"):  # noqa: F405
    from urllib.parse import urlsplit

    _redis = urlsplit(REDIS_URL)  # noqa: F405
    _redis_db = (int(_redis.path.strip("/") or 0) - int(_XDIST_WORKER[2:])) % 16
    CACHES["default"]["LOCATION"] = _redis._replace(path=f"/{_redis_db}").geturl()  # noqa: F405
