"""Signing in to the admin with a second factor: the step after the password, and enrolment.

After the password (Django's admin login, throttled by django-axes), ``SecondFactorMiddleware``
sends staff who must use a second factor (``review.second_factor.must_verify``) to this step
before anything else in the admin: the code from their authenticator app, a recovery code or a
passkey; one who must but has none yet goes to enrolment and can do nothing else until done.
Scripts get a JSON 401 instead of a redirect (``static/articles/session.js`` offers to sign in).

Screens (``/admin/security/``): the second-factor step, the account's own page (set up an
authenticator app with a QR code and its key written out, passkeys, ten recovery codes shown
once and made anew on request). Passkeys use django-otp-webauthn's ceremonies and scripts;
where a browser cannot use them (a plain-HTTP address other than localhost) the page says why.
"""

import time
from base64 import b32encode
from urllib.parse import quote

import segno
from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.i18n import JavaScriptCatalog
from django_otp import login as otp_login
from django_otp_webauthn import views as webauthn_views

from articles.operations import account_signals
from articles.operations.staff_sessions import signed_out_response, wants_json
from articles.review import second_factor

# Unverified sessions that need no second factor are asked again after this long (an enrolment
# made in another session then applies here too).
RECHECK_SECONDS = 300
CHECKED = "_second_factor_not_needed_at"
EXEMPT_NAMES = {"login", "logout", "jsi18n"}


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=40,
        help_text="Six digits from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=12,
        help_text="The six digits your app shows now, to show it is set up.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request, default=None) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse("admin:index")


def _context(request, **extra) -> dict:
    return {
        **admin.site.each_context(request),
        "required": second_factor.required(request.user),
        "passkeys_possible": second_factor.passkeys_possible(request),
        "next": _next(request, default=""),
        **extra,
    }


# --- The step after the password ---------------------------------------------------


@sensitive_post_parameters("code")
@never_cache
def verify_view(request):
    """Ask a signed-in user for their second factor (code from the app, recovery code or passkey)."""
    user = request.user
    if second_factor.is_verified(user):
        return redirect(_next(request))
    if not second_factor.enrolled(user) and not second_factor.recovery_codes_left(user):
        return redirect(reverse("account_security:security") + f"?next={quote(_next(request))}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, outcome = second_factor.verify_code(user, form.cleaned_data["code"])
        if device is None:
            account_signals.announce(account_signals.second_factor_failed, user=user, request=request, method="code")
            form.add_error("code", outcome)
        else:
            otp_login(request, device)
            account_signals.announce(account_signals.second_factor_verified, user=user, request=request, method=outcome)
            if outcome == "recovery_code":
                left = second_factor.recovery_codes_left(user)
                account_signals.announce(account_signals.recovery_code_used, user=user, request=request, remaining=left)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. If your phone is lost, set up the app "
                    "again below, and make new recovery codes.",
                )
                return redirect("account_security:security")
            return redirect(_next(request))
    context = _context(
        request,
        title="Second step: confirm it is you",
        form=form,
        has_passkey=second_factor.passkeys(user).exists(),
        has_app=second_factor.app_device(user) is not None,
        recovery_codes_left=second_factor.recovery_codes_left(user),
    )
    return TemplateResponse(request, "admin/security/verify.html", context)


# --- The account's own page: enrolment, passkeys, recovery codes -------------------


def _qr(text: str) -> dict:
    """The QR code of ``text`` as an SVG data URI (CSP allows ``data:`` images) and its size in pixels."""
    code = segno.make(text, error="m")
    width, _ = code.symbol_size(scale=5, border=2)
    return {"src": code.svg_data_uri(scale=5, border=2, dark="#000", light="#fff"), "size": width}


def _key_for_people(device) -> str:
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@sensitive_post_parameters("code")
@never_cache
def security_view(request):
    """Set up or change the signed-in user's second factors."""
    user = request.user
    if second_factor.enrolled(user) and not second_factor.is_verified(user):
        # Changing second factors needs one first: a stolen password must not set up its own app.
        return redirect(reverse("account_security:verify") + f"?next={quote(request.get_full_path())}")
    action = request.POST.get("action") if request.method == "POST" else None
    enrol_form = EnrolForm(request.POST if action == "confirm_app" else None)
    if action == "confirm_app" and enrol_form.is_valid():
        device = second_factor.confirm_app_enrolment(user, enrol_form.cleaned_data["code"])
        if device is None:
            account_signals.announce(account_signals.second_factor_failed, user=user, request=request, method="totp")
            enrol_form.add_error(
                "code", "That code is not right. Check the app shows this site's account, then try the current code."
            )
        else:
            first = not second_factor.is_verified(user)
            otp_login(request, device)
            account_signals.announce(
                account_signals.second_factor_verified, user=user, request=request, method="totp", enrolled=True
            )
            request.session.pop(CHECKED, None)
            if first or not second_factor.recovery_codes_left(user):
                return _show_recovery_codes(request, second_factor.new_recovery_codes(user), enrolled=True)
            messages.success(request, "Your authenticator app is set up.")
            return redirect(_next(request, default=reverse("account_security:security")))
    elif action == "new_recovery_codes":
        if not second_factor.enrolled(user):
            messages.error(request, "Set up an authenticator app or a passkey first: recovery codes stand in for one.")
        else:
            return _show_recovery_codes(request, second_factor.new_recovery_codes(user), enrolled=False)
    elif action == "replace_app":
        second_factor.start_app_enrolment(user)
    app = second_factor.app_device(user)
    pending = second_factor.app_device(user, confirmed=False)
    if app is None and pending is None:
        pending = second_factor.start_app_enrolment(user)
    context = _context(
        request,
        title="Two-factor sign-in",
        app=app,
        pending=pending,
        qr=_qr(pending.config_url) if pending else None,
        manual_key=_key_for_people(pending) if pending else "",
        enrol_form=enrol_form,
        passkeys=list(second_factor.passkeys(user)),
        recovery_codes_left=second_factor.recovery_codes_left(user),
        enrolled=second_factor.enrolled(user),
        must_enrol=second_factor.required(user) and not second_factor.enrolled(user),
    )
    return TemplateResponse(request, "admin/security/security.html", context)


def _show_recovery_codes(request, codes, *, enrolled: bool):
    """The one page that shows recovery codes (answering the POST: nothing to reload or go back to)."""
    context = _context(request, title="Your recovery codes", codes=codes, enrolled_now=enrolled)
    response = TemplateResponse(request, "admin/security/recovery_codes.html", context)
    response["Cache-Control"] = "no-store"
    return response


# --- Passkeys: django-otp-webauthn's ceremonies, announced and kept to the admin ----


class PasskeyAuthentication(webauthn_views.CompleteCredentialAuthenticationView):
    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        account_signals.announce(
            account_signals.second_factor_verified, user=self.request.user, request=self.request, method="webauthn"
        )
        return response

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if self.request.user.is_authenticated:
            account_signals.announce(
                account_signals.second_factor_failed,
                user=self.request.user,
                request=self.request,
                method="webauthn",
                code=getattr(exc, "code", ""),
            )
        return response

    def get_success_url(self):
        return self.get_redirect_url() or reverse("admin:index")


class PasskeyRegistration(webauthn_views.CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        self.request.session.pop(CHECKED, None)
        account_signals.announce(
            account_signals.second_factor_verified,
            user=self.request.user,
            request=self.request,
            method="webauthn",
            enrolled=True,
        )
        return response


webauthn_urls = (
    [
        path(
            "registration/begin/",
            webauthn_views.BeginCredentialRegistrationView.as_view(),
            name="credential-registration-begin",
        ),
        path("registration/complete/", PasskeyRegistration.as_view(), name="credential-registration-complete"),
        path(
            "authentication/begin/",
            webauthn_views.BeginCredentialAuthenticationView.as_view(),
            name="credential-authentication-begin",
        ),
        path("authentication/complete/", PasskeyAuthentication.as_view(), name="credential-authentication-complete"),
        path("jsi18n/", JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]), name="js-i18n-catalog"),
    ],
    "otp_webauthn",
)

urls = (
    [
        path("", admin.site.admin_view(security_view), name="security"),
        path("verify/", admin.site.admin_view(verify_view), name="verify"),
    ],
    "account_security",
)


# --- The gate ----------------------------------------------------------------------


class SecondFactorMiddleware:
    """Keep staff who must pass a second factor on the second-factor screens until they have."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = None

    def __call__(self, request):
        if self.prefixes is None:
            admin_root = reverse("admin:index")
            self.admin_root = admin_root
            self.prefixes = tuple(
                [reverse("account_security:security")] + [reverse(f"admin:{name}") for name in EXEMPT_NAMES]
            )
        if request.path_info.startswith(self.admin_root) and not request.path_info.startswith(self.prefixes):
            refusal = self.refuse(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def refuse(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff or second_factor.is_verified(user):
            return None
        checked = request.session.get(CHECKED)
        if isinstance(checked, int | float) and time.time() - checked < RECHECK_SECONDS:
            return None
        if not second_factor.must_verify(user):
            request.session[CHECKED] = time.time()
            return None
        if second_factor.enrolled(user):
            target, message = reverse("account_security:verify"), "Confirm it is you with your second factor."
        else:
            target, message = reverse("account_security:security"), "Set up two-factor sign-in to continue."
        if wants_json(request):
            return signed_out_response(request, error="second_factor", message=message, login_url=target)
        return redirect(f"{target}?next={quote(request.get_full_path())}")
