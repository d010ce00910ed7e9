"""Print the board's governance report for a quarter: approved, corrected, confirmed, withdrawn, overdue."""

import csv

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from articles.operations import audit
from articles.review import governance


class Command(BaseCommand):
    help = (
        "Per reviewer, the articles approved, corrected, confirmed still accurate and withdrawn in a quarter, "
        "and the live articles overdue for review (--csv: one line per article)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quarter", help="e.g. 2026Q4 (default: the current quarter)")
        parser.add_argument("--csv", action="store_true", dest="as_csv", help="One CSV line per article and category")

    def handle(self, *args, quarter=None, as_csv=False, **options):
        try:
            period = governance.Quarter.parse(quarter) if quarter else governance.Quarter.current()
        except ValidationError as error:
            raise CommandError(f"--quarter: {error.message_dict['quarter'][0]}") from None
        report = governance.report(period)
        audit.record("report.governance", quarter=str(period), format="csv" if as_csv else "text")
        if as_csv:
            self._csv(report)
        else:
            self._table(report)

    def _csv(self, report):
        writer = csv.writer(self.stdout, lineterminator="\n")
        for row in report.csv_rows():
            writer.writerow(row)

    def _table(self, report):
        columns = governance.CATEGORIES
        self.stdout.write(
            f"Governance report {report.quarter} ({report.quarter.start:%d %b %Y} to "
            f"{report.quarter.end:%d %b %Y}, end excluded)"
        )
        width = max([len("Reviewer"), len("Total"), *(len(row.name) for row in report.reviewers)])
        self.stdout.write("Reviewer".ljust(width) + "".join(f"{name:>11}" for name in columns))
        for row in report.reviewers:
            self.stdout.write(row.name.ljust(width) + "".join(f"{row.count(name):>11}" for name in columns))
        totals = report.totals
        self.stdout.write("Total".ljust(width) + "".join(f"{totals[name]:>11}" for name in columns))
