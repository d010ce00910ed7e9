"""Benchmark the production server: gunicorn on loopback, driven by wrk.

Run from a fresh clone with ``./scripts/bench`` (installs what it needs), or directly:
``.venv/bin/python benchmarks/http_server.py [--duration 8] [--connections 16]``.
With ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` set it measures that stack; otherwise
SQLite with the file cache. It builds a throwaway demo database, starts
``editorial/gunicorn.conf.py`` on a free loopback port and prints req/s, p50 and p99 for:

  (a) the article page cold (page cache off: every request renders),
  (b) the article page warm (served from the page cache),
  (c) a conditional request for it answered 304,
  (d) the site's CSS through whitenoise,
  (e) an image rendition of a demo figure (WebP, served from the media storage),

then the ratio b/d, and each worker's resident memory after three rounds of 10,000 mixed
requests.
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from _server import gunicorn, manage, production_env, throwaway_postgres

ARTICLE = "/articles/what-are-the-causes-of-dystonia/"
FIGURE_ARTICLE = "/articles/looking-after-your-feet-with-diabetes/"
MIXED_PATHS = [
    ARTICLE,
    ARTICLE + "professional/",
    "/",
    "/board/",
    "/editorial-policy/",
    "/feeds/articles/",
    "/sitemap.xml",
    "/articles/how-is-high-blood-pressure-treated-in-adults/",
    "/?q=blood+pressure",  # a search: never cached, rendered every time
    "/articles/no-such-article/",  # 404
]

# wrk prints its own report; this adds one machine-readable line.
REPORT_LUA = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status, errors))
end
"""


@contextmanager
def bench_database(env):
    """A throwaway database: a temporary SQLite file, or a fresh PostgreSQL database."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        with throwaway_postgres(url, "bench") as env["DATABASE_URL"]:
            yield "postgresql"
    else:
        env["DATABASE_URL"] = f"sqlite:///{env['BENCH_TMP']}/bench.sqlite3"
        yield "sqlite"


@contextmanager
def server(env, *, page_cache: bool, workers: int):
    server_env = {**env, "EDITORIAL_PAGE_CACHE": "1" if page_cache else "0"}
    with gunicorn(server_env, workers=workers, extra_args=["--log-level", "warning"]) as running:
        yield running


def wrk(base, path, *, duration, connections, headers=(), script=REPORT_LUA, threads=2):
    script_path = Path(os.environ["BENCH_TMP"]) / f"wrk-{secrets.token_hex(4)}.lua"
    script_path.write_text(script)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "-s", str(script_path)]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run([*command, base + path], capture_output=True, text=True, check=True).stdout
    match = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", output)
    if not match:
        return None
    requests, duration_us, p50, p99, status_errors, socket_errors = map(int, match.groups())
    return {
        "rps": requests / (duration_us / 1e6),
        "p50": p50 / 1000,
        "p99": p99 / 1000,
        "requests": requests,
        "errors": status_errors + socket_errors,
    }


def fetch(base, path, headers=None):
    request = urllib.request.Request(base + path, headers=headers or {})  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""


def row(label, result):
    print(
        f"  {label:44} {result['rps']:9,.0f} req/s   p50 {result['p50']:7.2f} ms   p99 {result['p99']:7.2f} ms"
        f"   ({result['requests']:,} requests, {result['errors']} errors)"
    )


def mixed_requests(base, count, connections=8) -> Counter:
    """Send exactly ``count`` GETs round-robin over MIXED_PATHS on keep-alive connections."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    statuses, lock = Counter(), threading.Lock()
    paths = iter(range(count))

    def client():
        conn = http.client.HTTPConnection(host, port, timeout=30)
        for n in paths:
            conn.request("GET", MIXED_PATHS[n % len(MIXED_PATHS)])
            response = conn.getresponse()
            response.read()
            with lock:
                statuses[response.status] += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def worker_rss(master_pid) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) // 1024)
    return sizes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run (default 8)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="memory rounds (default 3)")
    parser.add_argument("--round-requests", type=int, default=10_000, help="requests per memory round")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (./scripts/bench does it for you)")

    with tempfile.TemporaryDirectory(prefix="editorial-bench-") as tmp:
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

            with server(env, page_cache=False, workers=args.workers) as (base, _):
                status, headers, body = fetch(base, ARTICLE)
                assert status == 200 and "dystonia" in body.decode().lower(), status
                wrk(base, ARTICLE, duration=2, connections=args.connections)  # warm the interpreter
                cold = wrk(base, ARTICLE, **run)

            if env.get("REDIS_URL"):
                import redis

                # Pages from an earlier run of the same demo would otherwise be served: drop them.
                client = redis.Redis.from_url(env["REDIS_URL"])
                for key in client.scan_iter(match="*pagecache:*"):
                    client.delete(key)
            with server(env, page_cache=True, workers=args.workers) as (base, process):
                fetch(base, ARTICLE)
                status, headers, body = fetch(base, ARTICLE)
                assert headers.get("X-Page-Cache") == "hit", headers
                etag = headers["ETag"]
                assert fetch(base, ARTICLE, {"If-None-Match": etag})[0] == 304
                html = fetch(base, "/")[2].decode()
                css = re.search(r'href="(/static/articles/site\.[0-9a-f]+\.css)"', html).group(1)
                status, css_headers, _ = fetch(base, css)
                assert status == 200, css
                figure_page = fetch(base, FIGURE_ARTICLE)[2].decode()
                image = re.search(r'srcset="(/media/images/[^ "]+\.webp) ', figure_page).group(1)
                status, image_headers, _ = fetch(base, image)
                assert status == 200, image

                wrk(base, ARTICLE, duration=2, connections=args.connections)
                warm = wrk(base, ARTICLE, **run)
                not_modified = wrk(base, ARTICLE, headers=[f"If-None-Match: {etag}"], **run)
                static = wrk(base, css, **run)
                rendition = wrk(base, image, **run)

                print("\nthroughput and latency")
                row("(a) article page, cold (no page cache)", cold)
                row("(b) article page, warm (page cache)", warm)
                row("(c) article page, conditional GET -> 304", not_modified)
                row(f"(d) CSS via whitenoise ({css_headers.get('Cache-Control')})", static)
                row(f"(e) image rendition, WebP ({image_headers.get('Cache-Control')})", rendition)
                print(f"\n  b/d = {warm['rps'] / static['rps']:.2f}   (target >= 0.6)")
                print(f"  b/a = {warm['rps'] / cold['rps']:.1f}x faster than rendering every request")

                print(f"\nworker memory across {args.rounds} rounds of {args.round_requests:,} mixed requests")
                print(f"  paths: {', '.join(MIXED_PATHS)}")
                print(f"  before: {worker_rss(process.pid)} MiB RSS per worker")
                for round_number in range(1, args.rounds + 1):
                    started = time.perf_counter()
                    statuses = mixed_requests(base, args.round_requests)
                    elapsed = time.perf_counter() - started
                    print(
                        f"  round {round_number}: {worker_rss(process.pid)} MiB RSS per worker "
                        f"({sum(statuses.values()):,} requests in {elapsed:.1f} s; "
                        f"{', '.join(f'{n:,} x {s}' for s, n in sorted(statuses.items()))})"
                    )


if __name__ == "__main__":
    main()
