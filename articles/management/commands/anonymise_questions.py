"""Remove readers' addresses from questions past the retention period (run daily from cron)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from articles.questions import privacy


class Command(BaseCommand):
    help = (
        "Remove readers' email addresses from follow-up questions received more than "
        "EDITORIAL_QUESTION_RETENTION_DAYS ago, from the replies to them and from the history rows of both."
    )

    def handle(self, *args, **options):
        counts = privacy.anonymise_expired()
        days = settings.EDITORIAL_QUESTION_RETENTION_DAYS
        self.stdout.write(
            f"Anonymised questions older than {days} days: {counts.questions} questions, {counts.replies} replies, "
            f"{counts.question_history + counts.reply_history} history rows."
        )
