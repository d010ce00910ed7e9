"""The cache backends: Redis that fails fast while unreachable, and a file cache that culls cheaply.

``CircuitBreakerRedisCache`` is Redis behind a circuit breaker.

Every caller already treats a cache error as "no cache" (page cache, rendered text, rate
limit, presence). With Redis down or hanging, each call would still wait for its socket
timeout, several times per request. After one failure this backend answers every call with
an immediate ``ConnectionError`` for ``RETRY_AFTER`` seconds, then tries Redis again.
The state is per worker process; no coordination is needed.

``FileCache`` is Django's file cache (the default without Redis: one directory shared by the
workers on one machine), except in how it keeps to ``MAX_ENTRIES``. Django's lists the whole
directory on every write to count its files: with a library of 10,000 articles that is a
listing of up to 20,000 names (0.1 to 0.2 s on a busy machine) for every page stored, which made
the crawl's p99. This one never lists in a request: a write starts the count (and Django's cull,
if it is due) in a background thread, at most once every ``CULL_INTERVAL`` seconds (option,
default 10) per directory and process; meanwhile the directory may pass ``MAX_ENTRIES`` by the
pages written in that time.
"""

import functools
import logging
import threading
import time

from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0
METHODS = (
    "add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many", "clear",
)  # fmt: skip


class CircuitBreakerRedisCache(RedisCache):
    _open_until = 0.0


def _guard(name):
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        if time.monotonic() < self._open_until:
            raise ConnectionError("cache unavailable (circuit open)")
        try:
            return method(self, *args, **kwargs)
        except Exception as error:
            if isinstance(error, ValueError) and name == "incr":
                raise  # a missing key, not an outage
            if time.monotonic() >= self._open_until:
                logger.warning(
                    "cache unavailable (%s); skipping it for %.0f s",
                    error.__class__.__name__,
                    RETRY_AFTER,
                    extra={"outage": "cache"},
                )
            type(self)._open_until = time.monotonic() + RETRY_AFTER
            raise

    return guarded


for _name in METHODS:
    setattr(CircuitBreakerRedisCache, _name, _guard(_name))


class FileCache(FileBasedCache):
    """Django's file cache, counting (and culling) its files in the background, every ``CULL_INTERVAL`` seconds."""

    _next_cull = {}  # directory -> time.monotonic() before which no count starts (shared by the threads' instances)
    _cull_lock = threading.Lock()

    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._cull_interval = float(params.get("OPTIONS", {}).get("CULL_INTERVAL", 10))

    def _cull(self):
        """Start a count in the background if none started here lately; return its thread, if any."""
        now = time.monotonic()
        with self._cull_lock:
            if now < self._next_cull.get(self._dir, 0.0):
                return None
            self._next_cull[self._dir] = now + self._cull_interval
        thread = threading.Thread(target=self._cull_now, name="file-cache-cull", daemon=True)
        thread.start()
        return thread

    def _cull_now(self):
        try:
            super()._cull()
        except OSError:  # a file culled by another worker meanwhile, a full disk...: next time
            logger.warning("file cache: could not cull %s", self._dir, exc_info=True)
