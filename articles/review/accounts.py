"""Ending a person's sessions: at once, everywhere, when they are deactivated or leave the board.

Each sign-in is indexed by user (``SignedInSession``); ``end_sessions`` deletes every indexed
session from the session store (whichever ``SESSION_ENGINE``: database or cache). It runs
whatever writes the change (the admin, a shell, a command): ``connect`` hooks the saves of users
(``is_active`` turned off) and of board profiles (``is_active`` turned off). The board's powers
themselves end by the rule in ``board`` (``holds_board_powers``, ``BoardPermissionsBackend``),
which every board path asks; ending the sessions makes the change felt at the next click.
"""

import logging
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from articles.models import BoardMember, SignedInSession
from articles.operations import account_signals

log = logging.getLogger("articles.accounts")


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def end_sessions(user, *, reason: str, request=None) -> int:
    """Delete every session ``user`` signed in to; return how many there were."""
    keys = list(SignedInSession.objects.filter(user=user).values_list("session_key", flat=True))
    store = _store()
    for key in keys:
        store(session_key=key).delete()
    SignedInSession.objects.filter(user=user, session_key__in=keys).delete()
    log.info("Ended %d session(s) of %s: %s", len(keys), user.get_username(), reason)
    account_signals.announce(account_signals.sessions_ended, user=user, request=request, reason=reason, count=len(keys))
    return len(keys)


def _signed_in(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None or user is None or user.pk is None:
        return
    if session.session_key is None:
        session.save()
    SignedInSession.objects.update_or_create(session_key=session.session_key, defaults={"user": user})
    # Sessions that ran out without a sign-out leave their row: those past any session's age go.
    too_old = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    SignedInSession.objects.filter(user=user, signed_in_at__lt=too_old).delete()


def _signed_out(sender, request, user, **kwargs):
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        SignedInSession.objects.filter(session_key=key).delete()


def _remember_active(sender, instance, update_fields=None, **kwargs):
    # The value before this save, to notice an account or membership being switched off (a save of
    # other fields only, such as the last login, cannot switch it off: no query).
    if instance.pk is None or (update_fields is not None and "is_active" not in update_fields):
        instance._was_active = None
    else:
        instance._was_active = (
            type(instance)._default_manager.filter(pk=instance.pk).values_list("is_active", flat=True).first()
        )


def _user_saved(sender, instance, created, **kwargs):
    if not created and getattr(instance, "_was_active", None) and not instance.is_active:
        transaction.on_commit(lambda: end_sessions(instance, reason="account deactivated"))


def _membership_saved(sender, instance, created, **kwargs):
    if not created and getattr(instance, "_was_active", None) and not instance.is_active:
        user = instance.user
        transaction.on_commit(lambda: end_sessions(user, reason="left the Medical Advisory Board"))


def connect() -> None:
    User = get_user_model()
    user_logged_in.connect(_signed_in, dispatch_uid="articles.accounts.signed_in")
    user_logged_out.connect(_signed_out, dispatch_uid="articles.accounts.signed_out")
    pre_save.connect(_remember_active, sender=User, dispatch_uid="articles.accounts.user_active")
    post_save.connect(_user_saved, sender=User, dispatch_uid="articles.accounts.user_saved")
    pre_save.connect(_remember_active, sender=BoardMember, dispatch_uid="articles.accounts.member_active")
    post_save.connect(_membership_saved, sender=BoardMember, dispatch_uid="articles.accounts.member_saved")
