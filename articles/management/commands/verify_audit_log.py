"""Walk the audit log's hash chain and report the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from articles.operations import audit


class Command(BaseCommand):
    help = (
        "Check every audit log entry against its hash and the previous entry's: prints 'N entries, chain "
        "intact', or the first broken link (an edited, deleted or inserted row) and exits with status 1."
    )

    def handle(self, *args, **options):
        count, broken = audit.verify()
        if broken is not None:
            raise CommandError(f"{broken}. {count} entries before it are intact.")
        self.stdout.write(f"{count} entries, chain intact.")
