"""Benchmark: every page fast, not only the cached ones, beside a Wagtail peer page of the same text.

Run: ``.venv/bin/python benchmarks/cold_pages.py [--rounds 10] [--duration 8] [--workers 2]``
(``--no-crawl`` skips the crawl, ``--no-edge`` the run through Varnish, ``--crawl-only`` runs
only the crawl). SQLite by default; with ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` that
stack, Wagtail's peer on the same database server. Everything below runs in one run, ours and
the peer's measurements interleaved, and ends with a summary table of every figure:

1. In-process (Django's test client, whole middleware stack, no network), median ms of the demo
   article page: ours with every cache emptied before each request ("cold"), ours with the
   fragment caches warm and the page cache off, against Wagtail's page (Wagtail has no page
   cache: every request is its uncached page; its caches are emptied too for the cold figure).
2. Over HTTP, gunicorn (same workers and threads for both) driven by ``wrk``: ours with the page
   cache off (fragments warm) against Wagtail, then ours warm (page cache), ours answered 304
   (If-None-Match), and the site's CSS through whitenoise.
3. Through Varnish: ``benchmarks/edge.py`` (the warm page from the origin and through a real
   Varnish in front of it, the hit ratio, an approval's purge); skipped, saying why, without
   ``varnish``, ``varnish-modules`` or ``wrk``.
4. The crawl: the 10,000-article dataset (``generate_dataset``; the SQLite file is kept in
   var/bench/, and on PostgreSQL the database DATABASE_URL names is the crawl's, kept between runs), a crawler
   requesting every public article once in both audiences, in random order, page cache empty
   at start; req/s, p50, p99 (target p99 < 100 ms).

Wagtail (benchmarks/wagtail_peer/requirements.txt, pinned) lives in its own virtualenv,
var/bench/wagtail-venv, made here if missing; never in the app's .venv. Its site
(benchmarks/wagtail_peer) has one page model (title, intro, rich-text body) seeded from our
demo article's text.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import edge
from _server import PYTHON, ROOT, free_port, gunicorn, manage, production_env, throwaway_postgres
from _varnish import missing as varnish_missing
from http_server import fetch, row, wrk

ARTICLE = "/articles/what-are-the-causes-of-dystonia/"
PEER = ROOT / "benchmarks" / "wagtail_peer"
PEER_VENV = ROOT / "var" / "bench" / "wagtail-venv"
PEER_PYTHON = PEER_VENV / "bin" / "python"
CRAWL_ARTICLES = 10_000
EXPORT = """
import json
from articles.models import Article
from articles.models.rendered import reader_text
article = Article.objects.get(slug="what-are-the-causes-of-dystonia")
text = reader_text(article.published_revision)
print(json.dumps({"title": article.published_revision.title, "slug": article.slug, "intro": text.rendered.summary_html,
                  "body": text.rendered.body_html + text.references_html, "description": text.plain_summary}))
"""
CRAWL_URLS = """
import json
from articles.models import Article
print(json.dumps(list(Article.objects.public().values_list("slug", flat=True))))
"""


def peer_venv() -> None:
    """Make var/bench/wagtail-venv with the pinned Wagtail, unless it is there already."""
    requirements = PEER / "requirements.txt"
    stamp = PEER_VENV / "requirements.txt"
    if stamp.exists() and stamp.read_text() == requirements.read_text():
        return
    print("==> making var/bench/wagtail-venv (Wagtail peer, pinned)", flush=True)
    subprocess.run([PYTHON, "-m", "venv", "--clear", str(PEER_VENV)], check=True)
    subprocess.run([str(PEER_PYTHON), "-m", "pip", "install", "-q", "-r", str(requirements)], check=True)
    shutil.copy(requirements, stamp)


def peer_manage(env, *args):
    code = (
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', *sys.argv[1:]])"
    )
    subprocess.run([str(PEER_PYTHON), "-c", code, *args], cwd=PEER, env=env, check=True,
                   capture_output=True, text=True)  # fmt: skip


@contextmanager
def databases(env, peer_env):
    """Throwaway databases for ours and the peer: SQLite files, or fresh PostgreSQL databases."""
    url = os.environ.get("DATABASE_URL", "")
    tmp = env["BENCH_TMP"]
    with ExitStack() as stack:
        if url.startswith(("postgres://", "postgresql://")):
            env["DATABASE_URL"] = stack.enter_context(throwaway_postgres(url, "cold"))
            peer_env["DATABASE_URL"] = stack.enter_context(throwaway_postgres(url, "wagtail"))
            vendor = "postgresql"
        else:
            env["DATABASE_URL"] = f"sqlite:///{tmp}/ours.sqlite3"
            peer_env["DATABASE_URL"] = f"sqlite:///{tmp}/wagtail.sqlite3"
            vendor = "sqlite"
        yield vendor


def flush_redis(env) -> None:
    """Empty the Redis database of REDIS_URL (the benchmark's own: pages of an earlier run would be served)."""
    if env.get("REDIS_URL"):
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()


class Timer:
    """A long-running ``_inprocess.py`` under one virtualenv, asked for batches of timings."""

    def __init__(self, python, cwd, env, path):
        script = str(ROOT / "benchmarks" / "_inprocess.py")
        self.process = subprocess.Popen([str(python), script, path, "127.0.0.1"], cwd=cwd, env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
        self.bytes = json.loads(self.process.stdout.readline())["bytes"]

    def batch(self, mode, count):
        self.process.stdin.write(f"{mode} {count}\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


def in_process(env, peer_env, rounds, per_batch=10):
    ours = Timer(PYTHON, ROOT, {**env, "EDITORIAL_PAGE_CACHE": "0"}, ARTICLE)
    peer = Timer(PEER_PYTHON, PEER, peer_env, "/" + json.loads(env["PEER_ARTICLE"])["slug"] + "/")
    samples = {"ours cold": [], "peer cold": [], "ours fragments warm": [], "peer warm": []}
    for _ in range(rounds):  # interleaved: both see the same moments of a shared machine
        samples["ours cold"] += ours.batch("cold", per_batch)
        samples["peer cold"] += peer.batch("cold", per_batch)
        samples["ours fragments warm"] += ours.batch("warm", per_batch)
        samples["peer warm"] += peer.batch("warm", per_batch)
    ours.close()
    peer.close()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"\nin-process, median of {rounds * per_batch} requests each, interleaved "
          f"(ours {ours.bytes:,} bytes, Wagtail {peer.bytes:,} bytes)")  # fmt: skip
    print(f"  {'':44} {'ours':>9} {'Wagtail':>9} {'ours/Wagtail':>13}")
    for label, mine, theirs in [
        ("every cache empty (cold)", "ours cold", "peer cold"),
        ("fragments warm, page cache off", "ours fragments warm", "peer warm"),
    ]:
        ratio = medians[mine] / medians[theirs]
        print(f"  {label:44} {medians[mine]:7.2f}ms {medians[theirs]:7.2f}ms {ratio:12.2f}x  (target <= 1)")
    return medians


@contextmanager
def peer_gunicorn(env, workers):
    port = free_port()
    process = subprocess.Popen(
        [str(PEER_VENV / "bin" / "gunicorn"), "-w", str(workers), "-k", "gthread", "--threads", "4",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi"],
        cwd=PEER, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                fetch(base, "/")
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("the Wagtail peer's gunicorn did not start")
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def cpu_seconds(master) -> float:
    """CPU time (user + system) used so far by a gunicorn master's workers: per request, a figure
    that other jobs on a shared machine move far less than req/s (Linux /proc; 0 elsewhere)."""
    total, ticks = 0.0, os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    except OSError:
        return 0.0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def measured(master, run):
    """Run ``run()`` (a wrk run); return its result with the workers' CPU ms per request added."""
    before = cpu_seconds(master)
    result = run()
    result["cpu_ms"] = (cpu_seconds(master) - before) * 1000 / max(1, result["requests"])
    return result


def over_http(env, peer_env, args):
    run = {"duration": args.duration, "connections": args.connections}
    peer_path = "/" + json.loads(env["PEER_ARTICLE"])["slug"] + "/"
    off = {**env, "EDITORIAL_PAGE_CACHE": "0"}
    with gunicorn(off, workers=args.workers, extra_args=["--log-level", "warning"]) as (base, ours_master):
        with peer_gunicorn(peer_env, args.workers) as (peer_base, peer_master):
            assert fetch(peer_base, peer_path)[0] == 200, "the Wagtail peer page does not answer"
            wrk(base, ARTICLE, duration=2, connections=args.connections)  # warm the interpreters
            wrk(peer_base, peer_path, duration=2, connections=args.connections)
            fragments, peer = [], []
            for _ in range(2):  # interleaved
                fragments.append(measured(ours_master, lambda: wrk(base, ARTICLE, **run)))
                peer.append(measured(peer_master, lambda: wrk(peer_base, peer_path, **run)))
    flush_redis(env)
    with gunicorn({**env, "EDITORIAL_PAGE_CACHE": "1"}, workers=args.workers,
                  extra_args=["--log-level", "warning"]) as (base, _):  # fmt: skip
        fetch(base, ARTICLE)
        status, headers, _ = fetch(base, ARTICLE)
        assert headers.get("X-Page-Cache") == "hit", headers
        etag = headers["ETag"]
        html = fetch(base, "/")[2].decode()
        css = html.split('rel="stylesheet" href="')[1].split('"')[0]
        wrk(base, ARTICLE, duration=2, connections=args.connections)
        warm = wrk(base, ARTICLE, **run)
        not_modified = wrk(base, ARTICLE, headers=[f"If-None-Match: {etag}"], **run)
        static = wrk(base, css, **run)
    best = max(fragments, key=lambda r: r["rps"])
    peer_best = max(peer, key=lambda r: r["rps"])
    print(f"\nover HTTP: gunicorn {args.workers} workers x 4 threads (gthread) each; wrk -t2 -c{args.connections} "
          f"-d{args.duration}s; best of 2 interleaved runs for the first two")  # fmt: skip
    row("Wagtail peer page (no page cache)", peer_best)
    row("ours, page cache off, fragments warm", best)
    row("ours, warm (page cache)", warm)
    row("ours, conditional GET -> 304", not_modified)
    row("CSS via whitenoise", static)
    print(f"  ours fragments-warm / Wagtail = {best['rps'] / peer_best['rps']:.2f}x   (target >= 2);  workers' CPU "
          f"per request: ours {best['cpu_ms']:.2f} ms, Wagtail {peer_best['cpu_ms']:.2f} ms "
          f"({best['cpu_ms'] / peer_best['cpu_ms']:.2f}x)")  # fmt: skip
    print(f"  ours warm / Wagtail = {warm['rps'] / peer_best['rps']:.1f}x;  ours warm / CSS = "
          f"{warm['rps'] / static['rps']:.2f}x")  # fmt: skip
    return {"peer": peer_best, "fragments": best, "warm": warm, "304": not_modified, "css": static}


def demo_and_peer(env, args):
    peer_venv()
    peer_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings", "DJANGO_SECRET_KEY": env["DJANGO_SECRET_KEY"]}
    peer_env.pop("REDIS_URL", None)
    with databases(env, peer_env) as vendor:
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        manage(env, "collectstatic", "--noinput")
        env["PEER_ARTICLE"] = manage(env, "shell", "-c", EXPORT).strip().splitlines()[-1]
        article_file = Path(env["BENCH_TMP"]) / "article.json"
        article_file.write_text(env["PEER_ARTICLE"])
        peer_manage(peer_env, "migrate", "--noinput")
        subprocess.run([str(PEER_PYTHON), "seed.py", str(article_file)], cwd=PEER, env=peer_env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        cache = "Redis" if env.get("REDIS_URL") else "file cache"
        print(f"database: {vendor}; cache: {cache}; Wagtail {peer_version()} on the same database server "
              f"(local-memory cache); {os.cpu_count()} cores")  # fmt: skip
        return in_process(env, peer_env, args.rounds), over_http(env, peer_env, args)


def peer_version() -> str:
    code = "import wagtail; print(wagtail.__version__)"
    return subprocess.run([str(PEER_PYTHON), "-c", code], capture_output=True, text=True, check=True).stdout.strip()


# --- The crawl ------------------------------------------------------------------------------


@contextmanager
def crawl_database(env):
    """The 10,000-article dataset, generated once and kept (generation takes minutes)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"] = url  # the database it names is the crawl's: kept between runs
        vendor, ready = "postgresql", None
    else:
        path = ROOT / "var" / "bench" / f"crawl-{CRAWL_ARTICLES}.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{path}"
        vendor, ready = "sqlite", path
    if vendor == "postgresql":
        _ensure_postgres(env["DATABASE_URL"])
        manage(env, "migrate", "--noinput")  # a database just created has no tables to count yet
    count = manage(env, "shell", "-c", _COUNT).strip().splitlines()[-1] if (ready is None or ready.exists()) else ""
    if not count.strip().isdigit() or int(count) < CRAWL_ARTICLES:
        started = time.perf_counter()
        if ready is not None:
            ready.unlink(missing_ok=True)
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        print(manage(env, "generate_dataset").strip())
        print(f"  dataset built in {time.perf_counter() - started:.0f} s (kept for later runs)")
    manage(env, "migrate", "--noinput")
    started = time.perf_counter()
    print("  " + manage(env, "rerender_versions").strip() + f" ({time.perf_counter() - started:.1f} s)")
    yield vendor


_COUNT = "from articles.models import Article; print(Article.objects.count())"


def _ensure_postgres(url):
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        name = parts.path.lstrip("/")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def crawl(env, args):
    import http.client
    from urllib.parse import urlsplit

    with crawl_database(env) as vendor:
        slugs = json.loads(manage(env, "shell", "-c", CRAWL_URLS).strip().splitlines()[-1])
        paths = [f"/articles/{slug}/{suffix}" for slug in slugs for suffix in ("", "professional/")]
        random.Random(19).shuffle(paths)
        flush_redis(env)
        with gunicorn({**env, "EDITORIAL_PAGE_CACHE": "1"}, workers=args.workers,
                      extra_args=["--log-level", "warning"]) as (base, master):  # fmt: skip
            host, port = urlsplit(base).hostname, urlsplit(base).port
            queue, timings, statuses, lock = iter(paths), [], {}, threading.Lock()

            def client():
                conn = http.client.HTTPConnection(host, port, timeout=30)
                for path in queue:
                    start = time.perf_counter()
                    conn.request("GET", path)
                    response = conn.getresponse()
                    response.read()
                    elapsed = (time.perf_counter() - start) * 1000
                    with lock:
                        timings.append(elapsed)
                        statuses[response.status] = statuses.get(response.status, 0) + 1
                conn.close()

            started, cpu, load = time.perf_counter(), cpu_seconds(master), os.getloadavg()[0]
            threads = [threading.Thread(target=client) for _ in range(args.crawlers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            cpu_ms = (cpu_seconds(master) - cpu) * 1000 / len(paths)
            load = (load, os.getloadavg()[0])
    timings.sort()
    p50, p99 = timings[len(timings) // 2], timings[int(len(timings) * 0.99) - 1]
    cache = "Redis" if env.get("REDIS_URL") else "file cache"
    print(f"\ncrawl ({vendor}, {cache}): {len(slugs):,} public articles x 2 audiences = {len(paths):,} requests, "
          f"random order, {args.crawlers} connections, page cache empty at start")  # fmt: skip
    print(f"  {len(paths) / elapsed:,.0f} req/s   p50 {p50:.1f} ms   p99 {p99:.1f} ms   max {timings[-1]:.1f} ms   "
          f"statuses {dict(sorted(statuses.items()))}   (target p99 < 100 ms)")  # fmt: skip
    print(f"  workers' CPU per request {cpu_ms:.1f} ms; load average {load[0]:.1f} at the start, "
          f"{load[1]:.1f} at the end ({os.cpu_count()} cores)")  # fmt: skip
    return {"requests": len(paths), "rps": len(paths) / elapsed, "p50": p50, "p99": p99, "cpu_ms": cpu_ms, "load": load}


def through_varnish(args):
    """benchmarks/edge.py: the warm page from the origin and through a real Varnish, and an approval's purge."""
    reason = varnish_missing()
    if reason:
        print(f"\nthrough Varnish: skipped ({reason})")
        return None
    print("\n" + "-" * 20 + " through Varnish (benchmarks/edge.py)")
    return edge.run(args)


def summary(vendor, medians, http, varnish, crawled):
    """One table of every figure above, each beside the Wagtail peer's from the same run where it has one."""
    cache = "Redis" if os.environ.get("REDIS_URL") else "file cache"
    print(
        "\n"
        + "=" * 20
        + f" summary ({vendor}, {cache}; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    print(f"  {'':48} {'ours':>22} {'Wagtail':>12} {'ratio':>9}")
    if medians:
        for label, mine, theirs, target in [
            ("in-process, every cache empty (cold)", "ours cold", "peer cold", "target <= 1x"),
            ("in-process, fragments warm, page cache off", "ours fragments warm", "peer warm", "target < 1x"),
        ]:
            ratio = medians[mine] / medians[theirs]
            print(f"  {label:48} {medians[mine]:19.2f} ms {medians[theirs]:9.2f} ms {ratio:8.2f}x  ({target})")
    if http:
        peer = http["peer"]["rps"]
        for label, key in [
            ("HTTP, page cache off, fragments warm", "fragments"),
            ("HTTP, warm (page cache)", "warm"),
            ("HTTP, conditional GET -> 304", "304"),
        ]:
            rps = http[key]["rps"]
            note = "  (target >= 2x)" if key == "fragments" else ""
            if key == "fragments":
                note += f"; CPU/request {http[key]['cpu_ms']:.2f} vs {http['peer']['cpu_ms']:.2f} ms"
            print(f"  {label:48} {rps:15,.0f} req/s {peer:9,.0f} r/s {rps / peer:8.2f}x{note}")
        print(f"  {'HTTP, CSS via whitenoise':48} {http['css']['rps']:15,.0f} req/s")
    if varnish:
        origin, edge_rps = varnish["origin"]["rps"], varnish["varnish"]["rps"]
        print(f"  {'HTTP, warm, through Varnish (origin ' + f'{origin:,.0f} req/s)':48} {edge_rps:15,.0f} req/s "
              f"{'':12} {edge_rps / origin:8.1f}x origin; hit ratio {varnish['hit_ratio']:.4f}; "
              f"purge seen {varnish['purge_seconds']:.2f} s after the commit")  # fmt: skip
    if crawled:
        print(f"  {'crawl, ' + format(crawled['requests'], ',') + ' requests':48} {crawled['rps']:15,.0f} req/s "
              f"  p50 {crawled['p50']:.1f} ms, p99 {crawled['p99']:.1f} ms (target p99 < 100 ms); CPU/request "
              f"{crawled['cpu_ms']:.1f} ms; load {crawled['load'][0]:.1f} to {crawled['load'][1]:.1f}")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10, help="in-process rounds of 10 requests each (default 10)")
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run (default 8)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, ours and Wagtail's (default 2)")
    parser.add_argument("--crawlers", type=int, default=4, help="the crawler's concurrent connections (default 4)")
    parser.add_argument("--no-crawl", action="store_true", help="skip the crawl")
    parser.add_argument("--no-edge", action="store_true", help="skip the run through Varnish")
    parser.add_argument("--crawl-only", action="store_true", help="run only the crawl")
    args = parser.parse_args()
    if not shutil.which("wrk") and not args.crawl_only:
        raise SystemExit("wrk is not installed: apt-get install wrk (./scripts/bench does it for you)")
    vendor = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    medians = http = varnish = crawled = None
    with tempfile.TemporaryDirectory(prefix="editorial-cold-") as tmp:
        os.environ["BENCH_TMP"] = tmp
        env = production_env(tmp)
        if not args.crawl_only:
            medians, http = demo_and_peer(dict(env), args)
            if not args.no_edge:
                varnish = through_varnish(args)
        if not args.no_crawl:
            print("\n" + "-" * 20 + " the crawl")
            crawled = crawl(dict(env), args)
    summary(vendor, medians, http, varnish, crawled)


if __name__ == "__main__":
    main()
