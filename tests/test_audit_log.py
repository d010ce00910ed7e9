"""The site-wide audit log: the hash chain, append-only rows, and what it captures."""

import csv
import io
import json
import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from articles.models import AppendOnlyError, AuditEntry
from articles.operations import audit
from articles.review import assignments, workflow

from . import factories


def entries(action=None):
    queryset = AuditEntry.objects.order_by("id")
    return list(queryset.filter(action=action) if action else queryset)


def raw(sql, params=()):
    """Tamper with the table behind the ORM's back (on PostgreSQL, with its triggers off)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.fixture
def chain(db):
    return [audit.record("test.event", n=n) for n in range(5)]


def verify_output():
    out = io.StringIO()
    call_command("verify_audit_log", stdout=out)
    return out.getvalue()


def verify_error():
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit_log")
    return str(caught.value)


# --- The chain ----------------------------------------------------------------


def test_each_entry_is_chained_to_the_one_before(chain):
    assert [e.id for e in chain] == [1, 2, 3, 4, 5]
    assert chain[0].prev_hash == ""
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(chain, chain[1:], strict=False))
    assert verify_output() == "5 entries, chain intact.\n"


def test_an_edited_row_is_the_first_broken_link(chain):
    raw("UPDATE articles_auditentry SET action = 'test.forged' WHERE id = 3")
    message = verify_error()
    assert message.startswith("Broken link at entry 3 (")
    assert "the row was edited" in message
    assert "2 entries before it are intact" in message


def test_an_edited_row_with_its_hash_recomputed_breaks_the_next_link(chain):
    forged = AuditEntry.objects.get(id=3)
    forged.action = "test.forged"
    raw(
        "UPDATE articles_auditentry SET action = %s, hash = %s WHERE id = 3",
        ["test.forged", audit.entry_hash(forged, forged.prev_hash)],
    )
    message = verify_error()
    assert message.startswith("Broken link at entry 4 (")
    assert "does not follow entry 3" in message


def test_a_deleted_row_is_reported_at_the_entry_after_it(chain):
    raw("DELETE FROM articles_auditentry WHERE id = 2")
    message = verify_error()
    assert message.startswith("Broken link at entry 3 (")
    assert "entry 2 before it are missing (deleted)" in message


def test_rows_deleted_from_the_end_are_reported(chain):
    raw("DELETE FROM articles_auditentry WHERE id >= 4")
    assert "the last entry written was 5, but the log ends at 3" in verify_error()


def test_an_inserted_row_is_reported(chain):
    last = chain[-1]
    raw(
        "INSERT INTO articles_auditentry (id, time, actor_username, address, action, target_type, target_id,"
        " target_repr, details, prev_hash, hash) VALUES (6, %s, 'mallory', '', 'test.inserted', '', '', '', '{}', %s,"
        " %s)",
        [last.time, last.hash, "0" * 64],
    )
    message = verify_error()
    assert message.startswith("Broken link at entry 6 (")
    assert "5 entries before it are intact" in message


def test_a_row_slipped_in_between_breaks_the_chain(chain):
    # Renumber to make room, as someone inserting "in the middle" must.
    raw("DELETE FROM articles_auditentry WHERE id = 3")
    row = chain[2]
    raw(
        "INSERT INTO articles_auditentry (id, time, actor_username, address, action, target_type, target_id,"
        " target_repr, details, prev_hash, hash) VALUES (3, %s, 'mallory', '', 'test.inserted', '', '', '', '{}', %s,"
        " %s)",
        [row.time, row.prev_hash, row.hash],
    )
    assert verify_error().startswith("Broken link at entry 3 (")


def test_an_empty_log_is_intact(db):
    assert verify_output() == "0 entries, chain intact.\n"


# --- Append-only ------------------------------------------------------------------


def test_the_orm_refuses_to_change_or_delete_entries(chain):
    entry = AuditEntry.objects.get(id=1)
    entry.action = "test.changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(id=1).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert verify_output() == "5 entries, chain intact.\n"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_update_and_delete_even_in_raw_sql(chain):
    for sql in ["UPDATE articles_auditentry SET action = 'x' WHERE id = 1", "DELETE FROM articles_auditentry"]:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert verify_output() == "5 entries, chain intact.\n"


def test_deleting_a_user_keeps_their_entries_and_the_chain(db):
    user = factories.editor(username="leaver")
    audit.record("test.event", actor=user)
    user.delete()
    entry = AuditEntry.objects.get(action="test.event")
    assert entry.actor_id is None and entry.actor_username == "leaver"
    assert verify_output().endswith("chain intact.\n")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_writers_never_fork_the_chain():
    errors = []

    def write(n):
        try:
            for i in range(10):
                audit.record("test.concurrent", writer=n, i=i)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEntry.objects.count() == 60
    count, broken = audit.verify()
    assert (count, broken) == (60, None)


# --- Capture ----------------------------------------------------------------------


def test_a_sign_in_and_a_failed_one_are_recorded_with_the_address(client, db):
    factories.editor(username="ed", password="right-pass-123")
    client.post(reverse("admin:login"), {"username": "ed", "password": "wrong"}, REMOTE_ADDR="203.0.113.9")
    client.post(reverse("admin:login"), {"username": "ed", "password": "right-pass-123"}, REMOTE_ADDR="203.0.113.9")
    (failed,) = entries("auth.login_failed")
    assert failed.details == {"username": "ed"} and failed.address == "203.0.113.9" and failed.actor is None
    assert "wrong" not in str(failed.details)
    (login,) = entries("auth.login")
    assert login.actor_username == "ed" and login.address == "203.0.113.9"


def test_the_address_behind_trusted_proxies_is_the_clients(client, db, settings):
    settings.EDITORIAL_TRUSTED_PROXIES = 1
    client.post(
        reverse("admin:login"),
        {"username": "nobody", "password": "x"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert entries("auth.login_failed")[0].address == "198.51.100.7"


def test_a_lockout_is_recorded(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        client.post(reverse("admin:login"), {"username": "target", "password": "x"}, REMOTE_ADDR="203.0.113.5")
    locked = entries("auth.locked_out")
    assert locked and locked[0].details == {"username": "target"}


def test_a_workflow_approval_is_recorded_in_its_transaction(author, reviewer):
    article = factories.make_article(author=author)
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision="1")
    workflow.approve(article, user=reviewer, revision="1")
    actions = [e.action for e in entries() if e.action.startswith("workflow.")]
    assert actions == ["workflow.submit", "workflow.start_review", "workflow.approve"]
    approval = entries("workflow.approve")[0]
    assert approval.actor_username == "reviewer"
    assert (approval.target_type, approval.target_id) == ("articles.article", str(article.pk))
    assert approval.details["version"] == 1 and approval.details["status"] == "approved"


def test_assigning_and_releasing_a_reviewer_are_recorded(author, reviewer, second_reviewer):
    article = factories.make_article(author=author)
    workflow.submit(article, user=author)
    assignments.assign(article, user=reviewer, reviewers=[second_reviewer])
    assignments.release(article, user=second_reviewer, reviewer=second_reviewer)
    assigned, released = entries("workflow.assign"), entries("workflow.release_assignment")
    assert assigned[0].actor_username == "reviewer" and "Assigned to" in assigned[0].details["reason"]
    assert released[0].actor_username == "second_reviewer"


def test_a_refused_step_leaves_no_entry(author, reviewer):
    article = factories.make_article(author=author)
    with pytest.raises(workflow.WorkflowError):
        workflow.approve(article, user=reviewer, revision="1")
    assert entries("workflow.approve") == []


def test_permission_and_group_changes_are_recorded_by_any_route(db):
    user = factories.editor(username="ed")
    assert [e.details for e in entries("user.groups")] == [{"added": ["Editors"]}]
    permission = Permission.objects.get(codename="review_article")
    user.user_permissions.add(permission)
    board = Group.objects.create(name="Auditors")
    user.groups.add(board)
    user.groups.remove(board)
    (granted,) = entries("user.permissions")
    assert granted.target_repr == "ed" and granted.details == {"added": [str(permission)]}
    assert [e.details for e in entries("user.groups")][1:] == [{"added": ["Auditors"]}, {"removed": ["Auditors"]}]


def test_admin_changes_to_a_user_are_recorded_with_the_change_message(client, superuser):
    user = factories.editor(username="ed")
    client.force_login(superuser)
    url = reverse("admin:auth_user_change", args=[user.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name not in ("password",)}
    data.update(
        username="ed",
        is_active="",
        groups=[g.pk for g in user.groups.all()],
        user_permissions=[],
        date_joined_0=user.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=user.date_joined.strftime("%H:%M:%S"),
        last_login_0="",
        last_login_1="",
        first_name="",
        last_name="",
        email=user.email or "",
    )
    data.pop("is_staff", None)
    data["is_staff"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    change = [e for e in entries("admin.change") if e.target_type == "auth.user"][-1]
    assert change.actor_username == "boss" and change.target_type == "auth.user" and change.target_repr == "ed"
    assert "Active" in change.details["change"]
    assert entries("user.status")[-1].details == {"is_active": False}


def test_a_board_member_leaving_is_recorded(db):
    member = factories.reviewer(username="dr.gone").board_profile
    member.is_active = False
    member.save()
    assert entries("board.leave")[0].target_repr == str(member)


def test_import_and_export_are_recorded(tmp_path, db):
    editor = factories.editor(username="ed")
    factories.SpecialtyFactory(slug="primary-care", name="Primary care")
    (tmp_path / "gout.md").write_text(
        "---\ntitle: What causes gout?\nslug: what-causes-gout\ntopic: primary-care\nsummary: Crystals.\n---\n\nBody.\n"
    )
    call_command("import_articles", str(tmp_path / "gout.md"), "--as", "ed", stdout=io.StringIO())
    (imported,) = entries("import.run")
    assert imported.actor == editor
    assert imported.details["written"] == 1 and [name.split("/")[-1] for name in imported.details["names"]] == [
        "gout.md"
    ]
    call_command("export_articles", "--all", str(tmp_path / "out"), stdout=io.StringIO())
    (exported,) = entries("export.run")
    assert exported.details == {"approved_only": False, "articles": 1}


def test_the_admin_export_action_is_recorded_as_the_editor(client, published, author):
    client.force_login(author)
    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "export_markdown", "_selected_action": [published.pk]},
    )
    assert entries("export.run")[0].actor_username == "author"


def test_backup_is_recorded(tmp_path, transactional_db):
    if connection.vendor != "sqlite":
        pytest.skip("pg_dump of the test database is covered by test_backups")
    call_command("backup", str(tmp_path / "b.sqlite3"), stdout=io.StringIO())
    assert entries("backup.run")[0].details["file"].endswith("b.sqlite3")


# --- The admin screen ---------------------------------------------------------------


def test_the_audit_log_is_read_only_in_the_admin(client, superuser, chain):
    client.force_login(superuser)
    assert client.get(reverse("admin:articles_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:articles_auditentry_change", args=[1])).status_code == 200
    assert client.get(reverse("admin:articles_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:articles_auditentry_delete", args=[1])).status_code == 403
    response = client.post(reverse("admin:articles_auditentry_change", args=[1]), {"action": "x"})
    assert response.status_code == 403
    assert verify_output().endswith("chain intact.\n")


def test_editors_cannot_see_the_audit_log(client, author, chain):
    client.force_login(author)
    assert client.get(reverse("admin:articles_auditentry_changelist")).status_code == 403


def test_the_admin_filters_by_who_action_and_date(client, superuser, db):
    ed = factories.editor(username="ed")
    audit.record("test.one", actor=ed)
    audit.record("test.two", actor=superuser)
    client.force_login(superuser)
    url = reverse("admin:articles_auditentry_changelist")
    shown = client.get(url, {"actor_username": "ed"}).context["cl"].result_list
    assert [e.action for e in shown] == ["test.one"]
    shown = client.get(url, {"action": "test.two"}).context["cl"].result_list
    assert [e.action for e in shown] == ["test.two"]
    today = AuditEntry.objects.first().time.date().isoformat()
    assert len(client.get(url, {"time__date__gte": today, "time__date__lte": today}).context["cl"].result_list) >= 2
    assert len(client.get(url, {"time__date__gte": "2999-01-01"}).context["cl"].result_list) == 0


def test_the_csv_export_streams_the_filtered_log_and_is_audited(client, superuser, db):
    ed = factories.editor(username="ed")
    audit.record("test.one", actor=ed, note='a, "quoted" value')
    audit.record("test.two", actor=superuser)
    client.force_login(superuser)
    response = client.get(reverse("admin:articles_auditentry_export"), {"actor_username": "ed"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["id", "time", "who", "address"]
    assert [row[4] for row in rows[1:]] == ["test.one"]
    assert json.loads(rows[1][8]) == {"note": 'a, "quoted" value'}
    (exported,) = entries("audit.export")
    assert exported.actor_username == "boss" and exported.details["filters"] == {"actor_username": "ed"}


def test_second_factor_events_are_recorded_with_who_acted_and_whose_account(client, settings, superuser, reviewer):
    """A code passed or refused is the user's own entry; an admin's reset names the admin and the account."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.EDITORIAL_REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=reviewer, name="Authenticator app", confirmed=True, tolerance=1)
    client.post("/admin/login/?next=/admin/", {"username": "reviewer", "password": "pw"})
    client.post("/admin/security/verify/", {"code": f"{(TOTP(device.bin_key).token() + 1) % 1_000_000:06d}"})
    # django-otp makes the next try wait a second after a failure.
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        client.post("/admin/security/verify/", {"code": f"{TOTP(device.bin_key).token():06d}"})
    failed, verified = entries("2fa.failed"), entries("2fa.verified")
    assert [e.actor_username for e in failed + verified] == ["reviewer", "reviewer"]
    assert verified[0].target_repr == str(reviewer) and verified[0].details["method"] == "totp"
    assert verified[0].address == "127.0.0.1"

    admin_client = type(client)()
    admin_client.force_login(superuser)
    settings.EDITORIAL_REQUIRE_2FA = False
    admin_client.post("/admin/auth/user/", {"action": "reset_second_factor", "_selected_action": [reviewer.pk]})
    (reset,) = entries("2fa.reset")
    assert reset.actor_username == superuser.get_username()
    assert (reset.target_type, reset.target_id) == ("auth.user", str(reviewer.pk))
    assert audit.verify()[1] is None


def test_api_keys_made_and_revoked_are_recorded_without_the_key(client, superuser):
    from articles.api import keys

    key, token = keys.create_key(name="GP Surgery Partners", actor=superuser)
    keys.revoke(key, actor=superuser)
    made, revoked = entries("api_key.create"), entries("api_key.revoke")
    assert [e.actor_username for e in made + revoked] == [superuser.get_username()] * 2
    assert made[0].target_repr == str(key) and made[0].details["prefix"] == key.prefix
    assert all(token not in json.dumps(e.details) and token[-20:] not in e.target_repr for e in made + revoked)
    keys.revoke(key, actor=superuser)  # again: nothing more to record
    assert len(entries("api_key.revoke")) == 1
