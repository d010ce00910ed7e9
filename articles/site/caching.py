"""Whole-page caching of public pages: keys, what each event makes stale, and the fast path.

Readers' GET/HEAD responses (no user signed in) of the public pages below are stored in the
shared cache (Redis with ``REDIS_URL``, a cache directory shared by the workers on one machine
otherwise). Each page depends on a few *scopes*; every scope has a generation (a
nanosecond timestamp) in the same cache. An event that changes what readers see
(an approval, a withdrawal, a board profile edit...) sets a new generation for its scopes
after the transaction commits, so every stored page that depended on them stops
matching at once, on every worker and machine, with no TTL to wait for.

A stored entry records the generations it was rendered under. One ``get_many`` fetches
the entry and the current generations together, so a hit costs a single round trip.
Generations are read *before* a page is rendered: a page rendered while an event commits
is stored under the old generation and is never served.

No invalidation is lost to a cache outage. An event that cannot reach the cache is written to
the database (``PendingInvalidation``) instead, and applied before stored pages are served
again: by a process as soon as the cache answers it after failing it, and by every process
within ``SYNC_SECONDS`` (a marker in the cache says someone has applied the pending ones that
recently; whoever finds it missing checks, one small query). So a correction approved while
Redis is down shows as soon as Redis is back, on every worker and machine, including copies
kept in a worker's memory (``local_pages``).

Which requests are served from the cache, whatever their query string and cookies say, is
decided in ``visitors``. The same scopes label pages for Varnish and CDNs in front, which are
purged by them after the same events (``edge``).

The scopes:
- ``article:<slug>``: one article's pages (both audiences, every version permalink);
- ``catalog``: pages listing articles (home, topics, board, sitemap, feed);
- ``people``: board and author profiles and topics, shown on article pages and lists;
- ``policy``: the policy pages (editorial policy, privacy notice).
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
from django.db import DatabaseError, transaction
from django.dispatch import receiver
from django.http import HttpResponse
from django.urls import Resolver404, resolve

from articles.models import PendingInvalidation

from . import edge, visitors

logger = logging.getLogger(__name__)
OUTAGE = {"outage": "cache"}  # warnings during a cache outage are rate-limited (LOGGING in settings)

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
    "articles:privacy": lambda kw: ("policy",),
    "sitemap": lambda kw: ("catalog", "people"),
    "sitemap_section": lambda kw: ("catalog", "people"),
}
# Seconds after which some process checks the database for invalidations a cache outage held up.
SYNC_SECONDS = 5
SYNCED_KEY = f"{KEY_PREFIX}:synced"
# Response headers never stored: per-request or per-client.
UNSTORED_HEADERS = {"set-cookie", "date", "content-length"}


def enabled() -> bool:
    """Whether pages are stored; validators and 304s work either way."""
    return settings.EDITORIAL_PAGE_CACHE


# --- Events -----------------------------------------------------------------------


def _generation_key(scope: str) -> str:
    return f"{KEY_PREFIX}:gen:{scope}"


def _set_generations(scopes) -> None:
    now = time.time_ns()
    cache.set_many({_generation_key(scope): now for scope in scopes}, timeout=None)


def _bump(*scopes: str) -> None:
    try:
        _set_generations(scopes)
    except Exception:  # a cache outage must not fail the write that caused the event, nor lose it
        _cache_failed("page cache: could not mark %s stale (cache unavailable); kept until it answers", scopes)
        try:
            PendingInvalidation.objects.create(scopes=list(scopes))
        except DatabaseError:
            logger.error(
                "page cache: could not mark %s stale nor keep it (cache and database unavailable); stored "
                "pages show the old version until they expire",
                ", ".join(scopes),
            )


class _Sync:
    """This process's part in applying pending invalidations (shared by its threads)."""

    lock = threading.Lock()
    failed = False  # a cache call failed here since they were last applied: apply before the next hit
    synced_at = -SYNC_SECONDS  # time.monotonic() of the last application here
    retry_at = 0.0  # after a database error, stored pages are served without checking until then


def _cache_failed(message: str, scopes) -> None:
    _Sync.failed = True
    logger.warning(message, ", ".join(scopes), extra=OUTAGE)


def apply_pending_invalidations() -> bool:
    """Apply the invalidations a cache outage held up; return whether any page became stale.

    One query on an (almost always empty) table. Called when the cache's marker says nobody has
    done it for ``SYNC_SECONDS``, or when this process saw the cache fail, before a stored page
    is served.
    """
    with _Sync.lock:
        now = time.monotonic()
        if now < _Sync.retry_at or (not _Sync.failed and now - _Sync.synced_at < 1):
            return False  # the database is down (serve what we have), or another thread just did it
        try:
            pending = list(PendingInvalidation.objects.values_list("pk", "scopes"))
        except DatabaseError:
            _Sync.retry_at = now + SYNC_SECONDS
            return False
        scopes = sorted({scope for _, scopes in pending for scope in scopes})
        try:
            if scopes:
                _set_generations(scopes)
            cache.set(SYNCED_KEY, True, timeout=SYNC_SECONDS)
        except Exception:
            _Sync.failed = True
            return False
        if pending:
            try:
                PendingInvalidation.objects.filter(pk__in=[pk for pk, _ in pending]).delete()
            except DatabaseError:
                pass  # applied again next time: marking pages stale twice is harmless
        _Sync.failed, _Sync.synced_at = False, now
        return bool(scopes)


def _after_commit(*scopes: str) -> None:
    # Readers must never get a page rendered before the commit under the new generation.
    transaction.on_commit(lambda: _bump(*scopes))
    edge.purge(*scopes)  # then Varnish and CDNs in front, as queued jobs


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
    query: str = ""  # the query string the page is served and rendered with (visitors.normalised_query)
    session: str | None = None  # a session key that may be a signed-in user's: checked before anything is served


def page_key(request) -> PageKey | None:
    """Return the cache key and scopes of a GET or HEAD request for a cacheable page, else None."""
    if request.method not in ("GET", "HEAD"):
        return None
    page = _page_for_path(request.path_info)
    if page is None:
        return None
    view_name, scopes = page
    query = visitors.normalised_query(view_name, request.GET)
    if query is None:
        return None
    try:
        host = request.get_host()
    except Exception:  # DisallowedHost and friends: let Django answer them the usual way
        return None
    key = f"{KEY_PREFIX}:page{ENTRY_VERSION}:{request.scheme}:{host}:{request.path}"
    if query:
        key += "?" + hashlib.sha256(query.encode()).hexdigest()[:16]
    return PageKey(key=key, scopes=scopes, query=query, session=visitors.session_to_check(request))


@functools.lru_cache(maxsize=4096)
def _page_for_path(path_info: str) -> tuple | None:
    """(URL name, scopes the page depends on), or None if it is not a cacheable page (memoised)."""
    try:
        match = resolve(path_info)
    except Resolver404:
        return None
    scopes_for = PAGE_SCOPES.get(match.view_name)
    return (match.view_name, tuple(scopes_for(match.kwargs))) if scopes_for else None


@receiver(setting_changed)
def _urls_changed(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _page_for_path.cache_clear()


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


def forget_process_state() -> None:
    """Start this process afresh: no page copies, no outage seen (tests)."""
    local_pages.clear()
    _Sync.failed, _Sync.synced_at, _Sync.retry_at = False, -SYNC_SECONDS, 0.0


@dataclass(frozen=True)
class Found:
    entry: "Entry | None"  # may be stale (see ``is_fresh``): still worth having when the database is down
    generations: tuple | None  # None when the cache is down
    signed_in: bool = False  # the request is a signed-in user's: neither serve nor store a page


def lookup(page: PageKey) -> Found:
    """Fetch what serving ``page`` needs in one round trip to the shared cache.

    The generations, with the page itself unless this worker holds a copy, whether the session
    cookie is on record as a reader's (``visitors``), and the marker saying pending
    invalidations were applied lately. A second trip only after pending ones were applied.
    """
    generation_keys = [_generation_key(scope) for scope in page.scopes]
    local = local_pages.get(page.key) if enabled() else None
    keys = generation_keys if local is not None else [page.key, *generation_keys]
    mark = visitors.reader_mark(page.session) if page.session else None
    keys = keys + [key for key in (mark, SYNCED_KEY if enabled() else None) if key]
    try:
        found = cache.get_many(keys)
    except Exception:
        _cache_failed("page cache: unavailable, rendering %s uncached", [page.key])
        return Found(local, None, signed_in=bool(page.session) and _signed_in(page.session, mark=None))
    if mark and mark not in found and _signed_in(page.session, mark):
        return Found(None, None, signed_in=True)
    if enabled() and (SYNCED_KEY not in found or _Sync.failed) and apply_pending_invalidations():
        try:
            found |= cache.get_many(generation_keys)
        except Exception:
            return Found(local, None)
    generations = tuple(found.get(key) for key in generation_keys)
    if local is not None and local.generations == generations:
        return Found(local, generations)
    entry = found.get(page.key) if enabled() else None
    if entry is not None and entry.expired:
        entry = None  # the cache's own timeout is in whole seconds (and Redis keeps its own clock)
    if entry is not None and entry.generations == generations:
        local_pages.put(page.key, entry)
    return Found(entry or local, generations)


def _signed_in(session_key: str, mark: str | None) -> bool:
    """Read the session; if it is no signed-in user's, keep ``mark`` so it need not be read again."""
    try:
        if visitors.signed_in(session_key):
            return True
    except DatabaseError:
        return True  # cannot tell: not served from the cache (the view answers 503)
    if mark:
        try:
            cache.set(mark, True, timeout=visitors.READER_SESSION_SECONDS)
        except Exception:
            _Sync.failed = True
    return False


def response_from(entry: Entry, *, state: str = "hit") -> HttpResponse:
    response = HttpResponse(entry.body, status=entry.status)
    for header, value in entry.headers:
        response[header] = value
    response["X-Page-Cache"] = state
    return response


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
        _Sync.failed = True
        return None


def store(page: PageKey, generations: tuple | None, response, *, etag: str, last_modified: float | None) -> None:
    if not enabled() or generations is None or None in generations:
        return
    timeout = settings.EDITORIAL_PAGE_CACHE_TIMEOUT
    expires = getattr(response, "page_cache_expires", None)
    if expires is not None:
        # Rounded down, and not stored at all in its last second: never kept past the instant.
        timeout = min(timeout, int(expires - time.time()))
        if timeout < 1:
            return
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
        _cache_failed("page cache: could not store %s (cache unavailable)", [page.key])


# --- Listening: the workflow's public steps, and records edited outside it ----------


def _article_changed(sender, *, article, old_slug=None, **kwargs):
    article_changed(article)
    if old_slug:
        _after_commit(f"article:{old_slug}")  # its old address now answers 301: purge what was kept


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
