"""The article editor in a real browser: toolbar, cite menu and the live preview."""

import pytest
from playwright.sync_api import expect

from articles.review import workflow

from . import factories
from .conftest import admin_login
from .test_reference_lookup import stub  # noqa: F401 - the stub Crossref/PubMed fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def preview_settled(page):
    """Wait until the live preview has shown its first render: no request left for the server when
    the test ends (its database is flushed then)."""
    expect(page.frame_locator("[data-preview='patient'] iframe").locator(".md-preview-article")).to_have_count(1)
    expect(page.locator("[data-preview='patient'] .md-preview-status")).to_have_text("")


def open_change_form(page, live_server, article):
    admin_login(page, live_server, "author")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")


def test_live_preview_follows_typing_with_numbered_citations(page, live_server, author, screenshot_dir):
    article = factories.make_article(author=author, title="What causes gout?", body="Uric acid [1].", references=2)
    open_change_form(page, live_server, article)
    preview = page.frame_locator("[data-preview='patient'] iframe").locator("[data-preview-output]")
    expect(preview).to_contain_text("Uric acid")
    body = page.locator("#id_body")
    body.fill("## Triggers\n\nBeer and red meat [2]. Also dehydration [1].")
    expect(preview.locator(".md-preview-body h2")).to_have_text("Triggers")
    # Reference 2 is cited first, so readers see it as [1].
    expect(preview.locator("sup.citation a").first).to_have_attribute("href", "#ref-1")
    expect(preview.locator("#ref-1")).to_contain_text("A study")
    body.fill("Cites nothing known [9].")
    expect(preview.locator(".md-problems")).to_contain_text("there is no reference 9")
    body.fill("## Triggers\n\nBeer and red meat [2]. Also dehydration [1].")
    expect(preview.locator(".md-problems")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "editor-desktop.png", full_page=True)


def test_reference_table_fits_the_form(page, live_server, author, screenshot_dir):
    article = factories.make_article(author=author, references=3)
    open_change_form(page, live_server, article)
    group = page.locator("#references-group")
    group.screenshot(path=screenshot_dir / "references-desktop.png")
    box = group.bounding_box()
    for field in ("number", "title", "url", "doi", "pmid"):
        cell = page.locator(f"#id_references-2-{field}").bounding_box()
        assert cell["x"] + cell["width"] <= box["x"] + box["width"], f"{field} runs off the form"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_toolbar_formats_the_selection_and_cites_from_the_reference_rows(page, live_server, author):
    article = factories.make_article(author=author, body="Drink water", references=2)
    open_change_form(page, live_server, article)
    body = page.locator("#id_body")
    body.evaluate("t => t.setSelectionRange(6, 11)")  # "water"
    page.locator("[data-preview='patient'] button[data-md='bold']").click()
    expect(body).to_have_value("Drink **water**")
    body.press("End")
    page.locator("[data-preview='patient'] select[data-md='cite']").select_option("2")
    expect(body).to_have_value("Drink **water** [2]")
    body.press("Control+a")
    page.locator("[data-preview='patient'] button[data-md='heading']").click()
    expect(body).to_have_value("## Drink **water** [2]")


def test_toolbar_is_reachable_by_keyboard(page, live_server, author):
    article = factories.make_article(author=author)
    open_change_form(page, live_server, article)
    page.locator("#id_summary").focus()
    page.keyboard.press("Shift+Tab")
    focused = page.evaluate("document.activeElement.closest('[role=toolbar]') !== null")
    assert focused
    body = page.locator("#id_body")
    body.fill("plain ")
    body.press("End")
    body.press("Control+b")
    expect(body).to_have_value("plain **bold text**")


def test_editor_fits_a_phone_screen(phone_page, live_server, author, screenshot_dir):
    article = factories.make_article(author=author, body="## Causes\n\nUric acid [1].")
    open_change_form(phone_page, live_server, article)
    preview = phone_page.frame_locator("[data-preview='patient'] iframe")
    expect(preview.locator(".md-preview-body h2")).to_have_text("Causes")
    phone_page.screenshot(path=screenshot_dir / "editor-phone.png", full_page=True)
    phone_page.locator("#references-group").screenshot(path=screenshot_dir / "references-phone.png")
    width = phone_page.evaluate("window.innerWidth")
    assert phone_page.locator("#id_references-0-pmid").bounding_box()["x"] + 10 < width


@pytest.mark.usefixtures("stub")
def test_look_up_fills_a_new_reference_from_its_doi(page, live_server, author, screenshot_dir):
    article = factories.make_article(author=author, body="Cited [1].", references=1)
    open_change_form(page, live_server, article)
    page.locator("#references-group .add-row a").click()
    row = page.locator("#references-1")  # the row just added
    row.locator("input[name$='-doi']").fill("10.1000/gout.1")
    row.get_by_role("button", name="Look up").click()
    expect(row.locator("input[name$='-title']")).to_have_value("Urate-lowering therapy in gout: a randomised trial")
    expect(row.locator("input[name$='-source']")).to_have_value("Annals of the Rheumatic Diseases")
    expect(row.locator("input[name$='-year']")).to_have_value("2019")
    expect(row.locator(".ref-lookup-status")).to_contain_text("check before saving")
    row.locator("input[name$='-doi']").fill("10.1000/unknown")
    row.locator("input[name$='-title']").fill("")
    row.get_by_role("button", name="Look up").click()
    expect(row.locator(".ref-lookup-status")).to_have_text("Crossref does not know this identifier.")
    page.locator("#references-group").screenshot(path=screenshot_dir / "reference-lookup.png")


def test_save_and_submit_sends_what_was_typed(page, live_server, author, screenshot_dir):
    article = factories.make_article(author=author, title="What causes gout?", body="Uric acid [1].")
    open_change_form(page, live_server, article)
    page.locator("#id_body").fill("Typed and never saved separately [1].")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Saved and submitted for review")
    # Submitted: read-only, showing the text that was typed.
    expect(page.locator(".field-body .readonly")).to_contain_text("Typed and never saved separately")
    page.screenshot(path=screenshot_dir / "save-and-submit.png", full_page=True)
    article.refresh_from_db()
    assert article.pending_revision.body == "Typed and never saved separately [1]."


def test_refused_save_and_submit_keeps_the_typed_text_on_screen(page, live_server, author, reviewer):
    article = factories.publish(factories.make_article(author=author, slug="gout"), author=author, reviewers=[reviewer])
    open_change_form(page, live_server, article)
    page.locator("#id_body").fill("An update typed in the browser [1].")
    page.get_by_role("button", name="Save and submit for review").click()
    # An update needs its public change note: a form error, and the typed text is still there.
    expect(page.locator(".field-change_note .errorlist")).to_be_visible()
    expect(page.locator("#id_body")).to_have_value("An update typed in the browser [1].")


def test_leaving_with_unsaved_changes_asks_first(page, live_server, author):
    article = factories.make_article(author=author, title="What causes gout?", body="Uric acid [1].")
    open_change_form(page, live_server, article)
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    # Nothing typed: leaving is silent.
    page.get_by_role("link", name="Articles", exact=True).first.click()
    page.wait_for_url(f"{live_server.url}/admin/articles/article/")
    assert dialogs == []
    page.go_back()
    page.wait_for_url(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.locator("#id_body").fill("Words not yet saved [1].")
    page.get_by_role("link", name="Articles", exact=True).first.click()
    expect(page.locator("#id_body")).to_have_value("Words not yet saved [1].")
    assert dialogs == ["beforeunload"]
    assert page.url == f"{live_server.url}/admin/articles/article/{article.pk}/change/"
    # Saving is not leaving: no question asked.
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert dialogs == ["beforeunload"]


def test_saving_renumbers_references_in_the_order_the_text_cites_them(page, live_server, author, screenshot_dir):
    article = factories.make_article(author=author, body="First point [1].", references=2)
    titles = dict(article.references.values_list("number", "title"))
    open_change_form(page, live_server, article)
    # The editor cites reference 2 before reference 1 and saves.
    page.locator("#id_body").fill("Water helps [2]. Rest helps too [1].")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .info")).to_contain_text("References renumbered")
    # The text's markers and the rows now follow the reading order.
    expect(page.locator("#id_body")).to_have_value("Water helps [1]. Rest helps too [2].")
    expect(page.locator("#id_references-0-title")).to_have_value(titles[2])
    expect(page.locator("#id_references-1-title")).to_have_value(titles[1])
    page.screenshot(path=screenshot_dir / "renumbered.png", full_page=True)


def test_uncited_references_move_with_the_arrows_and_cited_ones_say_why_not(page, live_server, author, screenshot_dir):
    article = factories.make_article(author=author, body="Only the first is cited [1].", references=3)
    titles = dict(article.references.values_list("number", "title"))
    open_change_form(page, live_server, article)
    status = page.locator("#ref-order-status")
    # Reference 1 is cited: its place comes from the text, and the status line says so.
    page.get_by_role("button", name="Move reference 2 up").click()
    expect(status).to_contain_text("Reference 1 is cited in the text")
    expect(page.locator("#id_references-1-number")).to_have_value("2")
    # References 2 and 3 are not cited: they trade places, on screen and in their numbers.
    page.get_by_role("button", name="Move reference 3 up").click()
    expect(status).to_contain_text(f"“{titles[3]}” is now reference 2")
    expect(page.locator("#id_references-2-number")).to_have_value("2")
    expect(page.locator("#id_references-1-number")).to_have_value("3")
    rows = page.locator("#references-group tr.form-row:not(.empty-form) input[name$='-title']")
    expect(rows.nth(1)).to_have_value(titles[3])
    page.locator("#references-group").screenshot(path=screenshot_dir / "references-moved.png")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    saved = article.references.order_by("number").values_list("title", flat=True)
    assert list(saved) == [titles[1], titles[3], titles[2]]


def test_a_new_reference_is_numbered_and_citations_join_in_the_house_style(page, live_server, author):
    article = factories.make_article(author=author, body="Drink water", references=2)
    open_change_form(page, live_server, article)
    page.locator("#references-group .add-row a").click()
    row = page.locator("#references-2")  # the row just added: numbered after the others
    expect(row.locator("input[name$='-number']")).to_have_value("3")
    row.locator("input[name$='-title']").fill("A third study")
    cite = page.locator("[data-preview='patient'] select[data-md='cite']")
    expect(cite.locator("option")).to_have_count(4)  # "Cite reference…" and the three rows
    body = page.locator("#id_body")
    body.evaluate("t => t.setSelectionRange(t.value.length, t.value.length)")
    cite.select_option("1")
    cite.select_option("3")
    expect(body).to_have_value("Drink water [1, 3]")
    cite.select_option("2")
    expect(body).to_have_value("Drink water [1\u20133]")
    preview = page.frame_locator("[data-preview='patient'] iframe")
    expect(preview.locator(".md-preview-body sup.citation a")).to_have_count(3)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    preview_settled(page)
    assert article.references.get(number=3).title == "A third study"


def test_a_new_row_left_empty_is_not_saved(page, live_server, author):
    article = factories.make_article(author=author, references=1)
    open_change_form(page, live_server, article)
    page.locator("#references-group .add-row a").click()
    expect(page.locator("#references-1 input[name$='-number']")).to_have_value("2")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    preview_settled(page)
    assert article.references.count() == 1


def test_a_submitted_article_offers_no_add_reference_link(page, live_server, author):
    article = factories.make_article(author=author, body="Cited [1].", references=1)
    workflow.submit(article, user=author)
    open_change_form(page, live_server, article)
    expect(page.locator("#references-group")).to_contain_text("A study")
    expect(page.get_by_role("button", name="Add another Reference")).to_be_hidden()
