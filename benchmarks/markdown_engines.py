"""Would markdown-it-py render our articles faster, and the same? The measurement behind the README's answer.

Run: ``.venv/bin/python benchmarks/markdown_engines.py [--scale 0.05]`` (markdown-it-py is a
dev requirement). In a throwaway SQLite database: the demo, plus a generated dataset at
``--scale``; for every approved version's summary and body in each audience, it times
 - ours: ``render_revision`` (Python-Markdown with the citation, table and heading extensions,
   the render budget and limits, nh3 sanitising: what approval stores);
 - Python-Markdown alone with the same extensions' stock parts (tables, sane lists, toc), sanitised;
 - markdown-it-py (CommonMark, tables on), sanitised the same way;
and counts the texts whose sanitised HTML is the same from both parsers (whitespace aside).
"""

import argparse
import json
import os
import sys
import tempfile

from _server import manage

MEASURE = r"""
import json, re, statistics, time
import markdown
from markdown_it import MarkdownIt
from articles.content.rendering import sanitize
from articles.content.versions import render_revision
from articles.models import Revision
from articles.models.rendered import audiences_of

def norm(html):
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()

texts, ours = [], []
for revision in Revision.objects.filter(approved_at__isnull=False):
    for audience in audiences_of(revision):
        start = time.perf_counter()
        render_revision(revision, audience)
        ours.append(time.perf_counter() - start)
        if audience == "professional":
            texts += [revision.professional_summary, revision.professional_body]
        else:
            texts += [revision.summary, revision.body]
md = markdown.Markdown(extensions=["sane_lists", "tables", "toc"], output_format="html")
mdit = MarkdownIt("commonmark").enable("table")
python_markdown, markdown_it, same = [], [], 0
for text in texts:
    start = time.perf_counter()
    a = sanitize(md.reset().convert(text))
    python_markdown.append(time.perf_counter() - start)
    start = time.perf_counter()
    b = sanitize(mdit.render(text))
    markdown_it.append(time.perf_counter() - start)
    same += norm(re.sub(r' id="[^"]*"', "", a)) == norm(b)
print(json.dumps({"versions": len(ours), "texts": len(texts), "same": same,
                  "ours": [sum(ours), statistics.median(ours)],
                  "python_markdown": [sum(python_markdown), statistics.median(python_markdown)],
                  "markdown_it": [sum(markdown_it), statistics.median(markdown_it)]}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="0.05", help="generate_dataset --scale (default 0.05: 500 articles)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="editorial-markdown-") as tmp:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "editorial.settings", "DJANGO_DEBUG": "0",
               "DJANGO_SECRET_KEY": "x" * 50, "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
               "EDITORIAL_CACHE_DIR": f"{tmp}/cache", "DJANGO_LOG_LEVEL": "ERROR"}  # fmt: skip
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        for label, extra in [("demo", None), (f"demo + dataset at scale {args.scale}", args.scale)]:
            if extra:
                manage(env, "generate_dataset", "--scale", extra, "--seed", "19")
            out = manage(env, "shell", "-c", MEASURE).strip().splitlines()[-1]
            r = json.loads(out)
            print(f"{label}: {r['versions']:,} approved version-audiences, {r['texts']:,} texts (summaries and bodies)")
            for name, key in [("ours (render_revision: full pipeline)", "ours"),
                              ("Python-Markdown + nh3", "python_markdown"),
                              ("markdown-it-py + nh3", "markdown_it")]:  # fmt: skip
                total, median = r[key]
                print(f"  {name:40} total {total:8.2f} s   median {median * 1000:7.3f} ms")
            print(f"  same sanitised HTML from both parsers: {r['same']:,} of {r['texts']:,} texts")


if __name__ == "__main__":
    sys.exit(main())
