"""Redis cache that fails fast while Redis is unreachable (a circuit breaker).

Every caller already treats a cache error as "no cache" (page cache, rendered text, rate
limit, presence). With Redis down or hanging, each call would still wait for its socket
timeout, several times per request. After one failure this backend answers every call with
an immediate ``ConnectionError`` for ``RETRY_AFTER`` seconds, then tries Redis again.
The state is per worker process; no coordination is needed.
"""

import functools
import logging
import time

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
