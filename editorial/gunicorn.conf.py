"""gunicorn settings for production: ``gunicorn -c editorial/gunicorn.conf.py editorial.wsgi``.

Every value can be overridden from the environment (``WEB_CONCURRENCY``, ``GUNICORN_THREADS``,
``PORT``...) or on the command line.

Why these choices, for this workload (see README, "Running in production"):
- Processes, not just threads: rendering Markdown and templates is CPU-bound Python, so one
  process per core is what uses the cores; a second per core covers the moments a worker
  waits on the database or Redis. Hence ``2 x cores`` workers by default.
- ``gthread`` with a few threads per worker: cached pages are answered in well under a
  millisecond, and a thread that waits on PostgreSQL or Redis no longer holds the whole
  worker. Threads also keep idle keep-alive connections from the load balancer from
  pinning a worker, which the ``sync`` class would.
- ``preload_app``: the app is imported once before forking, so a broken configuration
  (no secret key, a bad DATABASE_URL) stops the master at start-up with one clear error.
- ``max_requests`` is off by default: memory stays flat (the benchmark prints it), so
  workers are not recycled to hide a leak; set ``GUNICORN_MAX_REQUESTS`` if you want it.
- ``timeout`` bounds every request, also in ``gthread`` workers (see the watchdog below).
"""

import multiprocessing
import os
import signal
import threading
import time

bind = os.environ.get("GUNICORN_BIND", f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}")  # noqa: S104 - behind the load balancer
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
preload_app = True
# The load balancer keeps connections open between requests.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# One line per request to stdout is the load balancer's job; errors go to stderr.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Trust X-Forwarded-* only from the proxies configured for Django (DJANGO_BEHIND_TLS_PROXY).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


# --- No request runs for ever ---------------------------------------------------------------
# gunicorn's ``timeout`` restarts a worker whose main loop stops answering. A gthread worker's
# loop goes on while its request threads wait, so a thread waiting on a dependency that never
# answers would wait for ever and the worker would serve with one thread fewer. Every wait the
# app makes is bounded (PostgreSQL, Redis, mail, reference look-ups: see editorial/settings.py);
# as the last resort, a worker with a request running longer than ``timeout`` seconds logs it
# and restarts: its other requests get ``graceful_timeout`` seconds to finish, and gunicorn
# starts a fresh worker in its place.
_requests = {}  # this worker's requests in flight: thread -> (time.monotonic() at start, "GET /path")


def pre_request(worker, req):
    _requests[threading.get_ident()] = (time.monotonic(), f"{req.method} {req.path}")


def post_request(worker, req, environ, resp):
    _requests.pop(threading.get_ident(), None)


def stuck_requests(limit, now=None):
    """(seconds, request) of the requests running longer than ``limit`` seconds, longest first."""
    now = time.monotonic() if now is None else now
    return sorted(
        ((now - start, what) for start, what in list(_requests.values()) if now - start > limit), reverse=True
    )


def restart_if_stuck(worker, now=None) -> bool:
    stuck = stuck_requests(worker.cfg.timeout, now)
    if not stuck:
        return False
    seconds, what = stuck[0]
    worker.log.error(
        "%s has run for %.0f s (timeout %d s): restarting worker %s", what, seconds, worker.cfg.timeout, worker.pid
    )
    os.kill(worker.pid, signal.SIGTERM)
    return True


def _watch(worker):
    while True:
        time.sleep(1)
        if restart_if_stuck(worker):
            # A thread that never returns also keeps the process from exiting: leave after the grace period.
            time.sleep(worker.cfg.graceful_timeout + 2)
            os._exit(1)


def post_worker_init(worker):
    if worker.cfg.timeout:
        threading.Thread(target=_watch, args=(worker,), daemon=True, name="request-watchdog").start()
