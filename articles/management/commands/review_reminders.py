"""Email the board what is due or overdue for review. Run daily from cron."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles.models import Article
from articles.review import notifications


class Command(BaseCommand):
    help = "Email the Medical Advisory Board a list of reviews that are due or overdue."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print the list without sending email.")

    def handle(self, *args, dry_run=False, **options):
        now = timezone.now()
        items = list(Article.objects.review_queue(now=now).select_related("claimed_by"))
        if not items:
            self.stdout.write("Nothing is due or waiting for review.")
            return
        lines = notifications.reminder_lines(items, now=now)
        for line in lines:
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(f"Dry run: no email sent ({len(items)} item(s)).")
            return
        sent, intended = notifications.reminders(items, now=now)
        if intended == 0:
            raise CommandError("No active board member has an email address; nobody was reminded.")
        if sent < intended:
            raise CommandError(f"Sent {sent} of {intended} reminder emails; see the log for the mail error.")
        self.stdout.write(
            self.style.SUCCESS(f"Sent the reminder about {len(items)} item(s) to {sent} board member(s).")
        )
