"""Requests refused before they reach a view, once for the whole site.

- ``RejectNulInAdminQueryMiddleware``: PostgreSQL cannot store or compare text containing NUL:
  a ``%00`` in any admin list filter, search or autocomplete value would raise ``DataError``
  deep in the ORM (a 500). No admin query has a use for it, so such requests are answered 400
  here instead of every filter and search field guarding itself.
- ``RequestSizeLimitMiddleware``: oversized bodies outside the admin are refused (413).
"""

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import reverse


class RejectNulInAdminQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = None

    def __call__(self, request):
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        if request.path.startswith(self.admin_prefix) and _has_nul(request.GET):
            return HttpResponseBadRequest("The address contains a NUL character.", content_type="text/plain")
        return self.get_response(request)


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())


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
