"""Shared set-up for the benchmarks: Django on the test settings and a throwaway database."""

import os
import sys
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "editorial.test_settings")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import get_runner, setup_test_environment  # noqa: E402

from tests.conftest import QueryCounter  # noqa: E402


@contextmanager
def test_database():
    """Create the test database (SQLite, or PostgreSQL from DATABASE_URL) and drop it afterwards."""
    setup_test_environment()
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    try:
        yield
    finally:
        runner.teardown_databases(old_config)


def count_queries(func):
    """Run ``func`` and return (its result, how many SQL statements it ran)."""
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        result = func()
    return result, counter.count
