"""The site-wide audit log: ``record()`` appends an event, ``verify()`` walks the hash chain.

Anything may record an event (``record("import.run", actor=user, request=request, target=obj,
files=3)``); action codes are dotted, ``<area>.<verb>``. Each entry's ``hash`` is the SHA-256
of a canonical serialisation of its fields and the previous entry's hash, so editing, removing
or inserting a row breaks the chain at that row. Appends are serialised by locking one row
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time anyway), so
concurrent writers never fork the chain. The entry is written in the caller's transaction: an
event that is rolled back leaves no entry.

``connect_signals()`` (from ``apps.ready``) captures what happens outside the workflow: sign-ins
(Django's ``user_logged_in``, ``user_login_failed``, ``user_logged_out``; django-axes'
``user_locked_out``), every change made in the admin (Django's own ``LogEntry``, written for
each add, change and delete), group and permission changes by any route (``m2m_changed``) and
changes to who is active, staff or superuser, and to board membership (``pre_save`` and
``post_save``).

The account events of ``operations.account_signals`` (second factors passed, refused, reset by
an admin; lockouts lifted; sessions ended) are connected the same way (``ACCOUNT_EVENTS``).
Lockouts themselves are recorded from django-axes' signal here, not from ``account_locked``,
which announces the same lockout (one entry per lockout).

Operations imports nothing else of the app: the models are looked up in the app registry.
"""

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC
from typing import NamedTuple

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import account_signals
from .ratelimit import client_address

GENESIS = ""
# Fields in the hash, in this order. ``actor`` (the foreign key) is not: deleting a user sets it
# to NULL, which must not break the chain; ``actor_username`` keeps who it was.
HASHED_FIELDS = [
    "id",
    "time",
    "actor_username",
    "address",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "details",
]


def _models():
    return apps.get_model("articles", "AuditEntry"), apps.get_model("articles", "AuditChainLock")


def canonical(entry) -> bytes:
    """The bytes hashed for ``entry``: its fields as sorted, compact JSON, times in UTC to the microsecond."""
    values = {name: getattr(entry, name) for name in HASHED_FIELDS}
    values["time"] = entry.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry, prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


def _request_now():
    """The request being served, as django-simple-history's middleware keeps it (None outside one)."""
    from simple_history.models import HistoricalRecords

    return getattr(HistoricalRecords.context, "request", None)


def _clean_details(details: dict) -> dict:
    # Stored as it will read back: JSON types only, so the hash is the same after a round trip.
    return json.loads(json.dumps(details, default=str))


class Target(NamedTuple):
    """What an event is about, when it is not a model instance at hand: ``("auth.user", 3, "alice")``."""

    type: str
    id: object
    repr: object


def record(action: str, *, actor=None, request=None, target=None, **details):
    """Append one event to the audit log and return it.

    ``actor`` is the user who acted (default: the request's signed-in user), ``request`` gives
    the client address (as the rate limits read it, honouring ``EDITORIAL_TRUSTED_PROXIES``;
    default: the request being served, if any), ``target`` the model instance (or ``Target``) the
    event is about;
    the keyword arguments are kept as JSON ``details``. Never pass secrets or readers' addresses.
    """
    AuditEntry, AuditChainLock = _models()
    request = request if request is not None else _request_now()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    entry = AuditEntry(
        time=timezone.now(),
        actor=actor if actor is not None and actor.pk is not None else None,
        actor_username=actor.get_username()[:150] if actor is not None else "",
        address=client_address(request)[:45] if request is not None else "",
        action=action[:60],
        details=_clean_details(details),
    )
    if target is not None:
        if not isinstance(target, Target):
            meta = target._meta
            target = Target(f"{meta.app_label}.{meta.model_name}", "" if target.pk is None else target.pk, target)
        entry.target_type = target.type[:100]
        entry.target_id = str(target.id)[:64]
        entry.target_repr = str(target.repr)[:200]
    with transaction.atomic():
        head = _lock_head(AuditChainLock)
        last = AuditEntry.objects.order_by("-id").only("id", "hash").first()
        entry.id = last.id + 1 if last else 1
        entry.prev_hash = last.hash if last else GENESIS
        entry.hash = entry_hash(entry, entry.prev_hash)
        entry.save()
        head.last_id, head.last_hash = entry.id, entry.hash
        head.save(update_fields=["last_id", "last_hash"])
    return entry


def _lock_head(AuditChainLock):
    """Lock the chain's head row, creating it if missing (a new database, or one just flushed)."""
    head = AuditChainLock.objects.select_for_update().filter(pk=1).first()
    if head is None:
        try:
            with transaction.atomic():
                AuditChainLock.objects.create(pk=1)
        except IntegrityError:
            pass  # created meanwhile by another writer
        head = AuditChainLock.objects.select_for_update().get(pk=1)
    return head


# --- Verification ----------------------------------------------------------------


@dataclass
class BrokenLink:
    id: int | None
    time: object
    problem: str

    def __str__(self):
        when = f" ({self.time:%Y-%m-%d %H:%M:%S %Z})" if self.time else ""
        where = f"entry {self.id}{when}" if self.id is not None else "the chain's end"
        return f"Broken link at {where}: {self.problem}"


def verify() -> tuple[int, BrokenLink | None]:
    """Walk the chain from the first entry; return (entries checked, the first broken link or None)."""
    AuditEntry, AuditChainLock = _models()
    prev_hash, expected, count, last = GENESIS, 1, 0, None
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry_hash(entry, entry.prev_hash) != entry.hash:
            return count, BrokenLink(entry.id, entry.time, "its content does not match its hash (the row was edited)")
        if entry.id != expected or entry.prev_hash != prev_hash:
            if entry.id > expected:
                gone = f"entry {expected}" if entry.id == expected + 1 else f"entries {expected} to {entry.id - 1}"
                problem = f"{gone} before it are missing (deleted)"
            else:
                problem = (
                    f"it does not follow entry {expected - 1}: a row was inserted here, or the one before it replaced"
                )
            return count, BrokenLink(entry.id, entry.time, problem)
        prev_hash, expected, count, last = entry.hash, entry.id + 1, count + 1, entry
    head = AuditChainLock.objects.filter(pk=1).first()
    if head is not None and head.last_id and (last is None or head.last_id != last.id or head.last_hash != last.hash):
        problem = (
            f"the last entry written was {head.last_id}, but the log ends at {last.id if last else 'nothing'} "
            "(entries at the end were deleted or replaced)"
        )
        return count, BrokenLink(last.id if last else None, last.time if last else None, problem)
    return count, None


# --- Capture ------------------------------------------------------------------

_state = threading.local()


def _migrating() -> bool:
    return getattr(_state, "migrating", False)


def _start_migrating(**kwargs):
    _state.migrating = True


def _end_migrating(**kwargs):
    _state.migrating = False


def _logged_in(sender, request, user, **kwargs):
    record("auth.login", actor=user, request=request)


def _login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked anything that looks like a secret in ``credentials``.
    record("auth.login_failed", request=request, username=str(credentials.get("username", ""))[:150])


def _logged_out(sender, request, user, **kwargs):
    record("auth.logout", actor=user, request=request)


def _locked_out(sender, request, username=None, ip_address=None, **kwargs):
    record("auth.locked_out", request=request, username=str(username or "")[:150])


# account_signals' signals (by name) and the action each is recorded as.
ACCOUNT_EVENTS = {
    "second_factor_verified": "2fa.verified",
    "second_factor_failed": "2fa.failed",
    "recovery_code_used": "2fa.recovery_code_used",
    "second_factor_reset_by_admin": "2fa.reset",
    "account_unlocked": "auth.unlocked",
    "sessions_ended": "auth.sessions_ended",
}


def _account_event(action):
    def receiver(sender, user=None, request=None, details=None, **kwargs):
        # Who acted is the signed-in user of the request (an admin resetting or unlocking someone
        # else's account, or the person signing in); the account concerned is the target.
        signed_in = getattr(request, "user", None)
        acting = signed_in if signed_in is not None and signed_in.is_authenticated else user
        record(action, actor=acting, request=request, target=user, **dict(details or {}))

    return receiver


ADMIN_ACTIONS = {1: "admin.add", 2: "admin.change", 3: "admin.delete"}


def _admin_change(sender, instance, created, raw=False, **kwargs):
    """Every add, change and delete made in the admin (Django writes a ``LogEntry`` for each)."""
    if not created or raw:
        return
    content_type = instance.content_type
    record(
        ADMIN_ACTIONS.get(instance.action_flag, "admin.change"),
        actor=instance.user,
        target=Target(
            f"{content_type.app_label}.{content_type.model}" if content_type else "",
            instance.object_id or "",
            instance.object_repr or "",
        ),
        change=instance.get_change_message(),
    )


M2M_ACTIONS = {}  # through model -> action code; filled by connect_signals()


def _m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Groups and permissions granted or taken away, by any route (admin forms, shell, commands)."""
    if _migrating() or sender not in M2M_ACTIONS:
        return
    if action == "post_clear":
        record(M2M_ACTIONS[sender], target=instance, cleared=True)
    elif action in ("post_add", "post_remove") and pk_set:
        names = sorted(str(obj) for obj in model._default_manager.filter(pk__in=pk_set))
        record(M2M_ACTIONS[sender], target=instance, **{"added" if action == "post_add" else "removed": names})


USER_FLAGS = ["is_active", "is_staff", "is_superuser", "password"]


def _user_before(sender, instance, raw=False, **kwargs):
    if raw or _migrating() or instance.pk is None:
        return
    instance._audit_before = sender._default_manager.filter(pk=instance.pk).values(*USER_FLAGS).first()


def _user_after(sender, instance, created, raw=False, **kwargs):
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    if raw or created or before is None:
        return
    changes = {
        name: ("changed" if name == "password" else getattr(instance, name))
        for name in USER_FLAGS
        if before[name] != getattr(instance, name)
    }
    if changes:
        record("user.status", target=instance, **changes)


def _board_before(sender, instance, raw=False, **kwargs):
    if raw or _migrating() or instance.pk is None:
        return
    instance._audit_was_active = (
        sender._default_manager.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    )


def _board_after(sender, instance, created, raw=False, **kwargs):
    was = getattr(instance, "_audit_was_active", None)
    instance._audit_was_active = None
    if raw or _migrating():
        return
    if created:
        record("board.join", target=instance, active=instance.is_active)
    elif was is not None and was != instance.is_active:
        record("board.leave" if not instance.is_active else "board.rejoin", target=instance)


def connect_signals() -> None:
    """Capture sign-ins, admin changes, groups and permissions, user flags and board membership."""
    from axes.signals import user_locked_out
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
    from django.db.models.signals import m2m_changed, post_migrate, post_save, pre_migrate, pre_save

    User = get_user_model()
    user_logged_in.connect(_logged_in, dispatch_uid="audit.login")
    user_login_failed.connect(_login_failed, dispatch_uid="audit.login_failed")
    user_logged_out.connect(_logged_out, dispatch_uid="audit.logout")
    user_locked_out.connect(_locked_out, dispatch_uid="audit.locked_out")
    for name, action in ACCOUNT_EVENTS.items():
        getattr(account_signals, name).connect(_account_event(action), dispatch_uid=f"audit.{action}", weak=False)
    post_save.connect(_admin_change, sender=LogEntry, dispatch_uid="audit.admin")
    M2M_ACTIONS.update(
        {
            User.groups.through: "user.groups",
            User.user_permissions.through: "user.permissions",
            Group.permissions.through: "group.permissions",
        }
    )
    for through in M2M_ACTIONS:
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"audit.m2m.{through._meta.label}")
    pre_save.connect(_user_before, sender=User, dispatch_uid="audit.user.before")
    post_save.connect(_user_after, sender=User, dispatch_uid="audit.user.after")
    pre_save.connect(_board_before, sender="articles.BoardMember", dispatch_uid="audit.board.before")
    post_save.connect(_board_after, sender="articles.BoardMember", dispatch_uid="audit.board.after")
    pre_migrate.connect(_start_migrating, dispatch_uid="audit.pre_migrate")
    post_migrate.connect(_end_migrating, dispatch_uid="audit.post_migrate")
