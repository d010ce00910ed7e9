"""Logging filters that keep the log readable on a bad day (``LOGGING`` in editorial/settings.py).

- ``OneLineRefusals``: a refused request (403 permission denied, 400 bad or suspicious request)
  is logged by Django with the exception's full traceback, dozens of lines for an expected
  answer. This filter keeps the one line (and the exception's message) and drops the traceback.
- ``RateLimitedOutages``: while Redis is away every request would log a warning or two. Code
  that degrades during an outage logs with ``extra={"outage": "cache"}``; this filter passes one
  such line per kind per process every ``seconds``; the next one says how many it held back.
- ``TaskFailuresOnce``: a failed background job is one line (its retry handler's), not two and
  a traceback.
"""

import logging
import threading
import time

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation

REFUSALS = (PermissionDenied, BadRequest, SuspiciousOperation)


class OneLineRefusals(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exception = record.exc_info[1] if record.exc_info else None
        if isinstance(exception, REFUSALS):
            message = record.getMessage()
            detail = (str(exception).splitlines() or [""])[0]
            record.msg, record.args = message + (f" ({detail})" if detail and detail not in message else ""), None
            record.exc_info = None
            record.exc_text = None
        return True


class RateLimitedOutages(logging.Filter):
    def __init__(self, seconds: float = 10.0):
        super().__init__()
        self.seconds = seconds
        self.clock = time.monotonic
        self.lock = threading.Lock()
        self.windows = {}  # kind -> [time the last line was let through, lines held back since]

    def filter(self, record: logging.LogRecord) -> bool:
        kind = getattr(record, "outage", None)
        if kind is None:
            return True
        now = self.clock()
        with self.lock:
            window = self.windows.get(kind)
            if window is not None and now - window[0] < self.seconds:
                window[1] += 1
                return False
            held_back = window[1] if window is not None else 0
            self.windows[kind] = [now, 0]
        if held_back:
            record.msg, record.args = (
                f"{record.getMessage()} (and {held_back} more {kind} outage warning(s) since the last one)",
                None,
            )
        return True

    def reset(self) -> None:
        with self.lock:
            self.windows.clear()


class TaskFailuresOnce(logging.Filter):
    """django-tasks logs a failed job with its traceback; a job declared with
    ``articles.operations.tasks.background`` is logged in one line by its retry handler instead
    (the traceback is kept with the job, in the admin)."""

    def filter(self, record: logging.LogRecord) -> bool:
        from articles.operations.tasks import POLICIES

        args = record.args if isinstance(record.args, tuple) else ()
        return not (record.levelno >= logging.ERROR and len(args) == 3 and args[1] in POLICIES)
