"""In-process page timer for benchmarks/cold_pages.py; runs under either virtualenv (ours or Wagtail's).

Usage: python _inprocess.py <path> <host>   with DJANGO_SETTINGS_MODULE (and its environment) set.
Reads lines "<cold|warm> <n>" on stdin; for each, requests ``path`` n times through Django's
test client (the whole middleware stack, no network) and prints one JSON list of milliseconds.
``cold``: every cache emptied before each request (Django's caches and, for our app, the
per-process memos), outside the timing.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.getcwd())  # the project (ours: the repository root; the peer: its site directory)

import django  # noqa: E402

django.setup()

from django.core.cache import caches  # noqa: E402
from django.test import Client  # noqa: E402


def clear_caches():
    for cache in caches.all():
        cache.clear()
    try:  # our app's per-process memos; absent in the Wagtail peer
        from articles.content.budget import VERDICTS
        from articles.content.rendering import plain_text
        from articles.site.caching import local_pages
    except ImportError:
        return
    plain_text.cache_clear()
    VERDICTS.clear()
    local_pages.clear()


def main():
    path, host = sys.argv[1], sys.argv[2]
    client = Client(HTTP_HOST=host)
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    print(json.dumps({"bytes": len(response.content)}), flush=True)
    for line in sys.stdin:
        mode, count = line.split()
        timings = []
        for _ in range(int(count)):
            if mode == "cold":
                clear_caches()
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        print(json.dumps(timings), flush=True)


if __name__ == "__main__":
    main()
