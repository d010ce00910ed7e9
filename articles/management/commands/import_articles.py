"""Import articles from Markdown files, folders of them or zip archives, as drafts."""

import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.interchange import service
from articles.interchange.sources import read_paths
from articles.models import Revision


class Command(BaseCommand):
    help = (
        "Import articles from Markdown files (files, folders or .zip archives) as drafts by an editor; "
        "never publishes. Exits 1 if any file failed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", metavar="PATH", help="A .md file, a folder (searched for *.md) or a .zip"
        )
        parser.add_argument("--as", dest="username", required=True, metavar="USER", help="The editor who imports")
        parser.add_argument("--submit", action="store_true", help="Submit each created or updated article for review")
        parser.add_argument("--change-note", default="", help="Public change note for submitted updates")
        parser.add_argument(
            "--change-kind", default="", choices=Revision.ChangeKind.values, help="Kind of change of submitted updates"
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing")
        parser.add_argument("--atomic", action="store_true", help="Import everything or, if any file fails, nothing")

    def handle(self, *args, **options):
        try:
            user = get_user_model().objects.get(username=options["username"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user '{options['username']}'.") from None
        try:
            service.check_permission(user, submit=options["submit"])
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        plan = service.plan(
            read_paths(options["paths"]),
            submit=options["submit"],
            change_note=options["change_note"],
            change_kind=options["change_kind"],
        )
        if not plan.items:
            raise CommandError("No .md files found in " + ", ".join(options["paths"]) + ".")
        dry_run = options["dry_run"]
        if not dry_run:
            with tqdm(total=len(plan.writes), unit="article", disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
                service.apply(plan, user=user, atomic=options["atomic"], progress=bar.update)
        for line in plan.lines(dry_run=dry_run):
            self.stdout.write(line)
        summary = plan.summary(dry_run=dry_run)
        if plan.errors:
            self.stdout.write(summary)
            raise CommandError(f"{len(plan.errors)} of {len(plan.items)} files failed.", returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))
