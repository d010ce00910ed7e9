"""Everything under ``/api/`` answers like an API: CORS preflights, HEAD, and problem documents for every error.

An endpoint's caller is identified and limited here, and a fresh answer in the page cache served
from here, before sessions, CSRF, authentication and the view (``http.fast_answer``). Sits before
the page cache and everything else, so a 404 from URL routing, a 405, a 500 or the
503 of a database outage (``operations.outages``) all reach the client as ``application/problem+json``.
"""

from http import HTTPStatus

from . import keys
from .http import PROBLEM_CONTENT_TYPE, fast_answer, preflight, problem_response, scopes_for

PREFIX = "/api/"
KEPT_HEADERS = ("Retry-After", "Allow", "WWW-Authenticate")


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS" and "Origin" in request.headers:
            return preflight(request, keys.origin_allowed_anywhere(request.headers["Origin"].rstrip("/")))
        head = request.method == "HEAD"
        if head:
            request.method = "GET"  # the endpoints are GETs; the body is dropped below
        scopes = scopes_for(request.path_info) if request.method == "GET" else None
        response = (fast_answer(request, scopes) if scopes else None) or self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE):
            response = self._as_problem(request, response)
        if head:
            if not response.streaming:
                response["Content-Length"] = str(len(response.content))
                response.content = b""
            request.method = "HEAD"
        return response

    def _as_problem(self, request, response):
        status = response.status_code
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        details = {
            404: "Nothing is at this address: see /api/ for the endpoints.",
            405: "Only GET, HEAD and OPTIONS are answered here.",
            503: "The service is unavailable for a moment; try again shortly.",
        }
        detail = details.get(status, "Something went wrong on our side; it was logged." if status >= 500 else phrase)
        headers = {name: response[name] for name in KEPT_HEADERS if name in response}
        return problem_response(request, status, detail, headers=headers)
