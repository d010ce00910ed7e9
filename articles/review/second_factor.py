"""Second factors for staff: who must use one, the devices, and the rule the workflow enforces.

An approval here is a clinician's attestation under their name, so a stolen password alone must
not make one. The devices are django-otp's (an authenticator app: ``TOTPDevice``; ten one-time
recovery codes: ``StaticDevice``) and django-otp-webauthn's (passkeys and security keys); a
session is *verified* once one of them passed (``OTPMiddleware`` sets ``user.is_verified()``).

- ``required(user)``: board members and superusers with ``EDITORIAL_REQUIRE_2FA``; every staff
  user with ``EDITORIAL_REQUIRE_2FA_FOR_EDITORS``. Anyone who has enrolled is asked too.
- ``require_verified(user, doing)``: with ``EDITORIAL_REQUIRE_2FA``, approving, confirming,
  withdrawing a published article and changing permissions are refused from a session without
  a verified second factor, whatever route they come by (the workflow's ``check`` asks it).
  Management commands are run by an operator on the server, who is trusted: they mark their
  user with ``trusted_operator`` and say so.
"""

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from articles.operations import account_signals

from . import board

RECOVERY_CODES = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
NOT_VERIFIED = (
    "To {doing}, your session must be verified with your second factor (authenticator app, passkey or "
    "recovery code); this one was signed in with a password only. Sign out and sign in again with it."
)


def relying_party_id(request) -> str:
    """The passkeys' relying party: the host the browser is on, without its port."""
    return request.get_host().rsplit(":", 1)[0] if not request.get_host().endswith("]") else request.get_host()


def passkeys_possible(request) -> bool:
    """Whether a browser can use passkeys here: HTTPS with a domain name, or localhost."""
    host = relying_party_id(request)
    if host == "localhost":
        return True
    is_address = host.replace(".", "").isdigit() or host.startswith("[")
    return request.is_secure() and not is_address


def is_board_member(user) -> bool:
    """Whether ``user`` sits on the board: an active board profile, or the board's group (and not left)."""
    profile = getattr(user, "board_profile", None)
    if profile is not None:
        return profile.is_active
    return user.groups.filter(name=board.BOARD_GROUP).exists()


def required(user) -> bool:
    """Whether ``user`` must pass a second factor to use the admin at all."""
    if not user.is_active or not user.is_staff:
        return False
    if settings.EDITORIAL_REQUIRE_2FA_FOR_EDITORS:
        return True
    return settings.EDITORIAL_REQUIRE_2FA and (user.is_superuser or is_board_member(user))


def enrolled(user) -> bool:
    """Whether ``user`` has an authenticator app or a passkey (recovery codes alone do not count)."""
    return any(not isinstance(d, StaticDevice) for d in devices_for_user(user, confirmed=True))


def must_verify(user) -> bool:
    return required(user) or enrolled(user)


def is_verified(user) -> bool:
    verified = getattr(user, "is_verified", None)
    return bool(getattr(user, "trusted_operator", False) or (verified is not None and verified()))


def trusted_operator(user):
    """Mark ``user`` as acting through a management command (the operator is trusted); returns it."""
    user.trusted_operator = True
    return user


def require_verified(user, doing: str) -> None:
    """Refuse ``doing`` (e.g. "approve") unless the session passed a second factor (with the setting on)."""
    if settings.EDITORIAL_REQUIRE_2FA and not is_verified(user):
        raise PermissionDenied(NOT_VERIFIED.format(doing=doing))


# --- Devices ----------------------------------------------------------------------


def app_device(user, *, confirmed: bool | None = True) -> TOTPDevice | None:
    devices = TOTPDevice.objects.devices_for_user(user, confirmed=confirmed)
    return devices.order_by("-pk").first()


def start_app_enrolment(user) -> TOTPDevice:
    """The unconfirmed authenticator-app device whose key the enrolment screen shows (one per user)."""
    device = app_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False, tolerance=1)
    return device


def confirm_app_enrolment(user, code: str) -> TOTPDevice | None:
    """Confirm the app enrolment with a code from the app; the device, or None if the code is wrong."""
    device = app_device(user, confirmed=False)
    code = normalise(code)
    if device is None or not APP_CODE.fullmatch(code) or not device.verify_token(code):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()  # one app at a time
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return device


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def new_recovery_codes(user) -> list[str]:
    """Replace ``user``'s recovery codes with ten new ones, returned once (they are not shown again)."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME)
        device.confirmed = True
        device.save()
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


# Six digits from an app; eight base-32 characters for a recovery code (as StaticToken makes them).
APP_CODE = re.compile(r"[0-9]{6}")
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")


def normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def verify_code(user, code: str):
    """Check a code from the app or a recovery code; ``(device, method)``, or ``(None, reason)``.

    A code already used is refused (the app device remembers the last step it accepted; a
    recovery code is deleted when used). After failures a device waits longer before it
    checks again (django-otp's throttling): the reason says so.
    """
    code = normalise(code)
    if not code:
        return None, "Enter the code from your authenticator app, or a recovery code."
    if not (APP_CODE.fullmatch(code) or RECOVERY_CODE.fullmatch(code)):
        # Checked before any lookup: whatever was typed never reaches the database as a token.
        return None, "Enter the six digits from your authenticator app, or a recovery code (eight letters and digits)."
    throttled = False
    if APP_CODE.fullmatch(code):
        for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
            allowed, _ = device.verify_is_allowed()
            throttled = throttled or not allowed
            if allowed and device.verify_token(code):
                return device, "totp"
    else:
        for device in StaticDevice.objects.devices_for_user(user, confirmed=True):
            allowed, _ = device.verify_is_allowed()
            throttled = throttled or not allowed
            if allowed and device.verify_token(code):
                return device, "recovery_code"
    if throttled:
        return None, "Too many wrong codes: wait a minute, then try again with a new code."
    return None, "That code is not right, or has already been used. Try the current code from your app."


def passkeys(user):
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at")


def reset(user, *, by, request=None) -> int:
    """Remove all of ``user``'s second factors (a lost phone): they enrol again at their next sign-in."""
    with transaction.atomic():
        removed = 0
        for device in devices_for_user(user, confirmed=None):
            device.delete()
            removed += 1
    account_signals.announce(
        account_signals.second_factor_reset_by_admin,
        user=user,
        request=request,
        by=by.get_username() if by is not None else None,
        devices=removed,
    )
    return removed
