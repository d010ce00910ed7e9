"""Check that the sources live articles (and versions under review) cite still stand. Run daily from cron.

Links every live and under-review version's references to their source checks, then enqueues a
check job for each source not checked within ``EDITORIAL_SOURCE_CHECK_DAYS``; the task queue's
workers do the requests (README, "Sources still standing").
"""

from django.core.management.base import BaseCommand

from articles.review import sources


class Command(BaseCommand):
    help = "Enqueue checks of the sources cited by live and under-review versions not checked recently."

    def handle(self, *args, **options):
        enqueued, fresh = sources.schedule()
        self.stdout.write(f"Enqueued {enqueued} source check(s); {fresh} checked recently, skipped.")
