"""The admin's Markdown import page in a real browser: upload, report, confirm; no axe violations."""

import pytest
from playwright.sync_api import expect

from articles.interchange.format import serialise
from articles.models import Article

from . import factories
from .conftest import admin_login
from .test_browser_site import axe_violations
from .test_interchange import article_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_uploads_sees_the_report_and_imports(page, live_server, author, settings, tmp_path, screenshot_dir):
    settings.EDITORIAL_IMPORT_DIR = tmp_path / "imports"
    factories.SpecialtyFactory(slug="neurology", name="Neurology")
    good, bad = tmp_path / "dystonia.md", tmp_path / "broken.md"
    good.write_bytes(serialise(article_file()))
    bad.write_bytes(b"---\ntitle: [oops\n---\n\nBody.\n")
    admin_login(page, live_server, "author")
    page.goto(f"{live_server.url}/admin/articles/article/")
    page.get_by_role("link", name="Import from Markdown").click()
    assert axe_violations(page) == []
    page.get_by_label("Markdown files or a .zip").set_input_files([str(good), str(bad)])
    page.get_by_role("button", name="Check the files").click()
    report = page.locator(".import-report")
    expect(report).to_contain_text("dystonia.md: would create")
    expect(report).to_contain_text("broken.md:2: error: broken front matter")
    assert axe_violations(page) == []
    page.screenshot(path=screenshot_dir / "import-report.png", full_page=True)
    assert not Article.objects.exists()
    page.get_by_role("button", name="Import 1 article").click()
    # The file's name as given: the admin's capitalising of messages is not applied to it.
    expect(page.locator(".messagelist")).to_contain_text("dystonia.md: created")
    assert Article.objects.get().slug == "dystonia"


@pytest.mark.parametrize("width", [1280, 390])
def test_the_import_page_explains_the_format_at_any_width(chromium, live_server, author, width, screenshot_dir):
    factories.SpecialtyFactory(slug="neurology", name="Neurology")
    context = chromium.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    admin_login(page, live_server, "author")
    page.goto(f"{live_server.url}/admin/articles/article/import/")
    help_section = page.get_by_role("region", name="The article file format")
    expect(help_section.get_by_role("table").first).to_contain_text("The slug of an existing topic")
    expect(help_section).to_contain_text("neurology (Neurology)")
    expect(help_section.locator("pre")).to_contain_text("topic: primary-care")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []
    page.screenshot(path=screenshot_dir / f"import-page-{width}.png", full_page=True)
    context.close()
