"""Readers' personal data: the notice on the form, retention, and find/export/erase by address."""

import io
import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles.models import AuditEntry, ErasedAddress, FollowUpQuestion, QuestionReply
from articles.operations import audit
from articles.questions import privacy, service

from . import factories

READER = "Jane.Reader@example.org"


@pytest.fixture
def asked(published, author):
    """A question with a reply, each with its history rows, all holding the reader's address."""
    question = FollowUpQuestion.objects.create(article=published, question="Is decaf different at all?", email=READER)
    question.status = FollowUpQuestion.Status.IN_PROGRESS
    question.save()
    reply = QuestionReply.objects.create(
        question=question, body="Dear Jane, it has less caffeine.", sent_to=READER, sent_by=author, delivered=True
    )
    return question, reply


def addresses_anywhere():
    return (
        list(FollowUpQuestion.objects.exclude(email="").values_list("email", flat=True))
        + list(QuestionReply.objects.exclude(sent_to="").values_list("sent_to", flat=True))
        + list(FollowUpQuestion.history.exclude(email="").values_list("email", flat=True))
        + list(QuestionReply.history.exclude(sent_to="").values_list("sent_to", flat=True))
    )


def test_the_question_form_says_what_is_kept_for_how_long_and_links_the_privacy_notice(client, published, settings):
    settings.EDITORIAL_QUESTION_RETENTION_DAYS = 200
    page = client.get(reverse("articles:ask", args=[published.slug])).content.decode()
    assert "your email address, only to answer you" in page
    assert "removed after 200 days" in page
    assert f'href="{reverse("articles:privacy")}"' in page
    notice = client.get(reverse("articles:privacy"))
    assert notice.status_code == 200 and "For how long" in notice.content.decode()


def test_retention_anonymises_old_questions_and_their_history_rows(asked, published):
    question, reply = asked
    with time_machine.travel(timezone.now() + timedelta(days=100)):
        recent = FollowUpQuestion.objects.create(
            article=published, question="Asked later, kept?", email="new@example.org"
        )
    assert FollowUpQuestion.history.filter(id=question.pk).exclude(email="").count() == 2
    with time_machine.travel(timezone.now() + timedelta(days=366)):
        out = io.StringIO()
        call_command("anonymise_questions", stdout=out)
    assert "1 questions, 1 replies, 3 history rows" in out.getvalue()
    question.refresh_from_db()
    reply.refresh_from_db()
    assert question.email == "" and reply.sent_to == ""
    assert question.question == "Is decaf different at all?"  # the text stays, without the address
    assert READER not in addresses_anywhere()
    assert "new@example.org" in addresses_anywhere()  # within the retention period
    recent.refresh_from_db()
    assert recent.email == "new@example.org"
    entry = AuditEntry.objects.get(action="privacy.anonymise")
    assert entry.details["questions"] == 1 and entry.details["question_history_rows"] == 2


def test_retention_follows_the_setting(asked, settings):
    settings.EDITORIAL_QUESTION_RETENTION_DAYS = 30
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        assert privacy.anonymise_expired().total == 0
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert privacy.anonymise_expired().questions == 1


def test_everything_held_about_an_address_is_found_whatever_its_case(asked):
    held = privacy.held_about("  jane.reader@EXAMPLE.org ")
    assert held.counts().as_dict() == {
        "questions": 1,
        "replies": 1,
        "question_history_rows": 2,
        "reply_history_rows": 1,
    }


def test_an_editor_exports_an_address_as_json(client, asked, author):
    client.force_login(author)
    response = client.post(
        reverse("admin:articles_followupquestion_personal_data"), {"email": READER, "step": "export"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert [q["question"] for q in data["questions"]] == ["Is decaf different at all?"]
    assert data["replies"][0]["body"] == "Dear Jane, it has less caffeine."
    assert len(data["question_history"]) == 2 and len(data["reply_history"]) == 1
    exported = AuditEntry.objects.get(action="privacy.export")
    assert READER.lower() not in json.dumps(exported.details).lower()


def test_an_editor_erases_an_address_after_confirming(client, asked, author):
    question, reply = asked
    client.force_login(author)
    url = reverse("admin:articles_followupquestion_personal_data")
    found = client.post(url, {"email": READER, "step": "find"}).content.decode()
    assert "Is decaf different at all?" in found and "Erase…" in found
    confirm = client.post(url, {"email": READER, "step": "confirm"}).content.decode()
    assert "This erases 1 question, 1 reply and 3 history rows" in confirm
    unticked = client.post(url, {"email": READER, "step": "erase"})
    assert unticked.status_code == 400 and "Tick the box" in unticked.content.decode()
    assert READER in addresses_anywhere()
    done = client.post(url, {"email": READER, "step": "erase", "confirm": "on"}, follow=True).content.decode()
    assert "Erased: 1 question, 1 reply and 3 history rows" in done
    assert READER not in done  # the page no longer shows the address it erased
    assert READER not in addresses_anywhere()
    question.refresh_from_db()
    assert question.question == privacy.ERASED_TEXT and question.article_id  # the inbox keeps that it came
    assert not FollowUpQuestion.history.filter(question__contains="decaf").exists()
    assert not QuestionReply.history.filter(body__contains="Jane").exists()
    assert ErasedAddress.objects.filter(address_hash=privacy.address_hash(READER)).exists()


def test_the_erasure_audit_entry_holds_no_address(asked, author):
    privacy.erase(READER, user=author)
    entry = AuditEntry.objects.get(action="privacy.erase")
    assert entry.actor_username == "author"
    assert entry.details == {
        "nothing_held": False,
        "questions": 1,
        "replies": 1,
        "question_history_rows": 2,
        "reply_history_rows": 1,
    }
    everything = json.dumps([[e.details, e.target_repr, e.address] for e in AuditEntry.objects.all()]).lower()
    assert "jane.reader" not in everything and privacy.address_hash(READER) not in everything


def test_erasing_an_address_with_no_data_says_so(client, asked, author):
    client.force_login(author)
    url = reverse("admin:articles_followupquestion_personal_data")
    found = client.post(url, {"email": "nobody@example.org", "step": "find"}).content.decode()
    assert "Nothing is held about this address" in found
    done = client.post(url, {"email": "nobody@example.org", "step": "erase", "confirm": "on"}, follow=True)
    assert "Nothing is held about that address: there was nothing to erase." in done.content.decode()
    assert READER in addresses_anywhere()
    assert AuditEntry.objects.get(action="privacy.erase").details["nothing_held"] is True
    assert not ErasedAddress.objects.exists()


def test_a_bad_address_is_a_form_error_naming_the_field(client, author, db):
    client.force_login(author)
    response = client.post(reverse("admin:articles_followupquestion_personal_data"), {"email": "not an address"})
    assert response.status_code == 400 and "Enter a valid email address" in response.content.decode()


def test_the_board_cannot_reach_readers_data(client, reviewer, db):
    client.force_login(reviewer)
    response = client.get(reverse("admin:articles_followupquestion_personal_data"))
    assert response.status_code == 403


def test_replies_to_an_erased_reader_are_impossible(asked, author):
    question, _ = asked
    privacy.erase(READER, user=author)
    question.refresh_from_db()
    with pytest.raises(Exception, match="no email address"):
        service.reply(question, user=author, body="Anything else?")


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="an in-process restore is SQLite's; PostgreSQL's is pg_restore"
)
def test_a_restore_erases_again_what_was_erased_after_the_backup(transactional_db, tmp_path):
    author = factories.editor(username="author")
    article = factories.make_article(author=author, slug="restore-me")
    FollowUpQuestion.objects.create(article=article, question="Will you keep my address?", email=READER)
    FollowUpQuestion.objects.create(article=article, question="Another reader's question", email="x@example.org")
    backup = tmp_path / "before.sqlite3"
    call_command("backup", str(backup), stdout=io.StringIO())
    privacy.erase(READER, user=author)
    out = io.StringIO()
    call_command("restore", str(backup), "--force", stdout=out)
    assert "Erased again 2 rows" in out.getvalue()
    assert READER not in addresses_anywhere() and "x@example.org" in addresses_anywhere()
    assert ErasedAddress.objects.count() == 1
    restored = AuditEntry.objects.filter(action="restore.run").get()
    assert restored.details["erasures_reapplied"]["questions"] == 1
    count, broken = audit.verify()
    assert broken is None


def test_the_demo_records_its_own_steps_and_holds_a_question_past_retention(db):
    call_command("seed_demo", stdout=io.StringIO())
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"import.run", "workflow.submit", "workflow.approve", "workflow.archive", "user.groups"} <= actions
    assert audit.verify()[1] is None
    old = FollowUpQuestion.objects.get(email="old.reader@example.org")
    assert old.created_at < privacy.retention_cutoff()
    out = io.StringIO()
    call_command("anonymise_questions", stdout=out)
    assert "1 questions" in out.getvalue()
    old.refresh_from_db()
    assert old.email == "" and "reader@example.org" in addresses_anywhere()
