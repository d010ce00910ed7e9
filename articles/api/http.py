"""The HTTP side of the API: answers kept in the page cache, validators and 304s, who may keep a copy,
CORS per key, and errors as ``application/problem+json`` (RFC 9457).

An answer's body is the same for every caller, so it is kept in the page cache under the scopes of
the pages that show the same facts (``article:<slug>`` and ``people`` for an article, ``catalog``
and ``people`` for lists): the events that make those pages fresh make the API fresh, on the next
request, and the same surrogate keys purge it at the edge (``site.edge``). What differs per caller
is added to each response: ``Cache-Control`` (``private`` for a key: every keyed request must reach
the app, to be checked, limited and counted, and a shared cache must not answer it; ``public``
like the pages for anonymous access, when it is on), ``Vary`` and the CORS headers.
"""

import functools
import hashlib
import json
from http import HTTPStatus

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers

from articles.site import caching, edge, responses

from . import keys

PROBLEM_TYPE = "/api/#problem-"  # a URI reference to the docs page (RFC 9457 allows relative ones)
PROBLEM_CONTENT_TYPE = "application/problem+json"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
ENTRY_VERSION = 1  # part of every stored answer's key: bump it when an answer's shape changes
EXPOSED = "ETag, Last-Modified, Retry-After, X-RateLimit-Limit"
ALLOWED_REQUEST_HEADERS = "Authorization, If-None-Match, If-Modified-Since"
PREFLIGHT_MAX_AGE = 600

CATALOG = ("catalog", "people")
# Endpoint (URL name) -> the page cache scopes its answers depend on, from the URL's arguments.
API_SCOPES = {
    "api-1:articles": lambda kw: CATALOG,
    "api-1:topics": lambda kw: CATALOG,
    "api-1:board": lambda kw: CATALOG,
    "api-1:authors": lambda kw: CATALOG,
    "api-1:corrections": lambda kw: CATALOG,
    "api-1:article": lambda kw: (f"article:{kw['slug']}", "people"),
    "api-1:version": lambda kw: (f"article:{kw['slug']}", "people"),
}


@functools.lru_cache(maxsize=4096)
def scopes_for(path_info: str) -> tuple | None:
    """The scopes of the endpoint at ``path_info``, or None if it is no cacheable endpoint (memoised)."""
    try:
        match = resolve(path_info)
    except Resolver404:
        return None
    scopes = API_SCOPES.get(match.view_name)
    return tuple(scopes(match.kwargs)) if scopes else None


@receiver(setting_changed)
def _urls_changed(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        scopes_for.cache_clear()


class Problem(Exception):
    """An error to answer as a problem document."""

    def __init__(self, status: int, detail: str, *, kind: str = "", errors=None, headers=None):
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors, headers or {}
        self.kind = kind or HTTPStatus(status).phrase.lower().replace(" ", "-")


def problem_response(request, status: int, detail: str, *, kind: str = "", errors=None, headers=None) -> HttpResponse:
    kind = kind or HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")
    body = {
        "type": PROBLEM_TYPE + kind,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path if request is not None else None,
    }
    if errors:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def to_json(data) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()


def page_for(request, scopes: tuple) -> caching.PageKey:
    host = request.get_host()
    key = f"{caching.KEY_PREFIX}:api{ENTRY_VERSION}:{request.scheme}:{host}:{request.path}"
    query = request.GET.urlencode()
    if query:
        # Parameters in one order, so ?a=1&b=2 and ?b=2&a=1 share an entry.
        query = "&".join(sorted(query.split("&")))
        key += "?" + hashlib.sha256(query.encode()).hexdigest()[:16]
    return caching.PageKey(key=key, scopes=scopes, query=query)


def cached(request, scopes: tuple, build, *, expires=None) -> HttpResponse:
    """Answer from the page cache under ``scopes``, or ``build()`` the data, answer and keep it.

    ``expires``: a function of the data giving a datetime after which the answer changes by itself
    (a review falling due), or None.
    """
    page, found = getattr(request, "api_found", (None, None))
    if page is None or page.scopes != scopes:
        page = page_for(request, scopes)
        found = caching.lookup(page)
    if caching.is_fresh(found.entry, found.generations):
        return from_cache(request, found.entry, scopes)
    else:
        generations = caching.current_generations(page, found.generations)
        # The same generations key the fragments the site keeps (``pages.article_history``).
        request.page_generations = dict(zip(page.scopes, generations, strict=True)) if generations else {}
        data = build()
        response = HttpResponse(to_json(data), content_type=JSON_CONTENT_TYPE)
        if expires is not None:
            responses.expire_at(response, expires(data))
        etag, last_modified = responses.etag_for(response.content), responses.last_modified_for(generations)
        caching.store(page, generations, response, etag=etag, last_modified=last_modified)
        response["X-Page-Cache"] = "miss"
    return finish(request, response, scopes, etag=etag, last_modified=last_modified)


def from_cache(request, entry, scopes) -> HttpResponse:
    return finish(request, caching.response_from(entry), scopes, etag=entry.etag, last_modified=entry.last_modified)


def fast_answer(request, scopes) -> HttpResponse | None:
    """Before sessions, CSRF, authentication and the view: identify and limit the caller, and answer from
    the page cache if it holds a fresh answer (else None: the view builds it, reusing this lookup)."""
    try:
        caller = keys.identify(request)
        request.auth = caller
        keys.admit(caller)
    except keys.KeyRefused as error:
        return refused(request, error)
    except keys.RateLimited as error:
        return limited(request, error)
    request.api_caller = caller
    try:
        page = page_for(request, scopes)
    except Exception:  # DisallowedHost and friends: the view answers them the usual way
        return None
    found = caching.lookup(page)
    request.api_found = (page, found)
    if caching.is_fresh(found.entry, found.generations):
        return from_cache(request, found.entry, scopes)
    return None


def refused(request, error: keys.KeyRefused) -> HttpResponse:
    return problem_response(request, 401, error.detail, kind=f"key-{error.reason}",
                            headers={"WWW-Authenticate": 'Bearer realm="api"'})  # fmt: skip


def limited(request, error: keys.RateLimited) -> HttpResponse:
    """429, readable by the key's own origins too (a browser page can then honour Retry-After)."""
    response = problem_response(
        request,
        429,
        f"{error} Try again in {error.retry_after} s.",
        kind="rate-limited",
        headers={"Retry-After": str(error.retry_after), "X-RateLimit-Limit": str(error.caller.rate_limit)},
    )
    add_cors(request, response, error.caller)
    return response


def finish(request, response, scopes, *, etag, last_modified) -> HttpResponse:
    caller = getattr(request, "auth", None)
    if caller is None or caller.anonymous:
        responses.mark_public(response)
        patch_vary_headers(response, ["Authorization"])
    else:
        patch_cache_control(response, private=True, max_age=settings.EDITORIAL_PUBLIC_MAX_AGE)
        patch_vary_headers(response, ["Authorization", "Origin"])
    edge.tag(response, scopes)
    response = responses.finish(request, response, etag=etag, last_modified=last_modified)
    edge.tag(response, scopes)  # a 304 keeps only the validators and Cache-Control
    add_cors(request, response, caller)
    if caller is not None:
        response["X-RateLimit-Limit"] = str(caller.rate_limit)
    return response


def add_cors(request, response, caller) -> None:
    """Let a browser page read the answer only if its origin is one the key allows."""
    origin = request.headers.get("Origin")
    if origin and caller is not None and origin.rstrip("/") in caller.origins:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Expose-Headers"] = EXPOSED
        patch_vary_headers(response, ["Origin"])


def preflight(request, allowed: bool) -> HttpResponse:
    """Answer a CORS preflight. It carries no key, so an origin some active key allows is let through;
    the request itself is then checked against its own key's origins."""
    response = HttpResponse(status=204)
    patch_vary_headers(response, ["Origin"])
    if allowed:
        response["Access-Control-Allow-Origin"] = request.headers["Origin"]
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS
        response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response
