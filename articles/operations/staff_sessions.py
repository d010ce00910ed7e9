"""Staff sessions end after ``EDITORIAL_STAFF_IDLE_MINUTES`` without a request (0: never).

A staff session remembers when it was last used (rewritten at most once a minute, so a page
full of requests costs one session write). A request after a longer pause signs the user out
first: a page then goes to the login screen like any signed-out visit, and a script's
background request (autosave, live preview, "is my session alive?") gets the JSON 401 that
``static/articles/session.js`` answers with its "sign in again" dialog, the typed text kept.
Only admin requests are looked at (and count as use): public pages never read the session, so
the page cache keeps serving them (``articles/site/visitors.py``).
"""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.urls import reverse

LAST_SEEN = "_staff_last_seen"
REWRITE_EVERY = 60  # seconds
SIGNED_OUT_MESSAGE = "Your session has ended: sign in again to keep working. Nothing you typed is lost."


def wants_json(request) -> bool:
    """Whether ``request`` came from a page's script rather than a person opening a page."""
    accept = request.headers.get("Accept", "")
    mode = request.headers.get("Sec-Fetch-Mode", "")
    return "application/json" in accept or mode in {"cors", "same-origin", "no-cors"}


def signed_out_response(request, *, message: str = SIGNED_OUT_MESSAGE, error: str = "signed_out", login_url=None):
    """The JSON 401 that the admin's scripts read as "sign in again" (``articles/admin/autosave.py``)."""
    return JsonResponse(
        {"error": error, "message": message, "login_url": login_url or reverse("admin:login")}, status=401
    )


class StaffIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_root = None

    def __call__(self, request):
        if self.admin_root is None:
            self.admin_root = reverse("admin:index")
        idle_minutes = settings.EDITORIAL_STAFF_IDLE_MINUTES
        if not idle_minutes or not request.path_info.startswith(self.admin_root):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            now = time.time()
            last = request.session.get(LAST_SEEN)
            if isinstance(last, int | float) and now - last > idle_minutes * 60:
                logout(request)
                if wants_json(request):
                    return signed_out_response(request)
            elif not isinstance(last, int | float) or now - last >= REWRITE_EVERY:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
