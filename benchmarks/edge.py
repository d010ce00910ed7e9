"""Benchmark the edge: a real Varnish (deploy/varnish/default.vcl) in front of gunicorn.

Run: ``.venv/bin/python benchmarks/edge.py [--duration 8] [--connections 16]``. With
``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` it measures that stack; otherwise SQLite with the
file cache. It builds a throwaway demo database, starts gunicorn, a background worker
(``manage.py run_tasks``) and varnishd on loopback, and prints, from one run:

  - req/s, p50 and p99 for the warm article page from the origin (page cache) and through Varnish;
  - Varnish's hit ratio over the run through it (varnishstat's cache_hit / cache_miss);
  - an approval's purge: the next request through Varnish shows the new version, and how long
    after the approval's commit the purge had been delivered (the worker polls every second).

Needs Debian's ``varnish``, ``varnish-modules`` and ``wrk``.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from _server import PYTHON, ROOT, gunicorn, manage, production_env
from _varnish import free_port, missing, varnish
from http_server import bench_database, row, wrk

ARTICLE = "/articles/what-are-the-causes-of-dystonia/"
APPROVE = """
import time
from django.contrib.auth import get_user_model
from articles.models import Article
from articles.review import editing, workflow
article = Article.objects.get(slug="what-are-the-causes-of-dystonia")
author = article.published_revision.authors.first()
board = get_user_model().objects.filter(board_profile__isnull=False).exclude(pk=author.pk).first()
article.summary = article.summary + " MARKER."
editing.save_content(article, user=author, reason="Benchmark edit")
workflow.submit(article, user=author, change_kind="editorial", change_note="Benchmark update.")
workflow.start_review(article, user=board, revision=workflow.under_decision("start_review", article))
workflow.approve(article, user=board, revision=workflow.under_decision("approve", article))
print("COMMITTED", time.time())
"""


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
        return {k.lower(): v for k, v in response.headers.items()}, response.read().decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run (default 8)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args()
    for reason in (missing(), None if shutil.which("wrk") else "wrk is not installed (apt-get install wrk)"):
        if reason:
            raise SystemExit(reason)
    run(args)


def run(args):
    """Everything this benchmark prints, with ``args`` (duration, connections, workers); also run by cold_pages.py."""
    outer_tmp = os.environ.get("BENCH_TMP")
    with tempfile.TemporaryDirectory(prefix="editorial-edge-") as tmp:
        os.environ["BENCH_TMP"] = tmp
        varnish_port = free_port()
        env = production_env(
            tmp,
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            EDITORIAL_PURGE_VARNISH_URLS=f"http://127.0.0.1:{varnish_port}",
        )
        with bench_database(env) as vendor:
            manage(env, "migrate", "--noinput")
            manage(env, "seed_demo")
            manage(env, "collectstatic", "--noinput")
            if env.get("REDIS_URL"):
                import redis

                client = redis.Redis.from_url(env["REDIS_URL"])
                for key in client.scan_iter(match="*pagecache:*"):
                    client.delete(key)
            cache = "Redis" if env.get("REDIS_URL") else "file cache"
            version = subprocess.run(["varnishd", "-V"], capture_output=True, text=True).stderr
            print(
                f"database: {vendor}; cache: {cache}; gunicorn {args.workers} workers (gthread); varnishd "
                f"{re.search(r'varnish-[0-9.]+', version).group()} "
                f"(malloc 64m); wrk -t2 -c{args.connections} -d{args.duration}s; {os.cpu_count()} cores"
            )
            run_args = {"duration": args.duration, "connections": args.connections}
            worker = subprocess.Popen(
                [PYTHON, "manage.py", "run_tasks", "--no-reload", "--interval", "1"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                with gunicorn(env, workers=args.workers, extra_args=["--log-level", "warning"]) as (origin, _):
                    with varnish(int(origin.rsplit(":", 1)[1]), port=varnish_port) as edge:
                        return measure(origin, edge, env, run_args, args)
            finally:
                worker.terminate()
                worker.wait(timeout=30)
                if outer_tmp:
                    os.environ["BENCH_TMP"] = outer_tmp


def measure(origin, edge, env, run, args):
    for base in (origin, edge.url):
        get(base + ARTICLE)
        get(base + ARTICLE)
    headers = get(edge.url + ARTICLE)[0]
    assert headers["x-cache"] == "HIT", headers
    wrk(origin, ARTICLE, duration=2, connections=args.connections)  # warm the interpreter
    from_origin = wrk(origin, ARTICLE, **run)
    before = edge.counters()
    through = wrk(edge.url, ARTICLE, **run)
    after = edge.counters()
    hits, misses = after["cache_hit"] - before["cache_hit"], after["cache_miss"] - before["cache_miss"]

    print("\nthe warm article page")
    row("origin: gunicorn, page cache", from_origin)
    row("through Varnish", through)
    print(f"\n  Varnish / origin = {through['rps'] / from_origin['rps']:.1f}x")
    print(f"  hit ratio through Varnish: {hits / max(1, hits + misses):.4f} ({hits:,} hits, {misses:,} misses)")

    output = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", APPROVE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    committed = float(output.split("COMMITTED")[1].split()[0])
    polls = 0
    while "MARKER." not in get(edge.url + ARTICLE)[1]:
        polls += 1
        time.sleep(0.01)
    seen = time.time()
    print("\nan approval, then requests through Varnish until one shows it")
    print(
        f"  {polls} stale response(s) after the approval's command returned; the new version shown "
        f"{seen - committed:.2f} s after its commit (the purge is a queued job: the worker polls every 1 s)"
    )
    headers, _ = get(edge.url + ARTICLE)
    print(f"  next request: X-Cache {headers['x-cache']}")
    return {"origin": from_origin, "varnish": through, "hit_ratio": hits / max(1, hits + misses),
            "purge_seconds": seen - committed}  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
