"""Benchmark: queries and time per public page, on the demo content.

Run: .venv/bin/python benchmarks/public_pages.py [requests-per-page]   (uses a throwaway test database)
"""

import statistics
import sys
import time
from io import StringIO

from _bootstrap import count_queries, test_database
from django.core.management import call_command
from django.db import connection
from django.test import Client

PAGES = [
    "/",
    "/?q=blood+pressure",
    "/articles/what-are-the-causes-of-dystonia/",
    "/articles/what-are-the-causes-of-dystonia/professional/",
    "/articles/how-is-high-blood-pressure-treated-in-adults/",
    "/articles/looking-after-your-feet-with-diabetes/",
    "/board/",
    "/topics/neurology/",
    "/sitemap.xml",
    "/feeds/articles/",
    "/healthz",
]


def main(repeat: int) -> None:
    with test_database():
        call_command("seed_demo", stdout=StringIO())
        client = Client()
        print(f"database: {connection.vendor}; {repeat} requests per page after one warm-up")
        for path in PAGES:
            client.get(path)
            response, queries = count_queries(lambda path=path: client.get(path))
            assert response.status_code == 200, (path, response.status_code)
            timings = []
            for _ in range(repeat):
                start = time.perf_counter()
                client.get(path)
                timings.append((time.perf_counter() - start) * 1000)
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(f"{path:58} {queries:3} queries  median {statistics.median(timings):6.1f} ms  p95 {p95:6.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
