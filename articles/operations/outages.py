"""What readers and editors get when the database is unavailable: a short 503, one log line.

Django's own 500 handling would log a full traceback for every request while the database
is down (megabytes a minute) and show readers "something went wrong". A database that
cannot be reached, or an SQLite database still locked after the busy timeout, is an
outage to wait out, not a bug: the answer is 503 with ``Retry-After``, and the page cache
serves a stale copy of public pages where it has one (articles/middleware.py).
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def database_error(exc: BaseException | None) -> BaseException | None:
    """Return the database outage behind ``exc`` (it may be wrapped, e.g. by the session store)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def service_unavailable(request, error: BaseException) -> HttpResponse:
    # No request context: context processors could touch the database that is down.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response.database_unavailable = True
    logger.warning(
        "503 %s %s: database unavailable: %s", request.method, request.path, (str(error).splitlines() or [""])[0]
    )
    # One line above instead of Django's traceback per request.
    response._has_been_logged = True
    return response


def server_error(request, *args, **kwargs):
    """``handler500``: a database outage answers 503; anything else is a real 500."""
    error = database_error(sys.exc_info()[1])
    if error is not None:
        return service_unavailable(request, error)
    return defaults.server_error(request, *args, **kwargs)
