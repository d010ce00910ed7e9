"""Serve public pages from the shared page cache before sessions, CSRF and auth run."""

from django.conf import settings
from django.http import HttpResponse

from . import caching


class RequestSizeLimitMiddleware:
    """Refuse oversized bodies outside the admin before anything reads them (413).

    The admin accepts up to ``DATA_UPLOAD_MAX_MEMORY_SIZE`` so an editor's oversized paste
    comes back as a form error with the text kept; readers' forms need a few kilobytes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/admin/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.EDITORIAL_PUBLIC_MAX_POST_BYTES:
                return HttpResponse("Request too large.", status=413, content_type="text/plain")
        return self.get_response(request)


class PublicPageCacheMiddleware:
    """Answer anonymous GET/HEAD requests for public pages from the page cache.

    Sits just after SecurityMiddleware and WhiteNoise: a hit skips URL routing to a view,
    sessions, CSRF, authentication and the database. A miss renders the page normally and
    stores it if nothing in it belongs to one client (no cookie, no ``Vary: Cookie``).
    Every public page, hit or miss, carries a strong ETag and Last-Modified and answers
    conditional requests with 304. While the database is down, a stale stored copy is served
    rather than the 503 maintenance page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        page = caching.page_key(request)
        if page is None:
            return self.get_response(request)
        entry, generations = caching.lookup(page)
        if caching.is_fresh(entry, generations):
            return caching.finish(
                request, caching.response_from(entry), etag=entry.etag, last_modified=entry.last_modified
            )
        generations = caching.current_generations(page, generations)
        response = self.get_response(request)
        if entry is not None and getattr(response, "database_unavailable", False):
            # The database is down: the last copy readers saw beats a maintenance page.
            stale = caching.response_from(entry, state="stale")
            return caching.finish(request, stale, etag=entry.etag, last_modified=entry.last_modified)
        if not caching.storable(request, response):
            return response
        caching.mark_public(response)
        etag = caching.etag_for(response.content)
        last_modified = caching.last_modified_for(generations)
        caching.store(page, generations, response, etag=etag, last_modified=last_modified)
        response["X-Page-Cache"] = "miss"
        return caching.finish(request, response, etag=etag, last_modified=last_modified)
