"""The redirects screen and its CSV import in a browser: no axe violations at 1280 px and 390 px."""

import pytest

from articles.review import editing
from articles.site import redirects

from . import factories
from .conftest import admin_login
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def library(author, reviewer):
    live = factories.make_article(author=author, title="What causes gout?", slug="gout")
    factories.publish(live, author=author, reviewers=[reviewer])
    live.slug = "what-causes-gout"
    editing.save_content(live, user=author)
    redirects.add_many(
        [redirects.Line("/health-a-z/gout.html", "/articles/what-causes-gout/", label="line 1")], source="csv"
    )
    return live


def test_redirects_screens_have_no_axe_violations(page, phone_page, live_server, library, screenshot_dir, tmp_path):
    bad = tmp_path / "redirects.csv"
    bad.write_text("old_path,new_path\n/old/a.html,/articles/what-causes-gout/\n/old/b.html,https://evil.example/\n")
    problems = {}
    phone_page.set_viewport_size({"width": 390, "height": 844})
    for browser_page in (page, phone_page):
        admin_login(browser_page, live_server, "author")
        width = browser_page.viewport_size["width"]
        shots = {}
        browser_page.goto(live_server.url + "/admin/articles/redirect/")
        assert "/health-a-z/gout.html" in browser_page.content()
        shots["list"] = axe_violations(browser_page)
        browser_page.screenshot(path=screenshot_dir / f"redirects-list-{width}.png", full_page=True)
        browser_page.goto(live_server.url + "/admin/articles/redirect/add/")
        shots["add"] = axe_violations(browser_page)
        browser_page.screenshot(path=screenshot_dir / f"redirects-add-{width}.png", full_page=True)
        browser_page.goto(live_server.url + "/admin/articles/redirect/import/")
        browser_page.set_input_files("#id_file", str(bad))
        browser_page.click("input[type=submit][value='Check and add']")
        assert "Line 3" in browser_page.content()
        shots["import-error"] = axe_violations(browser_page)
        browser_page.screenshot(path=screenshot_dir / f"redirects-import-error-{width}.png", full_page=True)
        problems |= {f"{width}px {name}": found for name, found in shots.items() if found}
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
