"""Benchmark: the admin history page of an article with thousands of history rows.

Run: .venv/bin/python benchmarks/history_admin.py [rows]   (uses a throwaway test database)
Prints queries and time per page for a small and a large history.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editorial.test_settings")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()


class QueryCounter:
    """Count queries through an execute wrapper (the test client resets connection.queries)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402


def main(rows: int) -> None:
    from django.conf import settings
    from django.test import Client
    from django.test.utils import get_runner

    setup_test_environment()
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        from articles.models import Article
        from tests import factories

        author = factories.editor(username="bench_author")
        admin = factories.superuser(username="bench_admin")
        small = factories.make_article(author=author, title="Small")
        big = factories.make_article(author=author, title="Big")
        # Bulk-build history rows: thousands of saves would only measure the writes.
        base = big.history.first()
        History = Article.history.model
        fields = [f.attname for f in History._meta.fields if f.attname != "history_id"]
        records = []
        for i in range(rows):
            data = {name: getattr(base, name) for name in fields}
            data["summary"] = f"Summary edit {i}"
            data["history_change_reason"] = f"Edit {i}"
            data["history_type"] = "~"
            records.append(History(**data))
        History.objects.bulk_create(records, batch_size=1000)

        client = Client()
        client.force_login(admin)
        for label, article in (("small (2 rows)", small), (f"large ({rows + 1} rows)", big)):
            url = reverse("admin:articles_article_history", args=[article.pk])
            client.get(url)  # warm up
            timings, queries = [], 0
            for page in (1, 2, max(1, rows // 100)):
                start = time.perf_counter()
                counter = QueryCounter()
                with connection.execute_wrapper(counter):
                    response = client.get(url, {"p": page})
                timings.append((time.perf_counter() - start) * 1000)
                queries = max(queries, counter.count)
                assert response.status_code == 200
            print(f"{label:>22}: {queries} queries per page, median {statistics.median(timings):.1f} ms per page")
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
