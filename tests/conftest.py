import os
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache

from . import factories


@pytest.fixture(autouse=True)
def _site_settings(settings):
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    settings.EDITORIAL_SHOW_PENDING = False
    settings.EDITORIAL_REVIEW_INTERVAL_DAYS = 365
    # Most tests act inside one transaction whose on_commit hooks never run, so the events
    # that make cached pages fresh never fire; the page cache's own tests (test_caching.py)
    # turn it on and let the hooks run.
    settings.EDITORIAL_PAGE_CACHE = False


@pytest.fixture(autouse=True)
def _clear_cache():
    from articles.api import keys
    from articles.site import caching

    cache.clear()
    caching.forget_process_state()
    keys.forget_process_state()
    yield
    keys.forget_process_state()  # API usage counted in memory: never written after the test database is gone


@pytest.fixture
def author(db):
    return factories.editor(username="author")


@pytest.fixture
def other_editor(db):
    return factories.editor(username="other_editor")


@pytest.fixture
def reviewer(db):
    return factories.reviewer(username="reviewer")


@pytest.fixture
def second_reviewer(db):
    return factories.reviewer(username="second_reviewer")


@pytest.fixture
def superuser(db):
    return factories.superuser(username="boss")


@pytest.fixture
def draft(author):
    return factories.make_article(author=author)


@pytest.fixture
def published(author, reviewer):
    article = factories.make_article(author=author, title="Is coffee bad for you?", slug="coffee")
    return factories.publish(article, author=author, reviewers=[reviewer])


# --- Browser tests ---------------------------------------------------------------

CHROMIUM = os.environ.get("EDITORIAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a workflow step and its after-commit hooks, as a committed request would."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture(scope="session")
def chromium():
    """Launch Debian's chromium through Playwright, or skip (fail in CI) where it is missing."""
    if not os.path.exists(CHROMIUM):
        message = f"browser tests skipped: {CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get("EDITORIAL_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the ORM calls tests make
    # around it are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _browser_page(chromium, **context_options):
    context = chromium.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture
def page(chromium):
    context, page = _browser_page(chromium, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium):
    context, page = _browser_page(chromium, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    yield page
    context.close()


@pytest.fixture
def screenshot_dir():
    path = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def admin_login(page, live_server, username, password="pw"):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


class QueryCounter:
    """Count SQL statements run through the default connection.

    An execute wrapper, because the test client's request_started signal resets
    ``connection.queries`` and so hides a request's queries from CaptureQueriesContext.
    """

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@pytest.fixture
def count_queries():
    from contextlib import contextmanager

    from django.db import connection

    @contextmanager
    def counting():
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            yield counter

    return counting


@pytest.fixture
def markdown_parses(monkeypatch):
    """Record every text the Markdown engine parses (a bound on rendering work).

    Hostile input must be refused, or shown escaped, before it reaches the parser: tests assert
    on what was parsed rather than on how long a request took on a busy machine.
    """
    import markdown

    parsed = []
    convert = markdown.Markdown.convert

    def counting(self, source):
        parsed.append(source)
        return convert(self, source)

    monkeypatch.setattr(markdown.Markdown, "convert", counting)
    return parsed


class RenderWork:
    """What rendering did (see ``render_work``): the budget of every conversion, and the work
    Python-Markdown's block processors and inline patterns were handed, in the budget's units."""

    def __init__(self):
        self.budgets = []
        self.steps = 0

    def reset(self):
        """Forget what was counted, and every verdict and memoised text: render afresh."""
        from articles.content.budget import VERDICTS
        from articles.content.rendering import plain_text

        self.budgets.clear()
        self.steps = 0
        VERDICTS.clear()
        plain_text.cache_clear()

    @property
    def budget_steps(self):
        return sum(budget.steps for budget in self.budgets)


def _subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


@pytest.fixture
def render_work(monkeypatch):
    """Record every render budget, and count apart from them what Markdown's processors are handed.

    The count is made at the classes of every block processor and inline pattern, so work
    that escaped the budget's meters (which it installs on each parser it builds) shows up as
    ``steps`` above the budgets' own. Verdicts and memoised texts are forgotten before and after.
    """
    import markdown.extensions.sane_lists  # noqa: F401  (their processors are metered too)
    import markdown.extensions.tables  # noqa: F401
    import markdown.extensions.toc  # noqa: F401
    from markdown.blockprocessors import BlockProcessor
    from markdown.inlinepatterns import Pattern

    from articles.content import rendering
    from articles.content.budget import STEPS_PER_LINE, STEPS_PER_MATCH, STEPS_PER_TEST, STEPS_PER_TRY

    work = RenderWork()

    class Recorded(rendering.RenderBudget):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            work.budgets.append(self)

    monkeypatch.setattr(rendering, "RenderBudget", Recorded)

    def metered_test(original):
        def test(self, parent, block):
            work.steps += STEPS_PER_TEST + len(block) + STEPS_PER_LINE * block.count("\n")
            return original(self, parent, block)

        return test

    for cls in [BlockProcessor, *_subclasses(BlockProcessor)]:
        if "test" in vars(cls):
            monkeypatch.setattr(cls, "test", metered_test(vars(cls)["test"]))

    def metered_match(original):
        def handleMatch(self, match, *args):
            work.steps += STEPS_PER_MATCH + len(match.string)
            return original(self, match, *args)

        return handleMatch

    for cls in [Pattern, *_subclasses(Pattern)]:
        if "handleMatch" in vars(cls):
            monkeypatch.setattr(cls, "handleMatch", metered_match(vars(cls)["handleMatch"]))
    compiled = Pattern.getCompiledRegExp

    def getCompiledRegExp(self):
        work.steps += STEPS_PER_TRY
        return compiled(self)

    monkeypatch.setattr(Pattern, "getCompiledRegExp", getCompiledRegExp)
    work.reset()
    yield work
    work.reset()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """Before a live-server test's database is emptied, let the requests still running finish.

    Closing the browser does not stop a request the server is already handling (a preview, an
    autosave, a session's bookkeeping); emptying the database under it locks SQLite's tables
    ("database table is locked"), and the next test then starts on rows left behind.
    """
    if "live_server" not in getattr(item, "fixturenames", ()):
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        "process_request_thread" in thread.name for thread in threading.enumerate() if thread.is_alive()
    ):
        time.sleep(0.02)
