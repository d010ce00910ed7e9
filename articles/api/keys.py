"""Partners' API keys: made and shown once, checked on each request, rate-limited and counted per day.

A key is ``rh_`` and 43 characters of a random 32-byte token (URL-safe base64); only its SHA-256 is
stored. Each request costs two or three cache calls and no query in the steady state: the key's
record is kept in the shared cache for ``RECORD_SECONDS`` (revoking or editing a key drops it at
once) and the rate limit is a counter per key and minute (``operations.ratelimit``, on the shared
cache, so it holds across machines). Usage is counted in each process's memory and added to
``ApiKeyUsage`` by one UPSERT per key and day at most once a minute (and when the process exits),
instead of a database write or a cache write per request (``benchmarks/api.py`` measures all three);
a process killed outright loses at most its last minute of counts. ``middleware`` does this before anything else runs,
and answers from the page cache there when it can.
"""

import atexit
import hashlib
import logging
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from articles.models import ApiKey, ApiKeyUsage
from articles.operations import audit, ratelimit

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "rh_"
PREFIX_CHARS = 8  # shown in the admin: "rh_Ab3d…"
RECORD_SECONDS = 60
WINDOW = 60  # the rate limit's window: requests per minute
FLUSH_SECONDS = 60


@dataclass(frozen=True)
class Caller:
    """Who is calling: a partner's key (``key_id`` set) or an anonymous client."""

    key_id: int | None
    name: str
    rate_limit: int
    origins: tuple = ()
    client: str = ""  # anonymous: the hashed client address the limit counts

    @property
    def anonymous(self) -> bool:
        return self.key_id is None

    def __bool__(self):  # django-ninja takes a falsy result as "not authenticated"
        return True


class KeyRefused(Exception):
    """The request's key is missing, unknown, revoked or expired (401)."""

    def __init__(self, detail: str, reason: str):
        super().__init__(detail)
        self.detail, self.reason = detail, reason


class RateLimited(Exception):
    """The caller made more requests this minute than its limit (429)."""

    def __init__(self, caller: Caller, retry_after: int):
        super().__init__(f"More than {caller.rate_limit} requests in a minute.")
        self.caller, self.retry_after = caller, retry_after


def hash_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(
    *, name: str, expires_at=None, rate_limit: int | None = None, origins: str = "", actor=None
) -> tuple[ApiKey, str]:
    """Make a key for partner ``name``; return it and the token, which is never stored nor shown again.

    Recorded in the audit log as made by ``actor`` (None: an operator's command), without the token.
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name,
        prefix=token[: len(TOKEN_PREFIX) + PREFIX_CHARS],
        key_hash=hash_key(token),
        expires_at=expires_at,
        rate_limit=rate_limit or settings.EDITORIAL_API_DEFAULT_RATE,
        allowed_origins=origins,
    )
    audit.record("api_key.create", actor=actor, target=key, prefix=key.prefix, expires_at=str(expires_at or ""))
    return key, token


def revoke(key: ApiKey, *, actor=None) -> None:
    """Stop ``key`` working, from the next request on every machine (recorded in the audit log)."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit.record("api_key.revoke", actor=actor, target=key, prefix=key.prefix)
    forget(key)


def forget(key: ApiKey) -> None:
    """Drop the cached record of ``key`` (after it was edited or revoked)."""
    try:
        cache.delete(_record_key(key.key_hash))
    except Exception:  # the record expires within RECORD_SECONDS anyway
        logger.warning("API key record not dropped from the cache (cache unavailable)", extra={"outage": "cache"})


def _record_key(key_hash: str) -> str:
    return f"api:key:{key_hash}"


def _record(key_hash: str) -> dict | None:
    """The key's record: from the cache, else the database (a missing key is remembered too)."""
    try:
        record = cache.get(_record_key(key_hash))
    except Exception:
        record = None
    if record is not None:
        return record or None
    key = ApiKey.objects.filter(key_hash=key_hash).first()
    record = (
        {
            "id": key.pk,
            "name": key.name,
            "rate": key.rate_limit,
            "origins": tuple(key.origins),
            "revoked": key.revoked_at is not None,
            "expires": key.expires_at.timestamp() if key.expires_at else None,
        }
        if key
        else {}
    )
    try:
        cache.set(_record_key(key_hash), record, timeout=RECORD_SECONDS)
    except Exception:  # read from the database again next time
        logger.warning("API key record not cached (cache unavailable)", extra={"outage": "cache"})
    return record or None


def identify(request) -> Caller:
    """Who is calling, from ``Authorization: Bearer <key>``; raise ``KeyRefused`` if they may not."""
    header = request.headers.get("Authorization", "")
    if not header:
        if settings.EDITORIAL_API_ANONYMOUS:
            return Caller(
                None, "anonymous", settings.EDITORIAL_API_ANONYMOUS_RATE, client=ratelimit.client_key(request)
            )
        raise KeyRefused("This API needs a key: send it as 'Authorization: Bearer <key>'.", "missing")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise KeyRefused("Send the key as 'Authorization: Bearer <key>'.", "malformed")
    record = _record(hash_key(token))
    if record is None:
        raise KeyRefused("This key is not known.", "unknown")
    if record["revoked"]:
        raise KeyRefused("This key was revoked.", "revoked")
    if record["expires"] is not None and record["expires"] <= time.time():
        raise KeyRefused("This key has expired.", "expired")
    return Caller(record["id"], record["name"], record["rate"], record["origins"])


def admit(caller: Caller) -> None:
    """Count one request against the caller's limit (raise ``RateLimited`` past it) and its usage."""
    now = time.time()
    window = int(now // WINDOW)
    who = f"key:{caller.key_id}" if not caller.anonymous else f"anon:{caller.client}"
    if not ratelimit.hit(f"api:{who}:{window}", limit=caller.rate_limit, window=WINDOW):
        raise RateLimited(caller, retry_after=max(1, int((window + 1) * WINDOW - now + 0.999)))
    if not caller.anonymous:
        count_usage(caller.key_id)


# --- Usage per day ------------------------------------------------------------------


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


class _Usage:
    """Requests this process served per (key id, day) and has not written yet (shared by its threads)."""

    lock = threading.Lock()
    pending: Counter = Counter()
    flushed_at = time.monotonic()


def count_usage(key_id: int) -> None:
    """Count one request in this process's memory (no round trip); write the counts at most once a minute."""
    with _Usage.lock:
        _Usage.pending[(key_id, _today())] += 1
        due = time.monotonic() - _Usage.flushed_at >= FLUSH_SECONDS
    if due:
        flush_usage()


@atexit.register
def flush_usage() -> None:
    """Add the counts this process holds to ``ApiKeyUsage`` (one UPSERT per key and day); also at exit."""
    with _Usage.lock:
        pending, _Usage.pending = _Usage.pending, Counter()
        _Usage.flushed_at = time.monotonic()
    for (key_id, day), count in pending.items():
        if not add_usage(key_id, day, count):
            with _Usage.lock:  # kept for the next flush
                _Usage.pending[(key_id, day)] += count


def forget_process_state() -> None:
    """Drop the counts not yet written (tests)."""
    with _Usage.lock:
        _Usage.pending.clear()
        _Usage.flushed_at = time.monotonic()


def add_usage(key_id: int, day: str, count: int) -> bool:
    """Add ``count`` requests to the key's row for ``day`` in one statement (an UPSERT); False if it failed."""
    table = ApiKeyUsage._meta.db_table
    sql = (
        f"INSERT INTO {table} (key_id, day, requests) VALUES (%s, %s, %s) "  # noqa: S608 - our own table name
        f"ON CONFLICT (key_id, day) DO UPDATE SET requests = {table}.requests + excluded.requests"
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [key_id, day, count])
    except IntegrityError:  # the key is gone (a test database rolled back): nothing to count against
        return True
    except DatabaseError:
        logger.warning("API usage of key %s not recorded yet (%s requests); retried at the next flush", key_id, count)
        return False
    return True


def usage_today(key: ApiKey) -> int:
    """Requests ``key`` made today: written, plus what this process holds (other processes write theirs
    within a minute)."""
    day = _today()
    recorded = ApiKeyUsage.objects.filter(key=key, day=day).values_list("requests", flat=True).first() or 0
    with _Usage.lock:
        return recorded + _Usage.pending.get((key.pk, day), 0)


def origin_allowed_anywhere(origin: str) -> bool:
    """Whether some active key lists ``origin`` (a preflight carries no key to ask)."""
    now = timezone.now()
    keys = ApiKey.objects.filter(revoked_at__isnull=True).exclude(allowed_origins="").exclude(expires_at__lte=now)
    return any(origin == allowed for key in keys.only("allowed_origins") for allowed in key.origins)
