"""Restore a backup made by ``manage.py backup`` into an empty database."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from articles.operations import audit, backups
from articles.questions import privacy
from articles.site import caching


class Command(BaseCommand):
    help = (
        "Restore a backup made by manage.py backup (into an empty database unless --force). Readers' addresses "
        "erased since the backup was taken are erased again from the restored data."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Backup file written by manage.py backup")
        parser.add_argument("--force", action="store_true", help="Replace a database that already holds articles")

    def handle(self, *args, path, force=False, **options):
        # The erasure log as it stands now: the backup may predate some erasures.
        try:
            erasures = privacy.erased_hashes()
        except DatabaseError:  # a new, unmigrated database holds none
            erasures = []
        try:
            backups.restore(path, force=force)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        # Cached pages were rendered from the data that was there before.
        caching.everything_changed()
        erased = privacy.reapply_erasures(erasures)
        audit.record("restore.run", file=str(path), database=backups.vendor(), erasures_reapplied=erased.as_dict())
        self.stdout.write(f"Restored {path} into the {backups.vendor()} database. Cached pages were marked stale.")
        if erased.total:
            self.stdout.write(f"Erased again {erased.total} rows holding addresses erased since the backup was taken.")
