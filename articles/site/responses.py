"""The HTTP side of public pages, cached or not: validators and 304s, HEAD, what may be shared.

Used by the page cache's middleware and by views that bound how long their page may be stored
(``expire_at``).
"""

import hashlib
import time

from django.conf import settings
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from articles.operations import purges


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def storable(request, response) -> bool:
    """A response may be shared only if nothing in it belongs to one client."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    vary = response.get("Vary", "").lower()
    cache_control = response.get("Cache-Control", "").lower()
    return "cookie" not in vary and "private" not in cache_control and "no-store" not in cache_control


def mark_public(response) -> None:
    """Let browsers and CDNs keep a public page briefly and revalidate it in the background.

    The page cache is made fresh at once by events. A CDN in front follows within
    ``EDITORIAL_PUBLIC_MAX_AGE`` seconds, unless it is purged on those events (``edge``): then it
    may keep the page ``EDITORIAL_EDGE_MAX_AGE`` seconds (``s-maxage``). None of them, nor a
    stale copy served while revalidating, outlives the page's own expiry (``expire_at``: a
    scheduled go-live or end date, a review falling due).
    """
    remaining = seconds_left(response)
    max_age = settings.EDITORIAL_PUBLIC_MAX_AGE
    stale = settings.EDITORIAL_PUBLIC_STALE_WHILE_REVALIDATE
    if remaining is not None:
        max_age = min(max_age, remaining)
        stale = min(stale, max(0, remaining - max_age))
    shared = {}
    if purges.enabled() and settings.EDITORIAL_PUBLIC_MAX_AGE:
        seconds = settings.EDITORIAL_EDGE_MAX_AGE
        shared["s_maxage"] = seconds if remaining is None else min(seconds, remaining)
    patch_cache_control(response, public=True, max_age=max_age, stale_while_revalidate=stale, **shared)


def seconds_left(response) -> int | None:
    """Whole seconds the page may still be kept (``expire_at``), rounded down; None when unbounded."""
    expires = getattr(response, "page_cache_expires", None)
    if expires is None:
        return None
    return max(0, int(expires - time.time()))


def last_modified_for(generations: tuple | None) -> int | None:
    """The time of the last event that changed what the page shows."""
    if not generations or None in generations:
        return None
    return max(generations) // 1_000_000_000  # whole seconds, as HTTP dates have


def finish(request, response, *, etag: str, last_modified: float | None):
    """Add validators, answer conditional requests with 304, and drop the body of HEAD."""
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    response = get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
    if request.method == "HEAD" and response.status_code == 200:
        response["Content-Length"] = str(len(response.content))
        response.content = b""
    return response


def expire_at(response, when) -> None:
    """Keep a stored page no longer than ``when`` (a datetime), e.g. until a review falls due or a
    scheduled version goes live; the earliest of several calls wins."""
    if when is not None:
        earlier = getattr(response, "page_cache_expires", None)
        response.page_cache_expires = min(when.timestamp(), earlier) if earlier is not None else when.timestamp()
