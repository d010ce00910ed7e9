"""Benchmark: how long Markdown floods take to be refused and shown, and real articles to render.

Run: .venv/bin/python benchmarks/markdown_floods.py [--repeat 3] [--size 100000] [--mixes 100]

Floods of every construct of tests/test_render_budget.py (``FLOOD_UNITS``), one to a line and
one to a blank-line-separated block, at the length cap, random mixes of them (seeded) and the
floods the issue reported. Each is timed three ways, in process: "refuse", the form's check
(``markdown_problems``, nothing remembered); "show", a page rendering it stored (``render`` and
``plain_text``, nothing remembered); "again", the same page once the verdict is remembered. Then a realistic
100,000-character article and the demo articles (which must render in full), four floods
rendered at once in threads (as four requests in one worker), and the worst flood of all.
Times are CPU time in the rendering thread (wall time on a busy machine says more about the
machine), except for the four floods at once, whose wall time is what four requests would wait.
The suite asserts steps (tests/test_render_budget.py); this measures time.
"""

import argparse
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import _bootstrap  # noqa: F401  (Django settings)

from articles.content.budget import VERDICTS
from articles.content.rendering import MAX_MARKDOWN_CHARS, markdown_problems, plain_text, render
from articles.interchange.format import parse
from tests.test_render_budget import FLOOD_UNITS, REFERENCES, REPORTED_FLOODS, SEPARATORS, _realistic_article, flood

TARGET_SECONDS = 1.0
ROOT = Path(__file__).resolve().parent.parent


def forget():
    VERDICTS.clear()
    plain_text.cache_clear()


def timed(func):
    """Run ``func``: its CPU time in this thread (what it costs, however busy the machine), and its result."""
    start = time.thread_time()
    result = func()
    return time.thread_time() - start, result


def show(text):
    """What a page does with stored text: the article (summary and body) and its plain summary."""
    rendered = render(text, text, REFERENCES)
    plain_text(text)
    return rendered


def measure(text, repeat):
    refuse, shown, again, problems = [], [], [], []
    for _ in range(repeat):
        forget()
        seconds, problems = timed(lambda: markdown_problems(text))
        refuse.append(seconds)
        forget()
        shown.append(timed(lambda: show(text))[0])
        again.append(timed(lambda: show(text))[0])
    return {"refuse": refuse, "show": shown, "again": again, "refused": bool(problems), "problems": problems}


def main(repeat: int, size: int, mixes: int) -> bool:
    floods = dict(REPORTED_FLOODS)
    for name in FLOOD_UNITS:
        floods[f"{name}, one a line"] = flood([name], "\n", size)
        floods[f"{name}, blank lines between"] = flood([name], "\n\n", size)
    rng = random.Random(17)  # mixes as the property test draws them, the same ones every run
    for _ in range(mixes):
        names = rng.sample(sorted(FLOOD_UNITS), rng.randint(2, 4))
        separator, word = rng.choice(SEPARATORS), rng.choice(["a", "two words", "a longer line of several words"])
        floods[f"mix of {' + '.join(names)}, {separator.count(chr(10))} newlines, “{word}”"] = flood(
            names, separator, size, word, rng.randint(1, 999)
        )
    results = {}
    for name, text in floods.items():
        results[name] = measure(text, repeat)
        result = results[name]
        print(
            f"{name[:55]:>55}: {len(text):>7,} chars, {'refused' if result['refused'] else 'rendered'}: "
            f"refuse {max(result['refuse']) * 1000:5.0f} ms, show {max(result['show']) * 1000:5.0f} ms, "
            f"again {max(result['again']) * 1000:5.0f} ms",
            flush=True,
        )
    print()
    ok = True
    articles = {"realistic article, 100,000 characters": _realistic_article()}
    articles["realistic article, no blank lines"] = articles["realistic article, 100,000 characters"].replace(
        "\n\n", "\n"
    )
    for path in sorted((ROOT / "articles" / "demo" / "articles").glob("*.md")):
        article = parse(path.read_bytes(), max_bytes=1_000_000)
        articles[f"demo {path.stem[:40]}"] = article.body
    for name, text in articles.items():
        result = measure(text, repeat)
        ok &= not result["refused"]
        print(
            f"{name:>55}: {len(text):>7,} chars, {'REFUSED' if result['refused'] else 'rendered'}: "
            f"check {statistics.median(result['refuse']) * 1000:5.0f} ms, "
            f"show {statistics.median(result['show']) * 1000:5.0f} ms (median)"
        )
    print()
    together = list(REPORTED_FLOODS.values()) + [flood(["paragraph"], "\n\n", size)]
    forget()
    seconds = [0.0] * len(together)

    def request(i):
        start = time.perf_counter()
        show(together[i])
        seconds[i] = time.perf_counter() - start

    threads = [threading.Thread(target=request, args=(i,)) for i in range(len(together))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{len(together)} floods shown at once, in threads (wall): " + ", ".join(f"{s:.2f} s" for s in seconds))
    ok &= max(seconds) < len(together) * TARGET_SECONDS
    refused = sum(result["refused"] for result in results.values())
    print(f"{len(results)} floods: {refused} refused, {len(results) - refused} rendered in full")
    for what in ("refuse", "show", "again"):
        name, result = max(results.items(), key=lambda item: max(item[1][what]))
        print(f"  slowest to {what}: {name} ({max(result[what]):.2f} s)")
    worst_name, worst = max(results.items(), key=lambda item: max(item[1]["show"] + item[1]["refuse"]))
    worst_seconds = max(worst["show"] + worst["refuse"])
    ok &= worst_seconds < TARGET_SECONDS
    print(f"worst flood: {worst_name} ({'refused' if worst['refused'] else 'rendered'}): {worst_seconds:.2f} s")
    if worst["problems"]:
        print(f"  its form error: {worst['problems'][0]}")
    print(f"target: every flood refused or shown in under {TARGET_SECONDS:.0f} s: {'met' if ok else 'MISSED'}")
    return ok


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size", type=int, default=MAX_MARKDOWN_CHARS)
    parser.add_argument("--mixes", type=int, default=100, help="random mixes of 2 to 4 constructs")
    arguments = parser.parse_args()
    sys.exit(0 if main(arguments.repeat, arguments.size, arguments.mixes) else 1)
