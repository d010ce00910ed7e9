"""Two-factor sign-in for staff: who must, enrolment, codes (skew, replay, recovery), admin reset, and the
workflow refusing what a password-only session asks for, whatever route it comes by."""

import re
import time
from base64 import b32decode
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.models import Article
from articles.operations import account_signals
from articles.review import second_factor, workflow

from . import factories

S = Article.Status
SECURITY = "/admin/security/"
VERIFY = "/admin/security/verify/"


@pytest.fixture
def required(settings):
    settings.EDITORIAL_REQUIRE_2FA = True


@pytest.fixture
def received():
    """Every account signal sent during the test, as (name, kwargs)."""
    caught = []
    names = [
        "second_factor_verified",
        "second_factor_failed",
        "recovery_code_used",
        "second_factor_reset_by_admin",
        "account_locked",
        "account_unlocked",
        "sessions_ended",
    ]
    receivers = []
    for name in names:

        def receiver(sender, name=name, **kwargs):
            caught.append((name, kwargs))

        getattr(account_signals, name).connect(receiver, weak=False)
        receivers.append((name, receiver))
    yield caught
    for name, receiver in receivers:
        getattr(account_signals, name).disconnect(receiver)


def code(device, *, steps=0, at=None):
    """The code an authenticator app shows for ``device``, ``steps`` steps (30 s) from now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = (at or time.time()) + steps * device.step
    return f"{totp.token():06d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True, tolerance=1)


def sign_in(client, username, password="pw"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def verified_session(client, user):
    """Sign ``user`` in with a session that passed a second factor (as the verify step leaves it)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrolled(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


# --- Who must ----------------------------------------------------------------------------


def test_a_board_member_without_a_second_factor_is_sent_to_enrolment_and_can_do_nothing_else(
    client, required, reviewer
):
    response = sign_in(client, "reviewer")
    assert response.status_code == 302
    assert client.get("/admin/")["Location"].startswith(SECURITY + "?next=")
    assert client.get("/admin/articles/article/")["Location"].startswith(SECURITY)
    assert client.get("/admin/articles/reviewqueueitem/")["Location"].startswith(SECURITY)
    # A script gets the JSON 401 that the editor's "sign in again" dialog reads, not a redirect.
    answer = client.get("/admin/articles/article/session/", HTTP_ACCEPT="application/json")
    assert answer.status_code == 401
    assert answer.json()["error"] == "second_factor"
    assert answer.json()["login_url"] == SECURITY
    page = client.get(SECURITY)
    assert page.status_code == 200
    assert "Your account must use a second factor" in page.content.decode()


def test_a_superuser_must_use_a_second_factor_too(client, required, superuser):
    sign_in(client, "boss")
    assert client.get("/admin/auth/user/")["Location"].startswith(SECURITY)


def test_an_editor_may_skip_it_unless_the_setting_says_otherwise(client, required, author, settings):
    sign_in(client, "author")
    assert client.get("/admin/").status_code == 200
    client.logout()
    settings.EDITORIAL_REQUIRE_2FA_FOR_EDITORS = True
    sign_in(client, "author")
    assert client.get("/admin/")["Location"].startswith(SECURITY)


def test_an_editor_who_enrolled_is_asked_for_the_code_even_when_optional(client, required, author):
    enrolled(author)
    sign_in(client, "author")
    assert client.get("/admin/")["Location"].startswith(VERIFY)


def test_without_the_setting_nobody_is_stopped(client, reviewer, superuser):
    sign_in(client, "reviewer")
    assert client.get("/admin/").status_code == 200


def test_the_demo_login_page_says_two_factor_is_off(client, settings, db):
    settings.DEBUG = True
    settings.EDITORIAL_REQUIRE_2FA = False
    assert "two-factor sign-in is off" in client.get("/admin/login/").content.decode()
    settings.EDITORIAL_REQUIRE_2FA = True
    assert "two-factor sign-in is off" not in client.get("/admin/login/").content.decode()


# --- Enrolment and signing in with the app --------------------------------------------------


def test_enrolling_an_app_then_signing_in_with_it(client, required, reviewer, received):
    sign_in(client, "reviewer")
    page = client.get(SECURITY).content.decode()
    assert 'src="data:image/svg+xml' in page  # the QR code, inline
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    key = re.search(r'<code id="manual-key">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    assert b32decode(key + "=" * (-len(key) % 8)) == device.bin_key  # the key written out, for typing in

    shown = client.post(SECURITY, {"action": "confirm_app", "code": code(device)})
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    codes = shown.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=reviewer).count() == 10
    assert client.get("/admin/").status_code == 200  # verified by the enrolment itself
    assert ("second_factor_verified", "totp") in [(n, k["details"]["method"]) for n, k in received]

    client.post("/admin/logout/")
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        sign_in(client, "reviewer")
        assert client.get("/admin/")["Location"].startswith(VERIFY)
        device.refresh_from_db()
        done = client.post(VERIFY + "?next=/admin/articles/article/", {"code": code(device)})
        assert done["Location"] == "/admin/articles/article/"
        assert client.get("/admin/").status_code == 200


def test_a_wrong_enrolment_code_is_refused_and_the_app_stays_unconfirmed(client, required, reviewer):
    sign_in(client, "reviewer")
    client.get(SECURITY)
    response = client.post(SECURITY, {"action": "confirm_app", "code": "000000"})
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists()
    assert client.get("/admin/")["Location"].startswith(SECURITY)


def test_one_step_of_clock_skew_is_accepted(client, required, reviewer):
    device = enrolled(reviewer)
    sign_in(client, "reviewer")
    assert client.post(VERIFY, {"code": code(device, steps=-1)}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_phone_two_steps_fast_is_refused(client, required, reviewer, received):
    device = enrolled(reviewer)
    sign_in(client, "reviewer")
    response = client.post(VERIFY, {"code": code(device, steps=2)})
    assert response.status_code == 200
    assert "not right" in response.content.decode()
    assert client.get("/admin/")["Location"].startswith(VERIFY)
    assert [n for n, _ in received] == ["second_factor_failed"]


def test_a_phone_two_steps_slow_is_refused(client, required, reviewer):
    device = enrolled(reviewer)
    sign_in(client, "reviewer")
    assert client.post(VERIFY, {"code": code(device, steps=-2)}).status_code == 200
    assert client.get("/admin/")["Location"].startswith(VERIFY)


def test_a_code_already_used_is_refused(client, required, reviewer):
    device = enrolled(reviewer)
    used = code(device)
    sign_in(client, "reviewer")
    assert client.post(VERIFY, {"code": used}).status_code == 302
    client.post("/admin/logout/")
    sign_in(client, "reviewer")
    response = client.post(VERIFY, {"code": used})  # replayed, seen over a shoulder
    assert response.status_code == 200
    assert "already been used" in response.content.decode()
    assert client.get("/admin/")["Location"].startswith(VERIFY)


def test_a_recovery_code_works_once_only(client, required, reviewer, received):
    enrolled(reviewer)
    codes = second_factor.new_recovery_codes(reviewer)
    sign_in(client, "reviewer")
    response = client.post(VERIFY, {"code": f"{codes[0][:4]}-{codes[0][4:]}".upper()})
    assert response["Location"] == SECURITY  # to set up the phone again
    assert client.get("/admin/").status_code == 200
    assert second_factor.recovery_codes_left(reviewer) == 9
    used = [k["details"] for n, k in received if n == "recovery_code_used"]
    assert used == [{"remaining": 9}]

    client.post("/admin/logout/")
    sign_in(client, "reviewer")
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 200
    assert client.get("/admin/")["Location"].startswith(VERIFY)


def test_making_new_recovery_codes_cancels_the_old_ones_and_shows_the_new_once(client, required, reviewer):
    verified_session(client, reviewer)
    old = second_factor.new_recovery_codes(reviewer)
    shown = client.post(SECURITY, {"action": "new_recovery_codes"})
    assert len(shown.context["codes"]) == 10
    assert not set(old) & set(shown.context["codes"])
    assert not StaticToken.objects.filter(token__in=old).exists()
    # The page is the answer to that POST only: the codes are not on the account page.
    assert shown.context["codes"][0] not in client.get(SECURITY).content.decode()


def test_a_password_alone_cannot_set_up_another_app(client, required, author):
    """A stolen password must not enrol the thief's own app over the owner's (optional for editors too)."""
    enrolled(author)
    sign_in(client, "author")
    assert client.post(SECURITY, {"action": "replace_app"})["Location"].startswith(VERIFY)
    assert not TOTPDevice.objects.filter(user=author, confirmed=False).exists()
    assert client.get("/admin/")["Location"].startswith(VERIFY)


# --- Lost phone: the admin resets -----------------------------------------------------------


def test_an_admin_resets_a_lost_phone_and_the_user_enrols_again(client, required, reviewer, superuser, received):
    enrolled(reviewer)
    second_factor.new_recovery_codes(reviewer)
    verified_session(client, superuser)
    response = client.post(
        "/admin/auth/user/", {"action": "reset_second_factor", "_selected_action": [reviewer.pk]}, follow=True
    )
    assert "device(s) removed" in response.content.decode()
    assert not second_factor.enrolled(reviewer)
    assert second_factor.recovery_codes_left(reviewer) == 0
    resets = [k for n, k in received if n == "second_factor_reset_by_admin"]
    assert resets[0]["user"] == reviewer and resets[0]["details"]["by"] == "boss"

    client.post("/admin/logout/")
    sign_in(client, "reviewer")
    assert client.get("/admin/")["Location"].startswith(SECURITY)


# --- Enforced in the workflow ------------------------------------------------------------------


@pytest.fixture
def in_review(author, reviewer):
    article = factories.make_article(author=author, title="What causes gout?", slug="gout")
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    article.refresh_from_db()
    return article


def test_a_forged_approval_from_a_password_only_session_is_refused(client, required, second_reviewer, in_review):
    enrolled(second_reviewer)
    sign_in(client, "second_reviewer")  # password only: the second step not taken
    seen = workflow.state_token(in_review)
    for url, data in [
        (reverse("admin:articles_article_workflow", args=[in_review.pk, "approve"]), {"revision": "1", "seen": seen}),
        (
            reverse("admin:articles_reviewqueueitem_review", args=[in_review.pk]),
            {"action": "approve", "approve-seen": seen, "approve-revision": "1"},
        ),
        (
            "/admin/articles/article/",
            {"action": "archive_selected", "_selected_action": [in_review.pk], "reason": "x"},
        ),
    ]:
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert Article.objects.get(pk=in_review.pk).status == S.IN_REVIEW
    assert not in_review.pending_revision.approvals().exists()


def test_the_workflow_itself_refuses_an_unverified_approval_whatever_calls_it(required, second_reviewer, in_review):
    second_reviewer.is_verified = lambda: False  # as OTPMiddleware leaves a password-only session
    with pytest.raises(PermissionDenied, match="verified with your second factor"):
        workflow.approve(in_review, user=second_reviewer, revision="1")
    second_reviewer.is_verified = lambda: True
    workflow.approve(in_review, user=second_reviewer, revision="1")
    assert Article.objects.get(pk=in_review.pk).status == S.APPROVED


def test_a_user_from_outside_a_request_is_refused_unless_an_operators_command_vouches(
    required, second_reviewer, in_review
):
    with pytest.raises(PermissionDenied):
        workflow.approve(in_review, user=second_reviewer, revision="1")
    workflow.approve(in_review, user=second_factor.trusted_operator(second_reviewer), revision="1")
    assert Article.objects.get(pk=in_review.pk).status == S.APPROVED


@pytest.mark.parametrize("step", ["confirm_current", "archive"])
def test_confirming_and_withdrawing_need_it_too(settings, reviewer, second_reviewer, author, published, step):
    settings.EDITORIAL_REQUIRE_2FA = True
    second_reviewer.is_verified = lambda: False
    author.is_verified = lambda: False
    user = author if step == "archive" else second_reviewer
    assert not workflow.allowed(step, published, user)
    user.is_verified = lambda: True
    assert workflow.allowed(step, published, user)


def test_an_editor_withdrawing_a_published_article_from_a_password_only_session_is_told_why(
    client, settings, author, published
):
    settings.EDITORIAL_REQUIRE_2FA = True
    sign_in(client, "author")  # an editor: allowed in without a second factor
    url = reverse("admin:articles_article_workflow", args=[published.pk, "archive"])
    response = client.post(url, {"comment": "Out of date.", "seen": workflow.state_token(published)}, follow=True)
    assert "verified with your second factor" in response.content.decode()
    assert Article.objects.get(pk=published.pk).status == S.APPROVED
    # ...and the same through the list's bulk action.
    response = client.post(
        "/admin/articles/article/",
        {
            "action": "archive_selected",
            "_selected_action": [published.pk],
            "apply": "1",
            "reason": "Out of date.",
            f"seen-{published.pk}": workflow.state_token(published),
        },
        follow=True,
    )
    assert "verified with your second factor" in response.content.decode()
    assert Article.objects.get(pk=published.pk).status == S.APPROVED
    # A draft's archiving is housekeeping, not a withdrawal: no second factor needed.
    draft = factories.make_article(author=author)
    assert workflow.allowed("archive", draft, client.get("/admin/").wsgi_request.user)


def test_a_permission_change_from_a_password_only_session_is_refused(client, required, author, other_editor):
    from django.contrib.auth.models import Permission

    author.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user"]))
    sign_in(client, "author")
    url = f"/admin/auth/user/{other_editor.pk}/change/"
    assert client.get(url).status_code == 200
    data = {
        "username": "other_editor",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "groups": [],
        "user_permissions": [],
    }
    response = client.post(url, data, follow=True)
    assert "change users, groups or permissions" in response.content.decode()
    other_editor.refresh_from_db()
    assert not other_editor.is_superuser
    assert other_editor.groups.exists()  # the Editors group kept

    verified_session(client, author)
    assert client.post(url, data).status_code == 302  # saved, once verified
    other_editor.refresh_from_db()
    assert other_editor.is_superuser


def test_the_demo_seeds_its_approvals_with_two_factor_required_the_operator_is_trusted(db, required, capsys):
    from django.core.management import call_command

    call_command("seed_demo")
    assert Article.objects.public().exists()
    assert "board members and the administrator enrol" in capsys.readouterr().out


def test_passkeys_on_a_plain_http_address_are_explained_not_offered(client, required, reviewer):
    sign_in(client, "reviewer")
    page = client.get(SECURITY).content.decode()  # http://testserver: not HTTPS, not localhost
    assert "Passkeys work only on a secure address" in page
    assert "passkey-register-button" not in page
    page = client.get(SECURITY, HTTP_HOST="localhost").content.decode()
    assert "passkey-register-button" in page


def test_the_editors_sign_in_again_dialog_does_not_sign_in_on_a_password_alone(client, required, author, draft):
    enrolled(author)
    answer = client.post(
        "/admin/articles/article/sign-in/", {"username": "author", "password": "pw", "expected": "author"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "second_factor"
    assert "new tab" in answer.json()["message"]
    assert "_auth_user_id" not in client.session


def test_a_group_permission_change_from_a_password_only_session_is_refused(client, required, author):
    from django.contrib.auth.models import Group, Permission

    author.user_permissions.add(*Permission.objects.filter(codename__in=["change_group", "view_group"]))
    editors = Group.objects.get(name="Editors")
    before = set(editors.permissions.values_list("pk", flat=True))
    everything = list(Permission.objects.values_list("pk", flat=True))
    sign_in(client, "author")
    url = f"/admin/auth/group/{editors.pk}/change/"
    response = client.post(url, {"name": "Editors", "permissions": everything}, follow=True)
    assert "change users, groups or permissions" in response.content.decode()
    assert set(editors.permissions.values_list("pk", flat=True)) == before


def test_the_user_list_shows_who_has_a_second_factor(client, superuser, reviewer, author):
    enrolled(reviewer)
    client.force_login(superuser)
    response = client.get("/admin/auth/user/")
    rows = {user.username: user.has_second_factor for user in response.context["cl"].result_list}
    assert rows["reviewer"] is True and rows["author"] is False


@pytest.mark.parametrize(
    "typed", ["", "12345", "1234567", "\x00" * 8, "abcd\x00efg", "x" * 40, "１２３４５６", "abc!defg"]
)
def test_codes_that_cannot_be_codes_get_a_clear_error_not_a_server_error(client, required, reviewer, typed):
    enrolled(reviewer)
    second_factor.new_recovery_codes(reviewer)
    sign_in(client, "reviewer")
    response = client.post(VERIFY, {"code": typed})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert client.get("/admin/")["Location"].startswith(VERIFY)


def test_a_code_too_long_for_the_field_is_named_in_the_error(client, required, reviewer):
    enrolled(reviewer)
    sign_in(client, "reviewer")
    response = client.post(VERIFY, {"code": "9" * 500})
    assert "at most 40 characters" in response.context["form"].errors["code"][0]
