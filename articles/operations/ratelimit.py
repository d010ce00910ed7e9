"""A fixed-window rate limit on the shared cache (Redis across app servers, memory locally)."""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def client_key(request) -> str:
    """Identify a client by address, hashed (nothing about readers is kept in clear)."""
    return hashlib.sha256(client_address(request).encode()).hexdigest()[:32]


def client_address(request) -> str:
    """The client's address; behind trusted proxies, the one they report (also used for login throttling)."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.EDITORIAL_TRUSTED_PROXIES:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        # The right-most entries were added by our own proxies; the one before them is the client.
        if len(forwarded) >= settings.EDITORIAL_TRUSTED_PROXIES:
            address = forwarded[-settings.EDITORIAL_TRUSTED_PROXIES]
    return address


def hit(key: str, *, limit: int, window: int) -> bool:
    """Count one request for ``key``; return False once more than ``limit`` fall in ``window`` seconds.

    With the cache down the limit fails open (a line is logged): a reader's question is worth
    more than a perfect count while Redis blinks.
    """
    cache_key = f"ratelimit:{key}"
    try:
        if cache.add(cache_key, 1, timeout=window):
            return True
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add() and incr()
            cache.add(cache_key, 1, timeout=window)
            return True
    except Exception:
        logger.warning("rate limit not applied to %s: cache unavailable", key.split(":")[0], extra={"outage": "cache"})
        return True
    return count <= limit
