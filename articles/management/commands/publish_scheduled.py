"""Apply scheduled go-lives and end dates that have come. Run every minute from cron.

Readers never wait for it (the first request after the instant applies them too); it makes the
"now live" emails, edge purges and history entries happen on time when no reader comes.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from articles.content.times import describe
from articles.models import Article
from articles.review import schedule


class Command(BaseCommand):
    help = "Publish versions whose go-live has come and withdraw articles past their end date (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="Hand the work to the task queue's workers instead of doing it here."
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            schedule.apply_due_job.enqueue()
            self.stdout.write("Queued: scheduled changes are applied by the next free worker.")
            return
        done = schedule.apply_due(timezone.now())
        for line in done:
            self.stdout.write(line)
        upcoming = Article.objects.next_scheduled_change()
        self.stdout.write(
            self.style.SUCCESS(f"{len(done)} scheduled change(s) applied.")
            + (f" Next: {describe(upcoming)}." if upcoming else " Nothing else is scheduled.")
        )
