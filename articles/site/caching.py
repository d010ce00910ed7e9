"""Whole-page caching of public pages: keys, what each event makes stale, and the fast path.

Anonymous GET/HEAD responses of the public pages below are stored in the shared cache
(Redis with ``REDIS_URL``, a cache directory shared by the workers on one machine
otherwise). Each page depends on a few *scopes*; every scope has a generation (a
nanosecond timestamp) in the same cache. An event that changes what readers see
(an approval, a withdrawal, a board profile edit...) sets a new generation for its scopes
after the transaction commits, so every stored page that depended on them stops
matching at once, on every worker and machine, with no TTL to wait for.

A stored entry records the generations it was rendered under. One ``get_many`` fetches
the entry and the current generations together, so a hit costs a single round trip.
Generations are read *before* a page is rendered: a page rendered while an event commits
is stored under the old generation and is never served.

The scopes:
- ``article:<slug>``: one article's pages (both audiences, every version permalink);
- ``catalog``: pages listing articles (home, topics, board, sitemap, feed);
- ``people``: board and author profiles and topics, shown on article pages and lists;
- ``policy``: the editorial policy page.
"""

import functools
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

logger = logging.getLogger(__name__)

KEY_PREFIX = "pagecache"
# Part of every stored page's key: bump it when ``Entry`` changes, so workers running the new
# code never unpickle entries stored by the old (generations stay shared across versions).
ENTRY_VERSION = 2

# URL name -> function of the URL kwargs giving the scopes the page depends on.
PAGE_SCOPES = {
    "articles:detail": lambda kw: (f"article:{kw['slug']}", "people"),
    "articles:detail_professional": lambda kw: (f"article:{kw['slug']}", "people"),
    "articles:version": lambda kw: (f"article:{kw['slug']}", "people"),
    "articles:version_professional": lambda kw: (f"article:{kw['slug']}", "people"),
    "articles:home": lambda kw: ("catalog", "people"),
    "articles:specialty": lambda kw: ("catalog", "people"),
    "articles:board": lambda kw: ("catalog", "people"),
    "articles:author": lambda kw: ("catalog", "people"),
    "articles:feed": lambda kw: ("catalog", "people"),
    "articles:editorial_policy": lambda kw: ("policy",),
    "sitemap": lambda kw: ("catalog", "people"),
    "sitemap_section": lambda kw: ("catalog", "people"),
}
# Query parameters a cacheable page may carry (the sitemap's page number); any other query
# string, such as a search, is rendered afresh and never stored.
CACHEABLE_QUERY_PARAMETERS = {"p"}
# Response headers never stored: per-request or per-client.
UNSTORED_HEADERS = {"set-cookie", "date", "content-length"}


def enabled() -> bool:
    """Whether pages are stored; validators and 304s work either way."""
    return settings.EDITORIAL_PAGE_CACHE


# --- Events -----------------------------------------------------------------------


def _generation_key(scope: str) -> str:
    return f"{KEY_PREFIX}:gen:{scope}"


def _bump(*scopes: str) -> None:
    now = time.time_ns()
    try:
        cache.set_many({_generation_key(scope): now for scope in scopes}, timeout=None)
    except Exception:  # a cache outage must not fail the write that caused the event
        logger.warning("page cache: could not mark %s stale (cache unavailable)", ", ".join(scopes))


def _after_commit(*scopes: str) -> None:
    # Readers must never get a page rendered before the commit under the new generation.
    transaction.on_commit(lambda: _bump(*scopes))


def article_changed(article) -> None:
    """An article's public state changed (approval, confirmation, withdrawal, archive...)."""
    _after_commit(f"article:{article.slug}", "catalog")


def people_changed() -> None:
    """A board profile or a topic changed: every page that names them is stale."""
    _after_commit("people", "catalog")


def policy_changed() -> None:
    _after_commit("policy")


def everything_changed() -> None:
    """Used after bulk imports and data migrations."""
    _after_commit("people", "catalog", "policy")


# --- Fast path ------------------------------------------------------------------


@dataclass(frozen=True)
class PageKey:
    key: str
    scopes: tuple


def page_key(request) -> PageKey | None:
    """Return the cache key and scopes of an anonymous request for a cacheable page, else None."""
    if request.method not in ("GET", "HEAD"):
        return None
    # Anyone with a session may be signed in (an editor previewing): never served or stored.
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    query = request.GET
    if query and not set(query) <= CACHEABLE_QUERY_PARAMETERS:
        return None
    scopes = _scopes_for_path(request.path_info)
    if scopes is None:
        return None
    try:
        host = request.get_host()
    except Exception:  # DisallowedHost and friends: let Django answer them the usual way
        return None
    query_string = query.urlencode()
    key = f"{KEY_PREFIX}:page{ENTRY_VERSION}:{request.scheme}:{host}:{request.path}"
    if query_string:
        key += "?" + hashlib.sha256(query_string.encode()).hexdigest()[:16]
    return PageKey(key=key, scopes=scopes)


@functools.lru_cache(maxsize=4096)
def _scopes_for_path(path_info: str) -> tuple | None:
    """The scopes a path's page depends on, or None if it is not a cacheable page (memoised)."""
    try:
        match = resolve(path_info)
    except Resolver404:
        return None
    scopes_for = PAGE_SCOPES.get(match.view_name)
    return tuple(scopes_for(match.kwargs)) if scopes_for else None


@receiver(setting_changed)
def _urls_changed(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _scopes_for_path.cache_clear()


@dataclass(frozen=True)
class Entry:
    generations: tuple
    status: int
    headers: tuple
    body: bytes
    etag: str
    last_modified: float | None
    expires: float  # time.time() after which the page is not served

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires


class LocalPages:
    """The pages this worker served lately, so a hit fetches only the generations (a few bytes).

    Bounded (least recently used first out), so a worker's memory stays flat; shared by the
    worker's threads. An entry is served only if its generations match the shared ones.
    """

    def __init__(self, size: int):
        self.size = size
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None and entry.expired:
                del self.entries[key]
                return None
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


local_pages = LocalPages(size=256)


def lookup(page: PageKey):
    """Return (stored entry or None, current generations or None when the cache is down).

    One round trip to the shared cache: the generations alone when this worker holds a copy
    of the page, the page and its generations together when it does not. The entry may be
    stale (see ``is_fresh``): it is still worth having when the database is down.
    """
    generation_keys = [_generation_key(scope) for scope in page.scopes]
    local = local_pages.get(page.key) if enabled() else None
    try:
        found = cache.get_many(generation_keys if local is not None else [page.key, *generation_keys])
    except Exception:
        logger.warning("page cache: unavailable, rendering %s uncached", page.key)
        return local, None
    generations = tuple(found.get(key) for key in generation_keys)
    if local is not None and local.generations == generations:
        return local, generations
    entry = found.get(page.key) if enabled() else None
    if entry is not None and entry.generations == generations:
        local_pages.put(page.key, entry)
    return entry or local, generations


def is_fresh(entry: "Entry | None", generations: tuple | None) -> bool:
    return entry is not None and generations is not None and entry.generations == generations


def current_generations(page: PageKey, generations: tuple | None) -> tuple | None:
    """Fill in scopes that have no generation yet (a new or flushed cache)."""
    if generations is None or None not in generations:
        return generations
    now = time.time_ns()
    try:
        for scope, value in zip(page.scopes, generations, strict=True):
            if value is None:
                cache.add(_generation_key(scope), now, timeout=None)
        keys = [_generation_key(scope) for scope in page.scopes]
        found = cache.get_many(keys)
        return tuple(found.get(key) for key in keys)
    except Exception:
        return None


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

    The page cache is made fresh at once by events; a CDN in front follows within
    ``EDITORIAL_PUBLIC_MAX_AGE`` seconds.
    """
    patch_cache_control(
        response,
        public=True,
        max_age=settings.EDITORIAL_PUBLIC_MAX_AGE,
        stale_while_revalidate=settings.EDITORIAL_PUBLIC_STALE_WHILE_REVALIDATE,
    )


def store(page: PageKey, generations: tuple | None, response, *, etag: str, last_modified: float | None) -> None:
    if not enabled() or generations is None or None in generations:
        return
    timeout = settings.EDITORIAL_PAGE_CACHE_TIMEOUT
    expires = getattr(response, "page_cache_expires", None)
    if expires is not None:
        timeout = max(1, min(timeout, int(expires - time.time())))
    entry = Entry(
        generations=generations,
        status=response.status_code,
        headers=tuple((k, v) for k, v in response.items() if k.lower() not in UNSTORED_HEADERS),
        body=response.content,
        etag=etag,
        last_modified=last_modified,
        expires=time.time() + timeout,
    )
    local_pages.put(page.key, entry)
    try:
        cache.set(page.key, entry, timeout=timeout)
    except Exception:
        logger.warning("page cache: could not store %s (cache unavailable)", page.key)


def last_modified_for(generations: tuple | None) -> int | None:
    """The time of the last event that changed what the page shows."""
    if not generations or None in generations:
        return None
    return max(generations) // 1_000_000_000  # whole seconds, as HTTP dates have


def response_from(entry: Entry, *, state: str = "hit") -> HttpResponse:
    response = HttpResponse(entry.body, status=entry.status)
    for header, value in entry.headers:
        response[header] = value
    response["X-Page-Cache"] = state
    return response


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
    """Keep a stored page no longer than ``when`` (a datetime), e.g. until a review falls due."""
    if when is not None:
        response.page_cache_expires = when.timestamp()


# --- Listening: the workflow's public steps, and records edited outside it ----------


def _article_changed(sender, *, article, **kwargs):
    article_changed(article)


def _people_saved(sender, **kwargs):
    people_changed()


def _policy_saved(sender, **kwargs):
    policy_changed()


def connect_signals() -> None:
    """Listen to the workflow's public steps; board profiles, topics and pages are edited in the
    admin (or a shell), so any save of those counts."""
    from django.db.models.signals import post_delete, post_save

    from articles.models import AuthorProfile, BoardMember, Page, Specialty
    from articles.review import signals

    signals.article_changed.connect(_article_changed, dispatch_uid="pagecache-article")

    for model in (BoardMember, Specialty, AuthorProfile):
        post_save.connect(_people_saved, sender=model, dispatch_uid=f"pagecache-{model.__name__}")
        post_delete.connect(_people_saved, sender=model, dispatch_uid=f"pagecache-del-{model.__name__}")
    post_save.connect(_policy_saved, sender=Page, dispatch_uid="pagecache-page")
    post_delete.connect(_policy_saved, sender=Page, dispatch_uid="pagecache-del-page")
