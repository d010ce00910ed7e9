"""A fixed-window rate limit on the shared cache (Redis across app servers, memory locally)."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def client_key(request) -> str:
    """Identify a client by address; behind a trusted proxy, by the address it reports."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.EDITORIAL_TRUSTED_PROXIES:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        # The right-most entries were added by our own proxies; the one before them is the client.
        if len(forwarded) >= settings.EDITORIAL_TRUSTED_PROXIES:
            address = forwarded[-settings.EDITORIAL_TRUSTED_PROXIES]
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def hit(key: str, *, limit: int, window: int) -> bool:
    """Count one request for ``key``; return False once more than ``limit`` fall in ``window`` seconds."""
    cache_key = f"ratelimit:{key}"
    if cache.add(cache_key, 1, timeout=window):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=window)
        return True
    return count <= limit
