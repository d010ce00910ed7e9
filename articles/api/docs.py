"""``/api/``: a page for people, saying what the API offers and how to get a key (no assets from a CDN)."""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

ENDPOINTS = [
    ("articles", {}, "Public articles, most recently approved or confirmed first, a page at a time "
     "(topic, audience, modified_since, page_size, cursor)."),
    ("article", {"slug": "SLUG"}, "One article's live version: both audiences (HTML and Markdown), references, "
     "reviewers, dates, change notes, licence and attribution."),
    ("version", {"slug": "SLUG", "number": 1}, "An approved version by its permanent number."),
    ("topics", {}, "Topics with public articles."),
    ("board", {}, "The Medical Advisory Board: public profiles."),
    ("authors", {}, "Writers credited by name."),
    ("corrections", {}, "Corrections and withdrawals, newest first (modified_since)."),
]  # fmt: skip


# Each problem document's "type" is /api/#problem-<kind>: what the kinds mean, listed on the page.
PROBLEMS = [
    ("unknown-parameter", "400: a query parameter this endpoint does not take (named in errors)."),
    ("invalid-parameter", "400: a parameter of the wrong type or out of range, e.g. page_size=0."),
    ("page-size", "400: page_size above the largest page."),
    ("bad-cursor", "400: a cursor this API did not give out, or one altered."),
    ("bad-date", "400: modified_since is not an ISO 8601 date or date-time."),
    ("unknown-topic", "400: no topic has this slug."),
    ("key-missing", "401: no key sent (and anonymous access is off)."),
    ("key-malformed", "401: the Authorization header is not 'Bearer <key>'."),
    ("key-unknown", "401: no such key."),
    ("key-revoked", "401: the key was revoked."),
    ("key-expired", "401: the key has expired."),
    ("not-found", "404: no public article, version or endpoint at this address."),
    ("method-not-allowed", "405: only GET, HEAD and OPTIONS."),
    ("withdrawn", "410: the article was withdrawn; the detail says when and why."),
    ("rate-limited", "429: too many requests this minute; wait Retry-After seconds."),
    ("internal-server-error", "500: our fault; it was logged."),
    ("service-unavailable", "503: a moment's outage; try again shortly."),
]


@require_safe
def index(request):
    endpoints = [
        (reverse(f"api-1:{name}", kwargs=kwargs).replace("SLUG", "{slug}").replace("/1/", "/{number}/"), text)
        for name, kwargs, text in ENDPOINTS
    ]
    context = {
        "endpoints": endpoints,
        "openapi_url": reverse("api-1:openapi-json"),
        "anonymous": settings.EDITORIAL_API_ANONYMOUS,
        "anonymous_rate": settings.EDITORIAL_API_ANONYMOUS_RATE,
        "base": request.build_absolute_uri("/").rstrip("/"),
        "max_page_size": settings.EDITORIAL_API_MAX_PAGE_SIZE,
        "problems": PROBLEMS,
    }
    return render(request, "articles/api_docs.html", context)
