"""Generate a large synthetic dataset for scale testing: articles in every state, their history,
board decisions and readers' questions, written with bulk inserts in batches.

    manage.py generate_dataset                      # 10,000 articles, 100,000 history rows, ...
    manage.py generate_dataset --scale 0.02         # the same shape, 2% of the size (CI)
    manage.py generate_dataset --articles 200 --history 2000 --decisions 1000 --questions 400 --seed 3

The rows are what the workflow would have written (statuses, versions, approvals pinned to
versions, periodic re-reviews, history with who and why) without running it row by row. Text
is assembled from phrase parts (``articles.management.dataset.text``); a seed gives the same content, dates
count back from now. Demo users from ``seed_demo`` are reused when present.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from articles.management.dataset import Generator
from articles.site import caching

DEFAULTS = {"articles": 10_000, "history": 100_000, "decisions": 50_000, "questions": 20_000}


class Command(BaseCommand):
    help = "Generate a large synthetic dataset (articles, history, decisions, questions) for scale testing."

    def add_arguments(self, parser):
        for name, default in DEFAULTS.items():
            parser.add_argument(f"--{name}", type=int, help=f"How many (default {default:,} times --scale).")
        parser.add_argument("--scale", type=float, default=1.0, help="Factor for every count not given (default 1).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same content.")
        parser.add_argument("--batch-size", type=int, default=2000, help="Rows per INSERT (default 2000).")

    def handle(self, *args, **options):
        counts = {
            name: options[name] if options[name] is not None else round(default * options["scale"])
            for name, default in DEFAULTS.items()
        }
        if any(count < 0 for count in counts.values()):
            raise CommandError("Counts must not be negative.")
        start = time.perf_counter()
        with transaction.atomic():
            made = Generator(counts, seed=options["seed"], batch_size=options["batch_size"]).run()
            caching.everything_changed()  # cached lists must show the new articles
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # What autovacuum does soon after a bulk load: the visibility map lets counts (the
            # sitemap index, admin paginators) read indexes alone, as they do on a settled database.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        elapsed = time.perf_counter() - start
        summary = ", ".join(f"{count:,} {name}" for name, count in made.items())
        self.stdout.write(self.style.SUCCESS(f"Generated {summary} in {elapsed:.1f} s ({connection.vendor})."))
