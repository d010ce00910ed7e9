"""Benchmark the read API's article detail beside the HTML article page: gunicorn on loopback, wrk.

``.venv/bin/python benchmarks/api.py [--duration 8] [--connections 16]`` (with ``DATABASE_URL`` and
``REDIS_URL`` for PostgreSQL and Redis; SQLite and the file cache otherwise). Builds a throwaway
demo database, then prints req/s, p50 and p99 for the article page and ``/api/v1/articles/<slug>/``
(with the demo partner's key) cold (page cache off: every request renders), warm (page cache) and
answered 304; then what counting a key's use costs per request: an UPSERT of the day's row, a counter in the
shared cache, and a counter in the process's memory written once a minute (what the API does).
"""

import argparse
import os
import shutil
import tempfile

from _server import manage, production_env
from http_server import bench_database, fetch, row, server, wrk

SLUG = "what-are-the-causes-of-dystonia"
PAGE = f"/articles/{SLUG}/"
API = f"/api/v1/articles/{SLUG}/"
DEMO_KEY = "rh_demo-partner-key-change-before-any-real-use"  # seed_demo's, known like the demo passwords
AUTH = f"Authorization: Bearer {DEMO_KEY}"

USAGE_COST = """
import time
from django.core.cache import cache
from articles.api import keys
from articles.models import ApiKey
key = ApiKey.objects.get(name__startswith="Demo partner")
n = 2000
started = time.perf_counter()
for _ in range(n):
    keys.add_usage(key.pk, "2000-01-01", 1)
upsert = (time.perf_counter() - started) / n
started = time.perf_counter()
for _ in range(n):
    if not cache.add("bench:usage", 1, timeout=60):
        cache.incr("bench:usage")
counter = (time.perf_counter() - started) / n
started = time.perf_counter()
for _ in range(n):
    keys.count_usage(key.pk)
memory = (time.perf_counter() - started) / n
print(f"{upsert * 1e6:.0f} {counter * 1e6:.0f} {memory * 1e6:.1f}")
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run (default 8)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="editorial-bench-api-") as tmp:
        os.environ["BENCH_TMP"] = tmp
        env = production_env(tmp)
        with bench_database(env) as vendor:
            manage(env, "migrate", "--noinput")
            manage(env, "seed_demo")
            manage(env, "collectstatic", "--noinput")
            cache = "Redis" if env.get("REDIS_URL") else "file cache"
            print(
                f"database: {vendor}; cache: {cache}; gunicorn {args.workers} workers (gthread); "
                f"wrk -t2 -c{args.connections} -d{args.duration}s; {os.cpu_count()} cores"
            )
            run = {"duration": args.duration, "connections": args.connections}
            results = {}
            # Every request is within the demo key's limit: raise it for the run.
            manage(env, "shell", "-c", "from articles.models import ApiKey; ApiKey.objects.update(rate_limit=10**9)")
            with server(env, page_cache=False, workers=args.workers) as (base, _):
                assert fetch(base, API, {"Authorization": f"Bearer {DEMO_KEY}"})[0] == 200
                wrk(base, PAGE, duration=2, connections=args.connections)
                results["page cold"] = wrk(base, PAGE, **run)
                results["api cold"] = wrk(base, API, headers=[AUTH], **run)
            if env.get("REDIS_URL"):
                import redis

                client = redis.Redis.from_url(env["REDIS_URL"])
                for key in client.scan_iter(match="*pagecache:*"):
                    client.delete(key)
            with server(env, page_cache=True, workers=args.workers) as (base, _):
                fetch(base, PAGE)
                fetch(base, API, {"Authorization": f"Bearer {DEMO_KEY}"})
                status, headers, _ = fetch(base, API, {"Authorization": f"Bearer {DEMO_KEY}"})
                assert status == 200 and headers.get("X-Page-Cache") == "hit", headers
                etag = headers["ETag"]
                results["page warm"] = wrk(base, PAGE, **run)
                results["api warm"] = wrk(base, API, headers=[AUTH], **run)
                results["api 304"] = wrk(base, API, headers=[AUTH, f"If-None-Match: {etag}"], **run)
            upsert, counter, memory = manage(env, "shell", "-c", USAGE_COST).strip().splitlines()[-1].split()
        print("\nthroughput and latency (article detail)")
        row("HTML page, cold (no page cache)", results["page cold"])
        row("API detail, cold (no page cache)", results["api cold"])
        row("HTML page, warm (page cache)", results["page warm"])
        row("API detail, warm (page cache, key checked)", results["api warm"])
        row("API detail, conditional GET -> 304", results["api 304"])
        print(
            f"\n  API/HTML: cold {results['api cold']['rps'] / results['page cold']['rps']:.2f}x, "
            f"warm {results['api warm']['rps'] / results['page warm']['rps']:.2f}x"
        )
        print(
            f"\nusage counting per request ({vendor}, {cache}): an UPSERT {upsert} us, a cache counter {counter} us, "
            f"in memory (what the API does; one UPSERT per key a minute) {memory} us"
        )


if __name__ == "__main__":
    main()
