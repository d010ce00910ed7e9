"""The article change form and list at 1280 and 390 px: the "why" fields by the save buttons, a
reference table that shows its values whole, resolved threads folded, every list column in sight."""

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from articles.review import comments, editing, workflow

from . import factories
from .conftest import admin_login
from .test_browser_editor import preview_settled
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 390]
TOP = "el => el.getBoundingClientRect().top + window.scrollY"
# Whether a select is wide enough for its longest option (text, padding and the arrow).
SHOWS_EVERY_OPTION = """s => { const c = document.createElement('canvas').getContext('2d');
  c.font = getComputedStyle(s).font;
  const text = Math.max(...[...s.options].map(o => c.measureText(o.text).width));
  return s.clientWidth >= text + 24; }"""


@pytest.fixture
def update(author, reviewer, second_reviewer):
    """A published article being updated, with one resolved and one open comment from the board."""
    article = factories.make_article(
        author=author, title="What causes gout?", slug="gout", body="## Causes\n\nUric acid [1]."
    )
    factories.publish(article, author=author, reviewers=[reviewer])
    article.body = "## Causes\n\nUric acid crystals [1]."
    editing.save_content(article, user=author, reason="Sharper")
    workflow.submit(article, user=author, change_note="Named the crystals.", change_kind="editorial")
    workflow.start_review(article, user=second_reviewer, revision=factories.under_decision("start_review", article))
    article.refresh_from_db()
    done = comments.add(
        article, article.pending_revision, user=second_reviewer, part="body", passage_index=1, text="Which crystals?"
    )
    comments.add(article, article.pending_revision, user=second_reviewer, part="body", passage_index=1, text="Cite it.")
    workflow.request_changes(
        article,
        user=second_reviewer,
        comment="See the comments.",
        reason="accuracy",
        revision=factories.under_decision("request_changes", article),
    )
    comments.set_resolved(done, user=author, resolved=True)
    return article


@pytest.mark.parametrize("width", WIDTHS)
def test_the_why_fields_sit_by_the_save_buttons(chromium, live_server, update, width, screenshot_dir):
    context = chromium.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    admin_login(page, live_server, "author")
    page.goto(f"{live_server.url}/admin/articles/article/{update.pk}/change/")
    buttons = page.locator(".submit-row").last.evaluate(TOP)
    references = page.locator("#references-group").evaluate(TOP)
    for field in ("#id_change_reason", "#id_change_kind", "#id_change_note"):
        # After the body and the references, just above the buttons they go with.
        assert references < page.locator(field).evaluate(TOP) < buttons, f"{field} is not by the save buttons"
    assert buttons - page.locator("#id_change_note").evaluate(TOP) < 200
    # The help shows the public line as readers will see it, starting from the note of the version
    # sent back (filled in again for the resubmission), and follows what is typed.
    example = page.locator("[data-change-note-example]")
    today = f"{timezone.localdate():%-d %B %Y}"
    expect(example).to_have_text(f"Updated {today}: Named the crystals. (Editorial or wording change)")
    page.locator("#id_change_note").fill("Named the crystals and cited them.")
    page.locator("#id_change_kind").select_option("correction")
    expect(example).to_contain_text(": Named the crystals and cited them. (Correction of an error)")
    # The resolved thread is folded under the open one, behind a count.
    resolved = page.locator(".change-form-comments details.resolved-comments")
    expect(resolved.locator("summary")).to_have_text("1 resolved thread")
    expect(resolved.get_by_text("Which crystals?")).to_be_hidden()
    expect(page.locator(".change-form-comments").get_by_text("Cite it.")).to_be_visible()
    assert axe_violations(page) == []
    page.screenshot(path=screenshot_dir / f"change-form-why-{width}.png", full_page=True)
    resolved.locator("summary").click()
    expect(resolved.get_by_text("Which crystals?")).to_be_visible()
    # The open comment's flag in the preview frame leads to the comment above the form.
    open_comment = update.passage_comments.get(resolved_at__isnull=True)
    page.frame_locator("[data-preview='patient'] iframe").locator("a.comment-flag").click()
    expect(page).to_have_url(re.compile(f"#comment-{open_comment.pk}$"))
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_reference_rows_show_kind_and_title_whole(chromium, live_server, author, width, screenshot_dir):
    article = factories.make_article(author=author, references=3)
    context = chromium.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    admin_login(page, live_server, "author")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    group = page.locator("#references-group")
    group.screenshot(path=screenshot_dir / f"references-{width}.png")
    for row in range(3):
        assert page.locator(f"#id_references-{row}-kind").evaluate(SHOWS_EVERY_OPTION), f"kind of row {row} cut short"
        title = page.locator(f"#id_references-{row}-title").bounding_box()["width"]
        assert title >= min(320, width - 80), f"title of row {row} is {title:.0f} px wide"
    right = group.bounding_box()["x"] + group.bounding_box()["width"]
    for field in ("number", "kind", "title", "source", "year", "url", "doi", "pmid"):
        box = page.locator(f"#id_references-2-{field}").bounding_box()
        assert box["x"] + box["width"] <= right, f"{field} runs off the form"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    preview_settled(page)
    context.close()


def test_the_article_list_shows_every_column_at_1280(chromium, live_server, screenshot_dir):
    factories.ensure_groups()  # the transactional test's flush removed the migration's groups
    call_command("seed_demo")
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    admin_login(page, live_server, "editor", "editor-demo-pass")
    page.goto(f"{live_server.url}/admin/articles/article/")
    results = page.locator("#changelist .results")
    assert results.evaluate("r => r.scrollWidth <= r.clientWidth"), "the list scrolls sideways"
    updated = page.locator("#result_list th.column-updated_at").bounding_box()
    assert updated["x"] + updated["width"] <= results.bounding_box()["x"] + results.bounding_box()["width"]
    assert axe_violations(page) == []
    page.screenshot(path=screenshot_dir / "article-list-1280.png", full_page=True)
    context.close()
