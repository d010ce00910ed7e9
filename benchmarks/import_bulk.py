"""Benchmark: import 1,000 generated article files (with references) into an empty database.

Run: .venv/bin/python benchmarks/import_bulk.py [--articles 1000] [--submit]
(uses a throwaway test database: SQLite, or PostgreSQL when DATABASE_URL is set).
Prints the time to read, check and write, articles per second and SQL statements per article,
then the same for importing the same files again (nothing to do).
"""

import argparse
import re
import tempfile
import time
from pathlib import Path
from random import Random

from _bootstrap import count_queries, test_database
from django.db import connection


def generate(folder: Path, count: int) -> int:
    from articles.interchange.format import ArticleFile, serialise
    from articles.management.dataset import text

    rng = Random(8)
    topics = list(text.TOPICS)
    size = 0
    for n in range(count):
        topic = topics[n % len(topics)]
        data = text.article(rng, topic)
        slug = f"{re.sub(r'[^a-z0-9]+', '-', data['title'].lower()).strip('-')[:150]}-{n}"
        article = ArticleFile(
            title=data["title"],
            slug=slug,
            topic=re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-"),
            summary=data["summary"],
            # Cite every reference, so that --submit can submit each article.
            body=data["body"] + (f"\n\nSources: [1-{len(data['references'])}]." if data["references"] else ""),
            professional_summary=data["professional_summary"],
            professional_body=data["professional_body"],
            references=data["references"],
        )
        encoded = serialise(article)
        (folder / f"{slug}.md").write_bytes(encoded)
        size += len(encoded)
    return size


def run(folder: Path, user, *, submit: bool) -> tuple:
    from articles.interchange import service
    from articles.interchange.sources import read_paths

    started = time.perf_counter()
    plan, plan_queries = count_queries(lambda: service.plan(read_paths([str(folder)]), submit=submit))
    planned = time.perf_counter()
    _, apply_queries = count_queries(lambda: service.apply(plan, user=user))
    return plan, planned - started, time.perf_counter() - planned, plan_queries, apply_queries


def main(count: int, submit: bool) -> bool:
    with test_database():
        from articles.management.dataset import text
        from articles.models import Article, Reference, Specialty
        from tests import factories

        for name in text.TOPICS:
            Specialty.objects.create(name=name, slug=re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))
        editor = factories.editor(username="bench_editor")
        print(f"database: {connection.vendor}; {count:,} articles{' (submitted)' if submit else ''}")
        with tempfile.TemporaryDirectory() as folder:
            size = generate(Path(folder), count)
            references = 0
            for label in ("first import", "same files again"):
                plan, check, write, plan_queries, apply_queries = run(Path(folder), editor, submit=submit)
                assert not plan.errors, [line for line in plan.lines() if ": error: " in line][:3]
                total = check + write
                if label == "first import":
                    references = Reference.objects.count()
                    assert Article.objects.count() == count and Article.history.count() >= count
                print(
                    f"{label:>17}: {total:.2f} s ({count / total:,.0f} articles/s; read+check {check:.2f} s, "
                    f"write {write:.2f} s), {(plan_queries + apply_queries) / count:.1f} queries per article "
                    f"({plan_queries} to check, {apply_queries} to write); {plan.summary()}"
                )
            print(
                f"{size / 1024 / 1024:.1f} MB of Markdown, {references:,} references; history: "
                f"{Article.history.count():,} article rows, {Reference.history.count():,} reference rows, "
                f"each with the importing editor and the file as the reason"
            )
    return True


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--submit", action="store_true", help="Also submit each article for review")
    arguments = parser.parse_args()
    raise SystemExit(0 if main(arguments.articles, arguments.submit) else 1)
