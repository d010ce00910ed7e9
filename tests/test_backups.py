"""Backup and restore: every article, version, decision and history row, timestamps to the microsecond."""

import io
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from articles.models import Article, FollowUpQuestion, Reference, ReviewDecision, Revision
from articles.operations import backups
from articles.review import editing, workflow

from . import factories

ROOT = Path(__file__).resolve().parent.parent
MODELS = [
    Article,
    Revision,
    ReviewDecision,
    Reference,
    FollowUpQuestion,
    Article.history.model,
    Reference.history.model,
    get_user_model(),
]


def rows(cursor, table):
    cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608 - table names from our models
    return cursor.fetchall()


def snapshot(cursor):
    return {model._meta.db_table: rows(cursor, model._meta.db_table) for model in MODELS}


@pytest.fixture
def library(transactional_db, author, reviewer, second_reviewer):
    """Committed content with history: a published article with an update under review, a question."""
    article = factories.make_article(author=author, slug="backup-me", title="Will this survive a restore?")
    factories.publish(article, author=author, reviewers=[reviewer])
    article.body = "Updated text [1]."
    editing.save_content(article, user=author, reason="Second thoughts")
    workflow.submit(article, user=author, **factories.change_note_for(article))
    workflow.start_review(article, user=second_reviewer, revision=factories.under_decision("start_review", article))
    workflow.request_changes(
        article,
        user=second_reviewer,
        revision=factories.under_decision("request_changes", article),
        comment="Cite the 2024 guideline.",
    )
    FollowUpQuestion.objects.create(article=article, question="Does this apply to children?")
    # Microseconds must survive (the four-eyes rule compares history timestamps).
    assert any(r.history_date.microsecond % 1000 for r in Article.history.all())
    return article


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def restore_env(database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "editorial.test_settings"}
    env.pop("REDIS_URL", None)
    return env


def test_backup_and_restore_into_an_empty_database_keeps_every_row_exactly(library, tmp_path):
    backup_file = tmp_path / ("backup.sqlite3" if connection.vendor == "sqlite" else "backup.dump")
    call_command("backup", str(backup_file))
    assert backup_file.stat().st_size > 0
    # Both sides are read through the bare driver, so values compare exactly as stored.
    if connection.vendor == "sqlite":
        source = sqlite3.connect(connection.settings_dict["NAME"], uri=True)
        original = snapshot(source.cursor())
        source.close()
    else:
        import psycopg

        params = connection.settings_dict
        with psycopg.connect(
            host=params["HOST"], port=params["PORT"] or 5432, user=params["USER"], dbname=params["NAME"]
        ) as source:
            original = snapshot(source.cursor())
    assert all(original.values())

    if connection.vendor == "sqlite":
        target = tmp_path / "restored.sqlite3"
        result = manage(restore_env(f"sqlite:///{target}"), "restore", str(backup_file))
        assert result.returncode == 0, result.stderr
        restored_connection = sqlite3.connect(target)
        restored = snapshot(restored_connection.cursor())
        restored_connection.close()
    else:
        import psycopg

        settings_dict = connection.settings_dict
        name = f"{settings_dict['NAME']}_restore"
        admin = psycopg.connect(
            host=settings_dict["HOST"],
            port=settings_dict["PORT"] or 5432,
            user=settings_dict["USER"],
            dbname="postgres",
            autocommit=True,
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT'] or 5432}/{name}"
            result = manage(restore_env(url), "restore", str(backup_file))
            assert result.returncode == 0, result.stderr
            with psycopg.connect(url) as restored_connection:
                restored = snapshot(restored_connection.cursor())
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
    assert restored == original


def test_restore_refuses_a_database_that_holds_articles(library, tmp_path):
    backup_file = tmp_path / "backup.bin"
    call_command("backup", str(backup_file))
    with pytest.raises(CommandError, match="already holds articles"):
        call_command("restore", str(backup_file))


def test_restore_of_a_missing_file_names_it(db, tmp_path):
    with pytest.raises(CommandError, match="no-such-file"):
        call_command("restore", str(tmp_path / "no-such-file"))


def test_backup_refuses_to_overwrite(db, tmp_path):
    existing = tmp_path / "taken"
    existing.write_text("keep me")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(existing))
    assert existing.read_text() == "keep me"


# --- Backups hold password hashes and live sessions: the server's user alone reads them ---------


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask-022", "umask-000"])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_a_backup_is_0600_in_folders_it_makes_0700_whatever_the_umask(transactional_db, tmp_path, umask):
    tmp_path.chmod(0o755)
    target = tmp_path / "made" / "here" / "backup.bin"
    call_command("backup", str(target), stdout=io.StringIO())
    assert mode(target) == 0o600
    assert mode(tmp_path / "made") == 0o700 and mode(tmp_path / "made" / "here") == 0o700
    assert mode(tmp_path) == 0o755  # a folder it did not make keeps its mode
    assert sorted(path.name for path in target.parent.iterdir()) == ["backup.bin"]  # no journal left


def test_the_default_backups_folder_is_made_private_even_if_it_existed(transactional_db, tmp_path, monkeypatch, umask):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "backups").mkdir(mode=0o755)
    (tmp_path / "backups").chmod(0o755)
    call_command("backup", stdout=io.StringIO())
    (written,) = (tmp_path / "backups").iterdir()
    assert mode(tmp_path / "backups") == 0o700 and mode(written) == 0o600


def test_a_failed_backup_leaves_no_file(db, tmp_path, monkeypatch):
    def failing(path, alias):
        path.write_bytes(b"half a backup")
        raise backups.BackupError("pg_dump failed: the disk is full")

    monkeypatch.setattr(backups, "_write", failing)
    with pytest.raises(CommandError, match="the disk is full"):
        call_command("backup", str(tmp_path / "backup.bin"))
    assert list(tmp_path.iterdir()) == []


def test_git_ignores_the_backups_folder():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        assert "backups/" in (ROOT / ".gitignore").read_text().splitlines()
        return
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "backups/editorial-20250101-000000.dump"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
