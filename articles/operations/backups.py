"""Back up and restore the whole database, exactly: every row, every timestamp to the microsecond.

``dumpdata``/``loaddata`` is not a backup: it serialises timestamps to milliseconds, and the
four-eyes rule compares history timestamps. These use each database's own tools instead:
SQLite's online backup API (a consistent copy while the site keeps serving) and
PostgreSQL's ``pg_dump``/``pg_restore`` (custom format).
"""

import os
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why."""


def _settings(alias):
    return connections[alias].settings_dict


def vendor(alias="default") -> str:
    return connections[alias].vendor


def default_filename(alias="default") -> str:
    from django.utils import timezone

    suffix = "sqlite3" if vendor(alias) == "sqlite" else "dump"
    return f"editorial-{timezone.now():%Y%m%d-%H%M%S}.{suffix}"


def backup(path: Path, *, alias="default") -> Path:
    """Write a consistent copy of the database to ``path``; return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if vendor(alias) == "sqlite":
        connection = connections[alias]
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            with target:
                connection.connection.backup(target)
        finally:
            target.close()
    elif vendor(alias) == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(path)], alias)
    else:
        raise BackupError(f"No backup procedure for {vendor(alias)}.")
    return path


def restore(path: Path, *, alias="default", force=False) -> None:
    """Replace the database's contents with the backup at ``path``.

    Refuses a database that already holds articles unless ``force``: restoring is for an
    empty database (a new machine, or one emptied deliberately).
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file.")
    if not force and _has_content(alias):
        raise BackupError("The database already holds articles; restore into an empty database, or pass --force.")
    if vendor(alias) == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path}: not a sound SQLite database.")
            connection = connections[alias]
            connection.ensure_connection()
            source.backup(connection.connection)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path}: {error}") from None
        finally:
            source.close()
    elif vendor(alias) == "postgresql":
        connections[alias].close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                str(path),
            ],
            alias,
            database_flag="--dbname",
        )
    else:
        raise BackupError(f"No restore procedure for {vendor(alias)}.")


def _has_content(alias) -> bool:
    with connections[alias].cursor() as cursor:
        tables = connections[alias].introspection.table_names(cursor)
        if "articles_article" not in tables:
            return False
        cursor.execute("SELECT 1 FROM articles_article LIMIT 1")
        return cursor.fetchone() is not None


def _run(command: list[str], alias, database_flag: str | None = None) -> None:
    config = _settings(alias)
    env = {**os.environ}
    if config.get("PASSWORD"):
        env["PGPASSWORD"] = config["PASSWORD"]
    options = []
    if config.get("HOST"):
        options += ["--host", config["HOST"]]
    if config.get("PORT"):
        options += ["--port", str(config["PORT"])]
    if config.get("USER"):
        options += ["--username", config["USER"]]
    database = [database_flag, config["NAME"]] if database_flag else [config["NAME"]]
    try:
        result = subprocess.run(  # noqa: S603 - fixed programs, arguments from settings
            [command[0], *options, *command[1:], *database], env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client).") from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
