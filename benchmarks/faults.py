"""Load and fault runs against the production server (gunicorn on loopback); prints figures.

Run: ``./scripts/faults`` (full) or ``./scripts/faults --short`` (CI). Three runs:

1. **Concurrent admin writers on the default SQLite setup**: 10 signed-in editors save
   articles in the admin for a fixed time (each its own article, and every fifth save on one
   shared article, so real edit conflicts happen). Counts saves, conflicts refused with the
   editor's text kept, and errors (any 500 or 503 is a failure).
2. **Redis blinks**: readers load article pages and send follow-up questions while the
   cache goes down (connections refused), then hangs (accepts, never answers), then returns.
   Every page must still answer 200 and every question must be stored.
3. **A correction approved while Redis is down**: readers keep loading an article while the
   cache refuses connections and an editor's correction is approved meanwhile (the event
   cannot reach the cache). Once Redis is back and the workers' 5 s sync has passed, not one
   page may show the replaced version, and the invalidation kept in the database meanwhile
   must have been applied.
4. **The database goes down**: PostgreSQL (when ``DATABASE_URL`` points at it) disappears
   for a few seconds under load. Pages must answer 200 (cached or stale copies) or 503
   with a maintenance page, never 500; the log gets one line per failed request and no
   traceback; the time to the first fresh page after the database returns is printed.
5. **The database black hole**: PostgreSQL accepts connections and never answers (its open
   connections go silent too) for 10 s or more under load. Every request must get an answer
   (200 from the cache, or 503) within seconds, and when the database answers again every
   thread must be free: a burst of requests needing the database all answer 200.

Outages are made with a small TCP proxy on loopback in front of the real Redis and
PostgreSQL (tests/loopback_proxy.py), so the shared servers themselves are never stopped.
"""

import argparse
import os
import secrets
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from contextlib import ExitStack, contextmanager
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlsplit

from _server import ROOT, gunicorn, manage, throwaway_postgres

sys.path.insert(0, str(ROOT))
from tests.loopback_proxy import LoopbackProxy  # noqa: E402

ARTICLE = "/articles/what-are-the-causes-of-dystonia/"
EDITORS = 10
FAILED = []


# --- HTTP helpers -----------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie-keeping client that reports redirects instead of following them."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect)

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 - loopback http only
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")
        except OSError as error:
            return f"connection error ({error.__class__.__name__})", ""

    def login(self, username, password, attempts=5):
        """Sign in; a busy machine may answer 503 (bounded database waits), so try a few times."""
        for _ in range(attempts):
            status, html = self.request("/admin/login/")
            if status == 200:
                token = FormFields.parse(html)["csrfmiddlewaretoken"]
                status, _ = self.request(
                    "/admin/login/?next=/admin/",
                    {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"},
                )
                if status == 302:
                    return
            time.sleep(1)
        raise AssertionError(f"login {username}: {status} after {attempts} attempts")


class FormFields(HTMLParser):
    """The fields a browser would post from a page's main form."""

    def __init__(self):
        super().__init__()
        self.fields, self._textarea, self._select = {}, None, None

    @classmethod
    def parse(cls, html):
        parser = cls()
        parser.feed(html)
        return parser.fields

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields[name] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


# --- Servers ----------------------------------------------------------------------------


@contextmanager
def logged_gunicorn(env, log_path, workers=2):
    with open(log_path, "w") as log, gunicorn(env, workers=workers, stdout=log) as (base, _):
        yield base


def base_env(tmp):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "editorial.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "0",
        "EDITORIAL_CACHE_DIR": f"{tmp}/cache",
        "EDITORIAL_QUESTIONS_PER_HOUR": "100000",
        "DJANGO_LOG_LEVEL": "WARNING",
        # The harness approves as an operator's command would (second factors: tests/test_two_factor.py).
        "EDITORIAL_REQUIRE_2FA": "0",
    }
    env.pop("REDIS_URL", None)
    return env


SETUP_EDITORS = """
from django.contrib.auth.models import Group, User
from articles.review import editing
from articles.review import workflow
from articles.models import Article, Specialty
editors = Group.objects.get(name="Editors")
topic = Specialty.objects.first()
for i in range({count}):
    user = User.objects.create_user(f"load-editor-{{i}}", password="load-pass", is_staff=True)
    user.groups.add(editors)
    user = User.objects.get(pk=user.pk)
    editing.save_content(Article(title=f"Load article {{i}}", slug=f"load-article-{{i}}", specialty=topic,
        summary="A summary.", body="A body."), user=user, reason="Load test")
editing.save_content(Article(title="Shared article", slug="shared-article", specialty=topic,
    summary="A summary.", body="A body."), user=user, reason="Load test")
print("IDS", " ".join(str(a.pk) for a in Article.objects.filter(slug__startswith="load-article-").order_by("slug")),
      Article.objects.get(slug="shared-article").pk)
"""


def prepare(env, *, editors=False):
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    manage(env, "collectstatic", "--noinput")
    if editors:
        output = manage(env, "shell", input_text=SETUP_EDITORS.format(count=EDITORS))
        line = next(line for line in output.splitlines() if line.startswith("IDS "))
        return [int(i) for i in line.split()[1:]]
    return None


def last_int(output):
    return int(output.strip().splitlines()[-1])


def check(condition, message):
    print(f"  {'ok  ' if condition else 'FAIL'} {message}")
    if not condition:
        FAILED.append(message)


# --- 1. Concurrent admin writers on SQLite -------------------------------------------------


def concurrent_writers(tmp, seconds):
    env = {**base_env(tmp), "DATABASE_URL": f"sqlite:///{tmp}/writers.sqlite3"}
    *own, shared = prepare(env, editors=True)
    print(f"\n1. {EDITORS} admin editors saving concurrently for {seconds} s (SQLite, gunicorn 2 workers)")
    counts, lock = Counter(), threading.Lock()

    def editor(i):
        browser = Browser(base)
        browser.login(f"load-editor-{i}", "load-pass")
        deadline = time.monotonic() + seconds
        n = 0
        while time.monotonic() < deadline:
            n += 1
            article = shared if n % 5 == 0 else own[i]
            path = f"/admin/articles/article/{article}/change/"
            status, html = browser.request(path)
            if status != 200:
                with lock:
                    counts[f"form load {status}"] += 1
                continue
            fields = FormFields.parse(html)
            fields.update(body=f"Edited by editor {i}, save {n}.", change_reason=f"Load save {n}", _save="Save")
            status, html = browser.request(path, fields)
            if status == 302:
                outcome = "saved"
            elif status == 200 and "Someone else saved this article" in html:
                outcome = "conflict refused, text kept" if f"save {n}." in html else "conflict, TEXT LOST"
            else:
                outcome = f"HTTP {status}"
            with lock:
                counts[outcome] += 1

    with logged_gunicorn(env, f"{tmp}/writers.log") as base:
        threads = [threading.Thread(target=editor, args=(i,)) for i in range(EDITORS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    writes = sum(counts.values())
    for outcome, count in sorted(counts.items()):
        print(f"     {outcome:32} {count:6}")
    errors = sum(c for o, c in counts.items() if o.startswith(("HTTP", "form load", "conflict, TEXT")))
    print(f"     {'writes':32} {writes:6}   errors: {errors}")
    check(writes > 0 and errors == 0, f"{writes} admin writes, {errors} errors (500, 503 or lost text)")


# --- 2. Redis down, then hanging ----------------------------------------------------------


def redis_blink(tmp, seconds, redis_url):
    parts = urlsplit(redis_url)
    proxy = LoopbackProxy(parts.hostname or "127.0.0.1", parts.port or 6379)
    env = {**base_env(tmp), "DATABASE_URL": f"sqlite:///{tmp}/redis.sqlite3"}
    prepare(env)
    count_questions = "from articles.models import FollowUpQuestion as Q; print(Q.objects.count())"
    questions_before = last_int(manage(env, "shell", "-c", count_questions))
    env["REDIS_URL"] = parts._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()  # the same Redis database
    phases = [("up", seconds / 4), ("down", seconds / 4), ("hang", seconds / 4), ("up", seconds / 4)]
    print(f"\n2. Redis up, down (refused), hanging (no answer), up again: {seconds / 4:.0f} s each, 4 readers")
    counts, lock, sent = Counter(), threading.Lock(), Counter()
    phase = {"name": "up"}

    def reader(i):
        browser = Browser(base)
        n = 0
        while phase["name"] != "done":
            n += 1
            current = phase["name"]
            if n % 5 == 0:
                status, html = browser.request(ARTICLE + "ask/")
                token = FormFields.parse(html).get("csrfmiddlewaretoken", "") if status == 200 else ""
                question = f"Reader {i} question {n}: does this apply to teenagers?"
                status, _ = browser.request(
                    ARTICLE + "ask/", {"csrfmiddlewaretoken": token, "question": question, "audience": "patient"}
                )
                with lock:
                    sent["sent"] += 1
                    counts[(current, "question", status)] += 1
            else:
                path = [ARTICLE, "/", "/board/", ARTICLE + "professional/"][n % 4]
                status, _ = browser.request(path)
                with lock:
                    counts[(current, "page", status)] += 1

    with logged_gunicorn(env, f"{tmp}/redis.log") as base:
        threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        health = []
        for name, duration in phases:
            phase["name"] = name
            proxy.set(name)
            time.sleep(duration / 2)
            status, body = Browser(base).request("/healthz")
            health.append((name, status, body.strip()))
            time.sleep(duration / 2)
        phase["name"] = "done"
        for thread in threads:
            thread.join()
    stored = last_int(manage(env, "shell", "-c", count_questions)) - questions_before
    for (name, kind, status), count in sorted(counts.items(), key=str):
        print(f"     redis {name:5} {kind:9} HTTP {status}: {count}")
    for name, status, body in health:
        print(f"     /healthz while redis {name}: {status} {body}")
    bad = sum(c for (_, _, status), c in counts.items() if status not in (200, 302))
    check(bad == 0, f"{sum(counts.values())} requests across the blink, {bad} not answered 200/302")
    check(stored == sent["sent"], f"{sent['sent']} questions sent, {stored} stored")


# --- 3. A correction approved while Redis is down ---------------------------------------

APPROVE_CORRECTION = """
from django.contrib.auth.models import User
from articles.models import Article, PendingInvalidation
from articles.review import editing, workflow
article = Article.objects.get(slug="{slug}")
editor, reviewer = User.objects.get(username="editor"), User.objects.get(username="dr.okafor")
article.body += "\\n\\nCorrection: {marker}."
editing.save_content(article, user=editor, reason="Correction")
workflow.submit(article, user=editor, change_note="Dose corrected.", change_kind="correction")
article.refresh_from_db()
workflow.start_review(article, user=reviewer, revision=workflow.under_decision("start_review", article))
article.refresh_from_db()
workflow.approve(article, user=reviewer, revision=workflow.under_decision("approve", article))
print("PENDING", PendingInvalidation.objects.count())
"""
# A worker that never met the outage applies kept invalidations within caching.SYNC_SECONDS (5 s);
# requests in that window are counted apart, and every one after it must be fresh.
SYNC_WINDOW = 5
COUNT_PENDING = "from articles.models import PendingInvalidation; print(PendingInvalidation.objects.count())"


def redis_approval(tmp, seconds, redis_url):
    parts = urlsplit(redis_url)
    proxy = LoopbackProxy(parts.hostname or "127.0.0.1", parts.port or 6379)
    env = {**base_env(tmp), "DATABASE_URL": f"sqlite:///{tmp}/approval.sqlite3"}
    prepare(env)
    env["REDIS_URL"] = parts._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()
    manage(env, "shell", "-c", "from django.core.cache import cache; cache.clear()")
    marker = f"take {secrets.randbelow(900) + 100} mg, not {secrets.randbelow(9000) + 1000} mg"
    print(
        f"\n3. A correction approved while Redis refuses connections ({seconds / 4:.0f} s up, down, then up), 4 readers"
    )
    counts, lock, phase = Counter(), threading.Lock(), {"name": "before"}
    first_fresh, back = {}, {"at": float("inf")}

    def reader():
        browser = Browser(base)
        while phase["name"] != "done":
            current, started = phase["name"], time.monotonic()
            status, html = browser.request(ARTICLE)
            fresh = marker in html
            if current == "after" and started - back["at"] <= SYNC_WINDOW:
                current = "after, within the sync window"
            with lock:
                counts[(current, status, "shows the correction" if fresh else "replaced version")] += 1
                if current.startswith("after") and fresh and "at" not in first_fresh:
                    first_fresh["at"] = time.monotonic()
            time.sleep(0.01)

    with logged_gunicorn(env, f"{tmp}/approval.log") as base:
        for _ in range(4):
            Browser(base).request(ARTICLE)  # stored, and served from the cache
        threads = [threading.Thread(target=reader) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(seconds / 4)
        proxy.set("down")
        phase["name"] = "down"
        output = manage(env, "shell", input_text=APPROVE_CORRECTION.format(slug=ARTICLE.split("/")[2], marker=marker))
        kept = int(next(line for line in output.splitlines() if line.startswith("PENDING ")).split()[1])
        time.sleep(seconds / 4)
        proxy.set("up")
        back["at"] = time.monotonic()
        phase["name"] = "after"
        time.sleep(SYNC_WINDOW + seconds / 2)
        phase["name"] = "done"
        for thread in threads:
            thread.join()
    proxy.close()
    left = last_int(manage(env, "shell", "-c", COUNT_PENDING))
    for (name, status, shown), count in sorted(counts.items(), key=str):
        print(f"     redis {name:6} HTTP {status}: {count:5} {shown}")
    print(f"     invalidations kept in the database during the outage: {kept}; left after: {left}")
    after = sum(c for (p, _, _), c in counts.items() if p == "after")
    stale = counts.get(("after", 200, "replaced version"), 0)
    if "at" in first_fresh:
        print(f"     first page after Redis returned showing the correction: {first_fresh['at'] - back['at']:.2f} s")
    check(kept >= 1, "the approval during the outage was kept in the database")
    check(
        after > 0 and stale == 0,
        f"{after} requests more than {SYNC_WINDOW} s after Redis returned, {stale} showed the replaced version",
    )
    check(left == 0, "the kept invalidation was applied once Redis answered")
    bad = sum(c for (_, status, _), c in counts.items() if status != 200)
    check(bad == 0, f"every page answered 200 ({bad} did not)")


# --- 4 and 5: PostgreSQL behind a proxy that can take it away, under load ------------------


@contextmanager
def postgres_behind_proxy(tmp, database_url, tag, **extra_env):
    """A throwaway, seeded PostgreSQL database reached through a loopback proxy: (proxy, env)."""
    with ExitStack() as cleanup:
        name = urlsplit(cleanup.enter_context(throwaway_postgres(database_url, tag))).path.lstrip("/")
        parts = urlsplit(database_url)
        proxy = LoopbackProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
        cleanup.callback(proxy.close)
        user = f"{parts.username}@" if parts.username else ""
        env = {**base_env(tmp), "DATABASE_URL": f"postgres://{user}127.0.0.1:{proxy.port}/{name}", **extra_env}
        prepare(env)
        yield proxy, env


@contextmanager
def readers_and_editor(base, phase, public_paths, on_answer):
    """4 readers cycling through ``public_paths(n)`` and 1 signed-in editor on the article list, until
    ``phase["name"]`` is "done" (the caller sets it before leaving). Each answer is passed to
    ``on_answer(phase_name, kind, path, status, seconds)`` under one lock."""
    lock = threading.Lock()

    def reader(editor):
        browser = Browser(base)
        if editor:
            browser.login("editor", "editor-demo-pass")
        n = 0
        while phase["name"] != "done":
            n += 1
            current = phase["name"]
            path = "/admin/articles/article/" if editor else public_paths(n)
            started = time.monotonic()
            status, _ = browser.request(path)
            took = time.monotonic() - started
            with lock:
                on_answer(current, "admin" if editor else "public", path, status, took)
            time.sleep(0.02)

    threads = [threading.Thread(target=reader, args=(editor,)) for editor in (False,) * 4 + (True,)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        phase["name"] = "done"
        for thread in threads:
            thread.join()


def database_outage(tmp, seconds, database_url):
    with postgres_behind_proxy(tmp, database_url, "faults", DJANGO_CONN_MAX_AGE="0") as (proxy, env):
        outage = seconds / 2
        print(f"\n4. PostgreSQL down for {outage:.0f} s under load (4 readers, 1 signed-in editor)")
        counts, phase, recovered = Counter(), {"name": "before"}, {}

        def on_answer(current, kind, path, status, _took):
            counts[(current, kind, status)] += 1
            if current == "after" and status == 200 and "?q=" in path and "at" not in recovered:
                recovered["at"] = time.monotonic()

        log_path = f"{tmp}/database.log"
        with logged_gunicorn(env, log_path) as base:
            for path in (ARTICLE, "/", "/board/"):
                Browser(base).request(path)  # warm the page cache
            paths = [ARTICLE, "/", "/?q=dystonia+{}", "/board/"]
            with readers_and_editor(base, phase, lambda n: paths[n % 4].format(n % 50), on_answer):
                time.sleep(seconds / 4)
                log_before = Path(log_path).read_text().count("\n")
                phase["name"] = "down"
                proxy.set("down")
                time.sleep(outage)
                phase["name"] = "after"
                proxy.set("up")
                back = time.monotonic()
                time.sleep(seconds / 4)
    log = Path(log_path).read_text()
    lines = log.splitlines()[log_before:]
    outage_lines = sum("database unavailable" in line for line in lines)
    # gunicorn's own start and stop lines are not about requests.
    others = [line for line in lines if "database unavailable" not in line and "[INFO]" not in line]
    for line in others[:5]:
        print(f"     other log line: {line[:160]}")
    # Every request that met the outage logs its line, including those answered with a stale copy;
    # requests already in flight when the phase changed are counted in the neighbouring phases.
    failed_requests = sum(c for (p, _, s), c in counts.items() if p == "down" or s == 503)
    for (name, kind, status), count in sorted(counts.items(), key=str):
        print(f"     database {name:6} {kind:6} HTTP {status}: {count}")
    print(f"     'database unavailable' log lines: {outage_lines} for {failed_requests} requests during the outage")
    bad = sum(c for (_, _, s), c in counts.items() if s not in (200, 503))
    check(bad == 0, f"no answer other than 200 or 503 ({bad} others)")
    check("Traceback" not in log, "no traceback in the log")
    check(not others and outage_lines <= failed_requests, "at most one log line per request that met the outage")
    if "at" in recovered:
        print(f"     first fresh (uncached) page {recovered['at'] - back:.2f} s after the database returned")
    check("at" in recovered, "pages fresh again after the database returned")


def database_black_hole(tmp, seconds, database_url):
    hole = max(10.0, seconds / 2)
    # Persistent connections (the default): the open ones go silent too, the worst case.
    with postgres_behind_proxy(tmp, database_url, "blackhole") as (proxy, env):
        print(
            f"\n5. PostgreSQL a black hole for {hole:.0f} s (accepts, never answers) under load (4 readers, 1 editor)"
        )
        counts, phase, slowest = Counter(), {"name": "before"}, Counter()

        def on_answer(current, kind, _path, status, took):
            counts[(current, kind, status)] += 1
            slowest[current] = max(slowest[current], took)

        log_path = f"{tmp}/blackhole.log"
        with logged_gunicorn(env, log_path) as base:
            for path in (ARTICLE, "/board/"):
                Browser(base).request(path)  # warm the page cache
            # Searches and the admin are never served from the page cache: they need the database.
            paths = [ARTICLE, "/?q=dystonia+{}", "/board/"]
            with readers_and_editor(base, phase, lambda n: paths[n % 3].format(n % 50), on_answer):
                time.sleep(seconds / 4)
                phase["name"] = "black hole"
                proxy.set("blackhole")
                time.sleep(hole)
                phase["name"] = "after"
                proxy.set("up")
                back = time.monotonic()
                recovered = None
                while time.monotonic() - back < 60:
                    if Browser(base).request("/?q=dystonia+recovered")[0] == 200:
                        recovered = time.monotonic() - back
                        break
                    time.sleep(0.1)
                time.sleep(seconds / 4)
            # Every thread of both workers free again: a burst that needs the database.
            burst, lock = Counter(), threading.Lock()

            def fetch(n):
                status, _ = Browser(base).request(f"/?q=burst+{n}")
                with lock:
                    burst[status] += 1

            burst_threads = [threading.Thread(target=fetch, args=(n,)) for n in range(16)]
            for thread in burst_threads:
                thread.start()
            for thread in burst_threads:
                thread.join()
    log = Path(log_path).read_text()
    for (name, kind, status), count in sorted(counts.items(), key=str):
        print(f"     database {name:10} {kind:6} HTTP {status}: {count}")
    for name in ("before", "black hole", "after"):
        print(f"     slowest answer {name:10}: {slowest[name]:.2f} s")
    if recovered is not None:
        print(f"     first page needing the database answered 200 {recovered:.2f} s after it returned")
    print(f"     burst of 16 requests needing the database after it returned: {dict(burst)}")
    unanswered = sum(c for (_, _, s), c in counts.items() if not isinstance(s, int))
    bad = sum(c for (_, _, s), c in counts.items() if isinstance(s, int) and s not in (200, 302, 503))
    check(unanswered == 0, f"every request in the black hole got an answer ({unanswered} did not)")
    check(bad == 0, f"no answer other than 200 or 503 ({bad} others)")
    check(slowest["black hole"] < 30, f"the slowest answer in the black hole took {slowest['black hole']:.1f} s")
    check(recovered is not None, "pages needing the database answered 200 again once it returned")
    check(burst == Counter({200: 16}), "every thread recovered: 16 requests at once after, all 200")
    check("Traceback" not in log, "no traceback in the log")


# --- 6. Saving at the reference cap ---------------------------------------------------------

SETUP_CAP = """
from django.conf import settings
from django.contrib.auth.models import User
from articles.models import Article, Reference, Specialty
from articles.review import editing
editor = User.objects.get(username="editor")
cap = settings.EDITORIAL_MAX_REFERENCES
article = Article(title="Many sources", slug="many-sources", specialty=Specialty.objects.first(), summary="Short.",
    body=" ".join(f"[{{n}}]" for n in range(1, cap + 1)))
editing.save_content(article, user=editor, reason="Load test")
for n in range(1, cap + 1):
    reference = Reference(article=article, number=n, title=f"Study {{n}}", kind="research", year=2020)
    reference._history_user = editor
    reference.save()
print("IDS", article.pk, cap)
"""


def reference_cap(tmp):
    env = {**base_env(tmp), "DATABASE_URL": f"sqlite:///{tmp}/cap.sqlite3"}
    prepare(env)
    line = next(x for x in manage(env, "shell", input_text=SETUP_CAP).splitlines() if x.startswith("IDS "))
    article, cap = (int(i) for i in line.split()[1:])
    print(f"\n6. Saving an article at the reference cap ({cap} references) and beyond it (gunicorn, SQLite)")
    with logged_gunicorn(env, f"{tmp}/cap.log") as base:
        browser = Browser(base)
        browser.login("editor", "editor-demo-pass")
        path = f"/admin/articles/article/{article}/change/"
        status, html = browser.request(path)
        fields = FormFields.parse(html)
        print(f"     change form: HTTP {status}, {len(fields):,} fields")
        typed = "Typed at the cap and kept [1]."
        fields.update(summary=typed, change_reason="At the cap", _save="Save")
        status, _ = browser.request(path, fields)
        check(status == 302, f"saving {cap} references answers {status} (302 expected)")
        status, html = browser.request(path)
        fields = FormFields.parse(html)
        over = "Typed beyond the cap and kept [1]."
        fields.update(summary=over, change_reason="Beyond the cap", _save="Save")
        total = int(fields["references-TOTAL_FORMS"])
        for index in range(total, total + 20):
            fields |= {f"references-{index}-number": str(index + 1), f"references-{index}-title": f"Extra {index}"}
            fields[f"references-{index}-kind"] = "research"
        fields["references-TOTAL_FORMS"] = str(total + 20)
        status, html = browser.request(path, fields)
        refused = status == 200 and f"at most {cap} references" in html and over in html
        check(refused, f"{cap + 20} references: HTTP {status}, a form error naming the cap with the text kept")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="short runs for CI (8 s each instead of 30 s)")
    args = parser.parse_args()
    seconds = 8 if args.short else 30
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    database_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="editorial-faults-") as tmp:
        concurrent_writers(tmp, seconds)
        redis_blink(tmp, seconds, redis_url)
        redis_approval(tmp, seconds, redis_url)
        reference_cap(tmp)
        if database_url.startswith(("postgres://", "postgresql://")):
            database_outage(tmp, seconds, database_url)
            database_black_hole(tmp, seconds, database_url)
        else:
            print("\n4-5. database outage and black hole: skipped (set DATABASE_URL to a PostgreSQL server)")
    print(f"\n{'all checks passed' if not FAILED else f'{len(FAILED)} check(s) FAILED'}")
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
