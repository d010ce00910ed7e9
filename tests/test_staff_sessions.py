"""Staff sessions: idle expiry (a JSON 401 for the editor's scripts), and every session of a person ended
at once when their account is deactivated or they leave the board, with their board powers gone."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from articles.models import Article, BoardMember, SignedInSession
from articles.operations import account_signals
from articles.review import comments, workflow

from . import factories

SESSION_URL = "/admin/articles/article/session/"


def sign_in(username, address="127.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    assert client.post("/admin/login/?next=/admin/", {"username": username, "password": "pw"}).status_code == 302
    return client


# --- Idle expiry -----------------------------------------------------------------------------


def test_an_idle_staff_session_ends_and_scripts_get_the_json_401_they_expect(author, settings):
    settings.EDITORIAL_STAFF_IDLE_MINUTES = 60
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        client = sign_in("author")
        assert client.get("/admin/").status_code == 200
    with time_machine.travel(now + timedelta(minutes=59), tick=False):
        assert client.get(SESSION_URL, HTTP_ACCEPT="application/json").status_code == 200  # still alive
    with time_machine.travel(now + timedelta(minutes=59 + 61), tick=False):
        answer = client.get(SESSION_URL, HTTP_ACCEPT="application/json")
        assert answer.status_code == 401
        assert answer.json()["error"] == "signed_out"
        assert answer.json()["login_url"] == "/admin/login/"
        # The session is gone: a page now goes to the login screen.
        assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_a_background_autosave_after_the_idle_time_gets_the_401_not_the_login_page(author, draft, settings):
    settings.EDITORIAL_STAFF_IDLE_MINUTES = 60
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        client = sign_in("author")
        client.get("/admin/")
    with time_machine.travel(now + timedelta(minutes=61), tick=False):
        answer = client.post(
            f"/admin/articles/article/{draft.pk}/autosave/",
            {"title": "typed"},
            HTTP_ACCEPT="application/json",
            HTTP_SEC_FETCH_MODE="same-origin",
        )
        assert answer.status_code == 401
        assert answer.json()["error"] == "signed_out"


def test_zero_turns_the_idle_expiry_off(author, settings):
    settings.EDITORIAL_STAFF_IDLE_MINUTES = 0
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        client = sign_in("author")
        client.get("/admin/")
    with time_machine.travel(now + timedelta(hours=5), tick=False):
        assert client.get("/admin/").status_code == 200


# --- Ending all of a person's sessions ---------------------------------------------------------------


@pytest.fixture
def ended():
    caught = []

    def receiver(sender, **kwargs):
        caught.append(kwargs)

    account_signals.sessions_ended.connect(receiver)
    yield caught
    account_signals.sessions_ended.disconnect(receiver)


def test_deactivating_a_user_ends_all_their_sessions_at_once(author, django_capture_on_commit_callbacks, ended):
    laptop, phone = sign_in("author", "192.0.2.1"), sign_in("author", "192.0.2.2")
    assert SignedInSession.objects.filter(user=author).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        author.is_active = False
        author.save()
    assert not SignedInSession.objects.filter(user=author).exists()
    for client in (laptop, phone):
        assert not Session.objects.filter(session_key=client.cookies["sessionid"].value).exists()
        assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert ended[0]["user"] == author and ended[0]["details"] == {"reason": "account deactivated", "count": 2}


def test_signing_out_removes_the_session_from_the_index(author):
    client = sign_in("author")
    client.post("/admin/logout/")
    assert not SignedInSession.objects.filter(user=author).exists()


def test_other_people_keep_their_sessions(author, other_editor, django_capture_on_commit_callbacks):
    sign_in("author")
    other = sign_in("other_editor")
    with django_capture_on_commit_callbacks(execute=True):
        author.is_active = False
        author.save()
    assert other.get("/admin/").status_code == 200


@pytest.fixture
def under_review(author, second_reviewer):
    article = factories.make_article(author=author, title="What causes gout?", slug="gout")
    workflow.submit(article, user=author)
    workflow.start_review(article, user=second_reviewer, revision=factories.under_decision("start_review", article))
    article.refresh_from_db()
    return article


def test_ending_a_board_membership_ends_the_sessions_and_every_board_power(
    reviewer, superuser, under_review, published, django_capture_on_commit_callbacks
):
    member = sign_in("reviewer")
    admin = Client()
    admin.force_login(superuser)
    profile = BoardMember.objects.get(user=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        profile.is_active = False
        profile.save()
    assert member.get("/admin/")["Location"].startswith("/admin/login/")

    reviewer = type(reviewer).objects.get(pk=reviewer.pk)  # as a new request would load them
    with pytest.raises(PermissionDenied):
        workflow.approve(under_review, user=reviewer, revision="1")
    with pytest.raises(PermissionDenied):
        comments.add(under_review, under_review.pending_revision, user=reviewer, part="body", passage_index=0, text="x")
    assert not workflow.allowed("archive", published, reviewer)
    # Signing in again gets them no board screen: the bulk withdrawal is refused by the workflow too.
    again = sign_in("reviewer")
    again.post(
        "/admin/articles/article/",
        {
            "action": "archive_selected",
            "_selected_action": [published.pk],
            "apply": "1",
            "reason": "Gone.",
            f"seen-{published.pk}": workflow.state_token(published),
        },
    )
    assert Article.objects.get(pk=published.pk).status == Article.Status.APPROVED


def test_rows_of_sessions_that_ran_out_are_dropped_at_the_next_sign_in(author, settings):
    now = timezone.now()
    with time_machine.travel(now - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60), tick=False):
        sign_in("author")
    sign_in("author")
    assert SignedInSession.objects.filter(user=author).count() == 1
