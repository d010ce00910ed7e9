"""Serve public pages from the shared page cache before sessions, CSRF and auth run."""

from . import caching, edge, responses, visitors


class PublicPageCacheMiddleware:
    """Answer GET/HEAD requests for public pages from the page cache, unless a user is signed in.

    Sits just after SecurityMiddleware and WhiteNoise: a hit skips URL routing to a view,
    sessions, CSRF, authentication and the database. Query parameters a page does not read
    and session cookies that are no signed-in user's make no difference (``visitors``). A miss
    renders the page normally and stores it if nothing in it belongs to one client (no cookie,
    no ``Vary: Cookie``). Every public page, hit or miss, carries a strong ETag and
    Last-Modified and answers conditional requests with 304. While the database is down, a
    stale stored copy is served rather than the 503 maintenance page. Public pages carry their
    scopes as surrogate keys for the edge (``edge``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        page = caching.page_key(request)
        if page is None:
            return self.get_response(request)
        found = caching.lookup(page)
        if found.signed_in:
            # A signed-in editor: never served a stored page, never stores one.
            return self.get_response(request)
        entry, generations = found.entry, found.generations
        if caching.is_fresh(entry, generations):
            hit = caching.response_from(entry)
            edge.tag(hit, page.scopes)
            return responses.finish(request, hit, etag=entry.etag, last_modified=entry.last_modified)
        generations = caching.current_generations(page, generations)
        # The same generations key the fragments the view keeps (``pages.article_history``).
        request.page_generations = dict(zip(page.scopes, generations, strict=True)) if generations else {}
        visitors.as_reader(request, page.query)
        response = self.get_response(request)
        if entry is not None and getattr(response, "database_unavailable", False):
            # The database is down: the last copy readers saw beats a maintenance page.
            stale = caching.response_from(entry, state="stale")
            edge.tag(stale, page.scopes)
            return responses.finish(request, stale, etag=entry.etag, last_modified=entry.last_modified)
        if not responses.storable(request, response):
            return response
        if "catalog" in page.scopes:
            # Lists of articles change when any article goes live or ends (``schedule``).
            responses.expire_at(response, getattr(request, "next_scheduled_change", None))
        responses.mark_public(response)
        edge.tag(response, page.scopes)  # stored with the page, for Varnish and CDNs in front
        etag = responses.etag_for(response.content)
        last_modified = responses.last_modified_for(generations)
        caching.store(page, generations, response, etag=etag, last_modified=last_modified)
        response["X-Page-Cache"] = "miss"
        return responses.finish(request, response, etag=etag, last_modified=last_modified)
