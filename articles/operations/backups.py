"""Back up and restore the whole database, exactly: every row, every timestamp to the microsecond.

``dumpdata``/``loaddata`` is not a backup: it serialises timestamps to milliseconds, and the
four-eyes rule compares history timestamps. These use each database's own tools instead:
SQLite's online backup API (a consistent copy while the site keeps serving) and
PostgreSQL's ``pg_dump``/``pg_restore`` (custom format).

A backup holds password hashes and live sessions: the file is created 0600 and the folders this
module creates 0700, whatever the umask; ``backups/``, the command's default folder, is made
0700 even if it already existed.
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


FILE_MODE, FOLDER_MODE = 0o600, 0o700


def private_folder(folder: Path) -> Path:
    """Create ``folder`` (and any missing parents) 0700; an existing folder is made 0700 too.

    For folders the backups own (``backups/``); ``backup`` itself never changes the mode of a
    folder it did not create (``/tmp``, a mounted disk).
    """
    _make_folders(folder)
    folder.chmod(FOLDER_MODE)
    return folder


def _make_folders(folder: Path) -> None:
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for each in reversed(missing):
        try:
            each.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue  # made meanwhile by someone else: not ours to change
        each.chmod(FOLDER_MODE)  # mkdir's mode is narrowed by the umask; make it exact


def _create_private(path: Path) -> None:
    """Create ``path`` empty, 0600, before any tool writes into it; refuse one that exists."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        raise BackupError(f"{path}: already exists; choose another file name.") from None
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)


def backup(path: Path, *, alias="default") -> Path:
    """Write a consistent copy of the database to ``path`` (a new file, 0600); return it."""
    path = Path(path)
    if vendor(alias) not in ("sqlite", "postgresql"):
        raise BackupError(f"No backup procedure for {vendor(alias)}.")
    _make_folders(path.parent)
    # Created private and empty first: SQLite opens an empty file as a new database (its journal
    # takes the file's mode), pg_dump truncates it and keeps the mode.
    _create_private(path)
    try:
        _write(path, alias)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    path.chmod(FILE_MODE)
    return path


def _write(path: Path, alias) -> None:
    if vendor(alias) == "sqlite":
        connection = connections[alias]
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            with target:
                connection.connection.backup(target)
        finally:
            target.close()
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(path)], alias)


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
