"""Staff accounts in the admin: permission changes need a verified second factor; lost phones and lockouts.

Django's user and group admins, with three additions:

- a change to users or groups (permissions, group membership, staff or superuser status,
  passwords, deletions) posted from a session without a verified second factor is refused with
  a message (with ``EDITORIAL_REQUIRE_2FA``), on every URL of those admins;
- actions on users: reset their second factors (a lost phone: they enrol again at their next
  sign-in), unlock their sign-in (django-axes' failures for their username, from any address),
  and end all their sessions;
- an action on django-axes' attempts: unlock the addresses and usernames they name.

Each announces its signal (``articles.operations.account_signals``) for the audit log.
"""

from functools import wraps

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from axes.utils import reset as reset_attempts
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from articles.operations import account_signals
from articles.review import accounts, second_factor


def _refuse_unverified_writes(view):
    """Refuse a POST from a session that has not passed a second factor (when 2FA is required)."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.method == "POST":
            try:
                second_factor.require_verified(request.user, "change users, groups or permissions")
            except PermissionDenied as refusal:
                messages.error(request, str(refusal))
                return redirect(request.get_full_path())
        return view(request, *args, **kwargs)

    return guarded


class VerifiedWritesMixin:
    def get_urls(self):
        urls = super().get_urls()
        for pattern in urls:
            if hasattr(pattern, "callback") and pattern.callback is not None:
                pattern.callback = _refuse_unverified_writes(pattern.callback)
        return urls


@admin.action(description="Reset second factor (lost phone): they set it up again at their next sign-in")
def reset_second_factor(modeladmin, request, queryset):
    for user in queryset:
        removed = second_factor.reset(user, by=request.user, request=request)
        accounts.end_sessions(user, reason="second factor reset by an administrator", request=request)
        modeladmin.message_user(
            request, f"{user.get_username()}: {removed} device(s) removed; they set up a new one at their next sign-in."
        )


@admin.action(description="Unlock sign-in (clear failed sign-ins for these usernames)")
def unlock_sign_in(modeladmin, request, queryset):
    for user in queryset:
        cleared = reset_attempts(username=user.get_username())
        account_signals.announce(
            account_signals.account_unlocked,
            user=user,
            request=request,
            by=request.user.get_username(),
            username=user.get_username(),
            attempts=cleared,
        )
        modeladmin.message_user(
            request, f"{user.get_username()}: sign-in unlocked ({cleared} failed attempt record(s) cleared)."
        )


@admin.action(description="End all their sessions (sign them out everywhere)")
def end_all_sessions(modeladmin, request, queryset):
    for user in queryset:
        count = accounts.end_sessions(user, reason=f"ended by {request.user.get_username()}", request=request)
        modeladmin.message_user(request, f"{user.get_username()}: {count} session(s) ended.")


class StaffUserAdmin(VerifiedWritesMixin, UserAdmin):
    actions = [reset_second_factor, unlock_sign_in, end_all_sessions]
    list_display = [*UserAdmin.list_display, "second_factor"]

    def get_queryset(self, request):
        # Whether each user has an app or a passkey, in the list's one query.
        app = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        passkey = WebAuthnCredential.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_second_factor=Exists(app) | Exists(passkey))

    @admin.display(boolean=True, description="Second factor", ordering="has_second_factor")
    def second_factor(self, user):
        return user.has_second_factor

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("auth.change_user"):
            for name in ("reset_second_factor", "unlock_sign_in", "end_all_sessions"):
                actions.pop(name, None)
        return actions


class StaffGroupAdmin(VerifiedWritesMixin, GroupAdmin):
    pass


@admin.action(description="Unlock: clear failed sign-ins from these addresses and for these usernames")
def unlock_attempts(modeladmin, request, queryset):
    pairs = set(queryset.values_list("ip_address", "username"))
    for ip_address, username in pairs:
        cleared = reset_attempts(ip=ip_address, username=username, ip_or_username=True)
        account_signals.announce(
            account_signals.account_unlocked,
            user=User.objects.filter(username=username).first() if username else None,
            request=request,
            by=request.user.get_username(),
            username=username,
            ip_address=ip_address,
            attempts=cleared,
        )
    modeladmin.message_user(request, f"Unlocked {len(pairs)} address/username pair(s).", messages.SUCCESS)


class LockoutAdmin(VerifiedWritesMixin, AccessAttemptAdmin):
    actions = [unlock_attempts]


for model, model_admin in [(User, StaffUserAdmin), (Group, StaffGroupAdmin), (AccessAttempt, LockoutAdmin)]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
