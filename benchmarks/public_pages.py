"""Benchmark: queries and time per public page, on the demo content.

Run: .venv/bin/python benchmarks/public_pages.py [requests-per-page]   (uses a throwaway test database)
"""

import os
import statistics
import sys
import time
from io import StringIO
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


from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import get_runner, setup_test_environment  # noqa: E402

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
    setup_test_environment()
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        call_command("seed_demo", stdout=StringIO())
        client = Client()
        print(f"database: {connection.vendor}; {repeat} requests per page after one warm-up")
        for path in PAGES:
            client.get(path)
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            timings = []
            for _ in range(repeat):
                start = time.perf_counter()
                client.get(path)
                timings.append((time.perf_counter() - start) * 1000)
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(
                f"{path:58} {counter.count:3} queries  median {statistics.median(timings):6.1f} ms  p95 {p95:6.1f} ms"
            )
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
