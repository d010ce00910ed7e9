"""Benchmark: the admin history page of an article with thousands of history rows.

Run: .venv/bin/python benchmarks/history_admin.py [rows]   (uses a throwaway test database)
Prints queries and time per page for a small and a large history.
"""

import statistics
import sys
import time

from _bootstrap import count_queries, test_database
from django.test import Client
from django.urls import reverse


def main(rows: int) -> None:
    with test_database():
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
                response, count = count_queries(lambda url=url, page=page: client.get(url, {"p": page}))
                timings.append((time.perf_counter() - start) * 1000)
                queries = max(queries, count)
                assert response.status_code == 200
            print(f"{label:>22}: {queries} queries per page, median {statistics.median(timings):.1f} ms per page")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
