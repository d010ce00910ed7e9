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
    }
    return render(request, "articles/api_docs.html", context)
