"""Restore a backup made by ``manage.py backup`` into an empty database."""

from django.core.management.base import BaseCommand, CommandError

from articles.operations import backups
from articles.site import caching


class Command(BaseCommand):
    help = "Restore a backup made by manage.py backup (into an empty database unless --force)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Backup file written by manage.py backup")
        parser.add_argument("--force", action="store_true", help="Replace a database that already holds articles")

    def handle(self, *args, path, force=False, **options):
        try:
            backups.restore(path, force=force)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        # Cached pages were rendered from the data that was there before.
        caching.everything_changed()
        self.stdout.write(f"Restored {path} into the {backups.vendor()} database. Cached pages were marked stale.")
