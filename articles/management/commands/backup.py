"""Write a consistent backup of the database (SQLite online backup API, or pg_dump)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.operations import audit, backups


class Command(BaseCommand):
    help = (
        "Back up the whole database, timestamps exact to the microsecond, to a file only its owner may read "
        "(0600). Restore with manage.py restore."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="File to write (default: backups/editorial-<time>.<ext>)")

    def handle(self, *args, path=None, **options):
        if path:
            target = Path(path)
        else:  # the default folder is the backups' own: private (0700) even if made before
            target = backups.private_folder(Path("backups")) / backups.default_filename()
        if target.exists():
            raise CommandError(f"{target}: already exists; choose another file name.")
        try:
            written = backups.backup(target)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        # Recorded after the copy was taken, so the backup itself does not hold it.
        audit.record("backup.run", file=str(written), bytes=written.stat().st_size, database=backups.vendor())
        self.stdout.write(f"Backed up the {backups.vendor()} database to {written} ({written.stat().st_size:,} bytes).")
