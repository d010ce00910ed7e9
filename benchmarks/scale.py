"""Benchmark: do the admin lists, the sitemap and search stay as cheap with 10,000 articles as with 10?

Run: .venv/bin/python benchmarks/scale.py [--repeat 20] [--scale 1.0]   (uses a throwaway test database)

Seeds the demo (about 10 articles), measures each page (queries, median time of --repeat
requests with the page cache off and the cache cleared before each), runs ``generate_dataset``
(10,000 articles, 100,000 history rows, 50,000 decisions, 20,000 questions times --scale),
measures the same pages again and prints both sides, the time ratio and whether the query
count stayed the same. Target: equal queries and a ratio of at most 2. It exits non-zero only
when a query count changed (timings on a shared CI machine are too noisy to fail a build on). The full-size article
sitemap section lists every article, so it necessarily grows; it is printed for information.
"""

import argparse
import logging
import statistics
import time
from io import StringIO

from _bootstrap import count_queries, test_database
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client

logging.getLogger("axes").setLevel(logging.WARNING)  # one line per forced login is noise here

TARGET_RATIO = 2.0


def pages():
    """Return (label, URL, held to the target) for every measured page."""
    from articles.models import Article, Specialty

    article = Article.objects.get(slug="what-are-the-causes-of-dystonia")
    neurology = Specialty.objects.get(slug="neurology")
    return [
        ("review queue", "/admin/articles/reviewqueueitem/", True),
        ("article changelist", "/admin/articles/article/", True),
        ("  filtered by status", "/admin/articles/article/?status__exact=approved", True),
        ("  filtered by specialty", f"/admin/articles/article/?specialty__id__exact={neurology.pk}", True),
        ("  search", "/admin/articles/article/?q=dystonia", True),
        ("article history page", f"/admin/articles/article/{article.pk}/history/", True),
        ("question inbox", "/admin/articles/followupquestion/", True),
        ("sitemap index", "/sitemap.xml", True),
        ("sitemap: topics", "/sitemap-topics.xml", True),
        ("sitemap: articles (grows)", "/sitemap-articles.xml", False),
        ("public search", "/?q=blood+pressure", True),
        # A word only the demo uses: the same results at both sizes, so this isolates the search
        # itself (10,000 more articles to look through) from rendering 50 results instead of 2.
        ("  same results", "/?q=botulinum", True),
    ]


def rows_shown(response):
    """How many rows (list entries, results, sitemap URLs) the page shows, or None."""
    context = response.context or {}
    if "cl" in context:
        return len(context["cl"].result_list)
    for name in ("results", "articles"):  # search results, or the home page's list
        if name in context:
            return len(context[name])
    if response["Content-Type"].startswith("application/xml"):
        return response.content.count(b"<loc>")
    return None


def measure(client, url, repeat):
    """Return (queries, rows shown, median ms, best ms) of ``url``, rendered afresh every time."""
    cache.clear()
    client.get(url)  # warm up code paths and per-process caches, not data
    cache.clear()
    response, queries = count_queries(lambda: client.get(url))
    assert response.status_code == 200, (url, response.status_code)
    rows = rows_shown(response)
    timings = []
    for _ in range(repeat):
        cache.clear()
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    return queries, rows, statistics.median(timings), min(timings)


def measure_all(client, page_list, repeat):
    return {url: measure(client, url, repeat) for _, url, _ in page_list}


def measure_same_rows(client, page_list, small, repeat):
    """Measure the lists again showing as many rows as the small side did: the data grew, the page did not.

    Admin lists show ``list_per_page`` rows and the public search a page of results; history
    pages and sitemaps are judged as they are.
    """
    from django.urls import resolve

    from articles.site import views

    results = {}
    for _, url, _ in page_list:
        rows = small[url][1]
        if not rows or "/history/" in url:
            continue
        match = resolve(url.split("?")[0])
        owner, attribute = getattr(match.func, "model_admin", None), "list_per_page"
        if owner is None and match.func is views.home:
            owner, attribute = views, "SEARCH_RESULTS_PER_PAGE"
        if owner is None:
            continue
        shown = getattr(owner, attribute)
        setattr(owner, attribute, rows)
        try:
            results[url] = measure(client, url, repeat)
        finally:
            setattr(owner, attribute, shown)
    return results


def main(repeat: int, scale: float) -> bool:
    settings.EDITORIAL_PAGE_CACHE = False  # measure rendering, not the page cache
    if connection.vendor == "postgresql":
        # Its own throwaway database: a test run elsewhere on the same server keeps its own.
        connection.settings_dict["TEST"]["NAME"] = f"test_{connection.settings_dict['NAME']}_scale"
    with test_database():
        call_command("seed_demo", stdout=StringIO())
        from django.contrib.auth import get_user_model

        client = Client()
        client.force_login(get_user_model().objects.get(username="admin"))
        page_list = pages()
        small = measure_all(client, page_list, repeat)
        from articles.models import Article

        small_count = Article.objects.count()
        out = StringIO()
        call_command("generate_dataset", "--scale", str(scale), stdout=out)
        large = measure_all(client, page_list, repeat)
        same_rows = measure_same_rows(client, page_list, small, repeat)
        large_count = Article.objects.count()

    print(
        f"database: {connection.vendor}; {repeat} requests per page and side, page cache off, cache cleared before each"
    )
    print(out.getvalue().strip())
    print(
        "columns: queries, rows shown, median and best time; ratios large/small of the median and of the best"
        " (the best is the least disturbed by other processes); for lists (admin and search results), the best"
        " ratio again with the large side showing as many rows as the small one (same rows)"
    )
    small_label, large_label = f"{small_count} articles", f"{large_count:,} articles"
    header = f"{'page':27} {small_label:>27} {large_label:>29} {'median':>7} {'best':>6} {'same rows':>9}  queries"
    print(header)
    print("-" * len(header))
    queries_ok = time_ok = True
    for label, url, held in page_list:
        (q1, r1, m1, b1), (q2, r2, m2, b2) = small[url], large[url]
        same = q1 == q2
        queries_ok &= same
        # Lists (admin and search results) are judged like for like: as many rows on both sides.
        ratio = same_rows[url][3] / b1 if url in same_rows else b2 / b1
        rows_ratio = f"{same_rows[url][3] / b1:8.2f}x" if url in same_rows else f"{'':9}"
        within = ratio <= TARGET_RATIO
        if held:
            time_ok &= within
        note = "" if not held or within else "  > 2x"
        rows1, rows2 = ("-" if r is None else str(r) for r in (r1, r2))
        print(
            f"{label:27} {q1:2}q {rows1:>5}r {m1:6.1f} {b1:6.1f} ms"
            f" {q2:3}q {rows2:>6}r {m2:6.1f} {b2:6.1f} ms {m2 / m1:6.2f}x {b2 / b1:5.2f}x {rows_ratio}"
            f"  {'same' if same else 'CHANGED'}{note}"
        )
    print(f"queries: {'the same on every page' if queries_ok else 'CHANGED on some page'}")
    print(
        f"time: best-of-{repeat} within {TARGET_RATIO:.0f}x (lists: same rows) "
        + ("on every page held to it" if time_ok else "missed where marked > 2x")
    )
    return queries_ok


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="requests per page and side (default 20)")
    parser.add_argument("--scale", type=float, default=1.0, help="generate_dataset --scale (default 1: full size)")
    arguments = parser.parse_args()
    raise SystemExit(0 if main(arguments.repeat, arguments.scale) else 1)
