"""What the page cache must know about a request before anything else runs: which parameters
of its query string the page reads, and whether its session cookie may be a signed-in user's.

**Query strings.** Each cacheable page reads at most a few parameters: the home page's search
(``q``, ``page``) and a sitemap section's page number (``p``). Every other parameter
(``utm_source``, ``fbclid``, ``?x=1``...) is dropped before the page is looked up or rendered,
so the request is served from the entry of the page without it, byte for byte (the page is
rendered for the request without it too: a canonical link never repeats a tracking parameter).
Parameters a page reads are written one way (``p=1`` is the page without ``p``; a blank search
is the home page). A search with words is rendered afresh and never stored: one entry per
query anyone can type would let anyone fill the cache.

**Session cookies.** A signed-in editor must never be served a stored page nor have one stored
(the page may one day carry a preview toolbar, and a stored copy must be the same for every
reader). Anyone can send ``sessionid=x``, though, and if that skipped the cache it would force
a full render per request. So the cookie is classified in three steps, each cheaper than the
next one is rare:

1. Not a key this site could have issued (session keys are signed, articles/operations/sessions.py):
   not a session at all. Served from the cache; no database, no cache lookup. Made-up cookies
   end here.
2. A key the cache has on record as no signed-in session (the mark below, fetched in the same
   round trip as the page): served from the cache.
3. Otherwise the session is read once (one query): signed in, the request goes through
   uncached as before; not signed in (expired, signed out, never signed in), the mark is kept
   for an hour and the request is a reader's. The mark cannot go wrong later: signing in always
   issues a new key (Django cycles it), so a key once seen without a user never gains one.

A reader's request is rendered without the session cookie, so nothing in a stored page can
come from it.
"""

import functools
import hashlib
import re
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import QueryDict

from .search import clean_query

READER_SESSION_SECONDS = 3600
SITEMAP_PAGE = re.compile(r"[1-9][0-9]{0,8}")


def _home(query: QueryDict) -> str | None:
    # Without words to search for, the view shows the home page whatever ``page`` says.
    return None if clean_query(query.get("q", "")) else ""


def _sitemap_section(query: QueryDict) -> str | None:
    page = query.get("p")
    if page is None or page == "1":
        return ""
    # Another number is its own entry; anything else is rendered (a 404) and never stored.
    return f"p={page}" if SITEMAP_PAGE.fullmatch(page) else None


# URL name -> the query string a request is served and rendered with (None: not cacheable).
READS = {"articles:home": _home, "sitemap_section": _sitemap_section}


def normalised_query(view_name: str, query: QueryDict) -> str | None:
    """The query string that makes a difference to the page, written one way; None for a search."""
    if not query:
        return ""
    normalise = READS.get(view_name)
    return normalise(query) if normalise else ""


@functools.lru_cache(maxsize=4)
def _session_store(engine: str):
    return import_module(engine).SessionStore


def session_to_check(request) -> str | None:
    """The request's session key if it may belong to a signed-in user (step 1 above), else None."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    # The store keeps a key only if it could have issued it (ours: a valid signature).
    return _session_store(settings.SESSION_ENGINE)(key).session_key


def reader_mark(session_key: str) -> str:
    """The cache key recording that ``session_key`` is no signed-in session (the key itself is not stored)."""
    return "pagecache:reader-session:" + hashlib.sha256(session_key.encode()).hexdigest()[:32]


def signed_in(session_key: str) -> bool:
    """Read the session (one query with database sessions): does it hold a signed-in user?"""
    return _session_store(settings.SESSION_ENGINE)(session_key).get(SESSION_KEY) is not None


def as_reader(request, query: str) -> None:
    """Make ``request`` the one a stored page is rendered for: the parameters the page reads, no session."""
    if request.META.get("QUERY_STRING", "") != query:
        request.META["QUERY_STRING"] = query
        request.GET = QueryDict(query)
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        request.COOKIES = {k: v for k, v in request.COOKIES.items() if k != settings.SESSION_COOKIE_NAME}
