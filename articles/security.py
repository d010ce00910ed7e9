"""Requests refused before they reach a view, once for the whole admin.

PostgreSQL cannot store or compare text containing NUL: a ``%00`` in any admin list
filter, search or autocomplete value would raise ``DataError`` deep in the ORM (a 500).
No admin query has a use for it, so such requests are answered 400 here instead of
every filter and search field guarding itself.
"""

from django.http import HttpResponseBadRequest
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
