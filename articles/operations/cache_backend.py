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
listing of up to 20,000 names per page stored, which showed in the crawl's p99. This one counts
every ``CULL_EVERY`` writes (option, default 100) of each process, and culls then as Django
would; between counts the directory may pass ``MAX_ENTRIES`` by at most that many writes per
worker.
"""

import functools
import itertools
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
    """Django's file cache, counting its files every ``CULL_EVERY`` writes instead of on each."""

    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._cull_every = max(1, int(params.get("OPTIONS", {}).get("CULL_EVERY", 100)))
        self._writes = itertools.count()
        self._lock = threading.Lock()

    def _cull(self):
        with self._lock:
            due = next(self._writes) % self._cull_every == 0
        if due:
            super()._cull()
