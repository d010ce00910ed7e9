"""Sources still standing in the browser: the review screen's marks, the change form's badges and
the source checks list, at 1280 px and 390 px, with no axe-core violations."""

from pathlib import Path

import pytest

from articles.models import Reference, SourceCheck
from articles.review import sources

from . import factories
from .conftest import _browser_page, admin_login
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/work/wt/shots/sources24")


@pytest.fixture
def checked(author, reviewer):
    """A live article whose first source was retracted and whose second link is dead (results
    recorded directly: no request is made), and a draft citing the same retracted paper."""
    article = factories.make_article(
        author=author,
        title="What causes gout?",
        slug="gout",
        references=2,
        body="Uric acid crystals [1]. Diet matters less than thought [2].",
    )
    Reference.objects.filter(article=article, number=1).update(doi="10.1000/gout.2019", pmid="111")
    Reference.objects.filter(article=article, number=2).update(url="https://guidelines.example.org/gout/2020")
    factories.publish(article, author=author, reviewers=[reviewer])
    sources.link([article.published_revision])
    sources.record(
        SourceCheck.objects.get(kind="doi"),
        "retracted",
        "Crossref via Retraction Watch, 2026-11-02, notice 10.1000/gout.2019.retraction",
    )
    sources.record(SourceCheck.objects.get(kind="pmid"), "ok", "PubMed: not marked retracted")
    sources.record(SourceCheck.objects.get(kind="url"), "dead", "HTTP 500 (3 tries)")
    return article


def test_source_marks_have_no_axe_violations(chromium, live_server, checked, screenshot_dir):
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for width, height in ((1280, 900), (390, 844)):
        context, page = _browser_page(chromium, viewport={"width": width, "height": height})
        admin_login(page, live_server, "reviewer")
        for name, path in {
            "review-screen": f"/admin/articles/reviewqueueitem/{checked.pk}/review/",
            "queue": "/admin/articles/reviewqueueitem/",
            "source-checks": "/admin/articles/sourcecheck/",
            "source-check": f"/admin/articles/sourcecheck/{SourceCheck.objects.get(kind='doi').pk}/change/",
        }.items():
            page.goto(live_server.url + path)
            if name == "review-screen":
                assert page.locator("#sources .source-retracted").first.inner_text() == "Retracted"
                assert "Source [1] retracted" in page.locator("#sources .source-alert").inner_text()
                page.locator("#sources").screenshot(path=SHOTS / f"review-sources-{width}.png")
            found = axe_violations(page)
            if found:
                problems[f"{width}px {name}"] = found
            page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)
        context.close()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_change_form_badges_have_no_axe_violations(chromium, live_server, checked):
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for width, height in ((1280, 900), (390, 844)):
        context, page = _browser_page(chromium, viewport={"width": width, "height": height})
        admin_login(page, live_server, "author")
        page.goto(f"{live_server.url}/admin/articles/article/{checked.pk}/change/")
        assert page.locator("#references-group .source-retracted").count() == 1
        found = axe_violations(page)
        if found:
            problems[f"{width}px change-form"] = found
        page.locator("#references-group").screenshot(path=SHOTS / f"change-form-references-{width}.png")
        context.close()
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
