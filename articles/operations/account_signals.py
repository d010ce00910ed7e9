"""What happens to staff accounts, announced as signals for whoever keeps a record (the audit log).

The sign-in screens, the admin's account actions and the session rules send these; this module
sends nothing itself except ``account_locked``, which it derives from django-axes' lockouts (and
logs, one line per lockout, whether anyone listens or not). Every signal is sent with:

- ``user``: the account concerned (``None`` when a lockout names a username with no account);
- ``request``: the request it happened in, or ``None`` (a command, a background job);
- ``address``: the client address as the rate limits read it (``None`` without a request);
- ``details``: a dict of what else a record needs (who acted for admin actions, the kind of
  second factor, the number of sessions ended...), never a secret or a code.

Receivers are connected by the integrator (``signal.connect(receiver)``); use ``announce`` to send.
"""

import logging

from django.dispatch import Signal

from .ratelimit import client_address

log = logging.getLogger("articles.accounts")

# A second factor passed (details: ``method`` "totp" | "recovery_code" | "webauthn").
second_factor_verified = Signal()
# A second factor refused: a wrong, replayed or expired code, a passkey that failed (details: ``method``).
second_factor_failed = Signal()
# A one-time recovery code used to sign in (details: ``remaining`` codes).
recovery_code_used = Signal()
# An admin removed a user's second factors (lost phone); the user enrols again at next sign-in
# (details: ``by`` the admin, ``devices`` removed).
second_factor_reset_by_admin = Signal()
# Sign-ins locked after repeated failures (details: ``username`` tried, ``ip_address``, ``failures``).
account_locked = Signal()
# A lockout lifted early by an admin (details: ``by``, ``username`` and/or ``ip_address``, ``attempts`` cleared).
account_unlocked = Signal()
# All of a user's sessions ended at once (details: ``reason``, ``count``).
sessions_ended = Signal()


def announce(signal: Signal, *, user, request=None, **details) -> None:
    """Send ``signal`` the way every account signal is sent (see the module's docstring)."""
    address = client_address(request) if request is not None else None
    signal.send(sender="articles.accounts", user=user, request=request, address=address, details=details)


def on_axes_lockout(sender, request, username, ip_address, **kwargs):
    """Log and announce a django-axes lockout (connected to ``axes.signals.user_locked_out``)."""
    from django.contrib.auth import get_user_model

    # axes sends this when the limit is reached, and again for each attempt while locked
    # (login_throttle notes which).
    new = not getattr(request, "editorial_was_locked", False)
    log.warning(
        "Sign-in locked%s: username %r from %s (%s)",
        "" if new else " (attempt while locked)",
        username,
        ip_address,
        f"{getattr(request, 'axes_failures_since_start', None)} failures" if new else "refused",
    )
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    details = {"username": username, "ip_address": ip_address, "new_lockout": new}
    if new:
        details["failures"] = getattr(request, "axes_failures_since_start", None)
    announce(account_locked, user=user, request=request, **details)


def connect() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(on_axes_lockout, dispatch_uid="articles.accounts.lockout")
