"""The editor's "Insert image…" dialog in a real browser: keyboard only, search, pages, insert, axe."""

import pytest
from playwright.sync_api import expect

from articles.content import images as pixels
from articles.models import Image
from articles.models import images as library

from . import factories
from . import images_helpers as make
from .conftest import CHROMIUM_ARGS, admin_login  # noqa: F401
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/work/wt/shots/img20flow"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def library_images(count=13):
    colours = ["teal", "navy", "orange", "purple", "olive", "maroon", "gray"]
    made = []
    for n in range(count):
        data = make.encoded("PNG", (400 + n, 240), colours[n % len(colours)])
        blob = library.store(pixels.clean(f"i{n}.png", data, max_bytes=10**7))
        made.append(
            Image.objects.create(
                title=f"Chart {n}",
                alt_text=f"Bar chart number {n}",
                licence="own-work",
                credit="Reviewed Health",
                file=blob,
            )
        )
    knee = library.store(pixels.clean("knee.png", make.encoded("PNG", (600, 400), "firebrick"), max_bytes=10**7))
    made.append(
        Image.objects.create(
            title="Knee diagram",
            alt_text="Diagram of the knee joint: thigh bone, shin bone and kneecap",
            caption="The parts of the knee",
            credit="A. Artist",
            licence="cc-by-4.0",
            file=knee,
        )
    )
    return made[-1]


def leave(page):
    """Let the page's background requests (preview, autosave) finish before the database is flushed."""
    for status in page.locator(".md-preview-status").all():
        expect(status).to_have_text("")
    page.wait_for_timeout(500)
    page.goto("about:blank")


def open_dialog_by_keyboard(page, field="body"):
    editor = page.locator(f"#id_{field}").locator("xpath=ancestor::div[@data-markdown-editor]")
    button = editor.locator("button[data-md='image']")
    button.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#image-picker")
    expect(dialog).to_be_visible()
    expect(page.locator("#image-picker-q")).to_be_focused()
    return dialog, button


def test_an_editor_inserts_a_figure_with_the_keyboard_alone(page, live_server, author, chromium):
    knee = library_images()
    article = factories.make_article(author=author, body="Knees bend [1].")
    admin_login(page, live_server, "author")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    body = page.locator("#id_body")
    body.evaluate("t => t.setSelectionRange(t.value.length, t.value.length)")
    page.locator("[data-preview='patient'] .md-toolbar").screenshot(path=f"{SHOTS}/toolbar-1280.png")
    dialog, button = open_dialog_by_keyboard(page)
    status = dialog.locator("[data-picker-status]")
    expect(status).to_have_text("14 images in the library, page 1 of 2.")
    expect(dialog.locator("[data-picker-results] li")).to_have_count(12)
    expect(dialog.locator("[data-picker-upload]")).to_be_visible()
    # Search by keyboard: type and Enter.
    page.keyboard.type("knee")
    page.keyboard.press("Enter")
    expect(status).to_have_text("1 image matching “knee”.")
    card = dialog.locator("[data-picker-results] li")
    expect(card).to_contain_text("Alt: Diagram of the knee joint")
    expect(card).to_contain_text("CC BY 4.0 · A. Artist")
    expect(card.locator("img")).to_have_js_property("complete", True)
    page.keyboard.press("Tab")  # the Search button
    page.keyboard.press("Tab")  # the image's radio button
    page.keyboard.press("Space")
    alt = page.locator("#image-picker-alt")
    expect(alt).to_have_value(knee.alt_text)
    expect(page.locator("#image-picker-caption")).to_have_value("The parts of the knee")
    page.keyboard.press("Tab")
    expect(alt).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("The knee joint from the front")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+a")
    page.keyboard.type('Parts of the "knee"')
    assert axe_violations(page) == []
    dialog.screenshot(path=f"{SHOTS}/insert-dialog-1280.png")
    page.screenshot(path=f"{SHOTS}/insert-dialog-1280-page.png")
    page.keyboard.press("Enter")  # in the caption field: submits the dialog's form
    expect(dialog).to_be_hidden()
    expected = f'Knees bend [1].\n\n![The knee joint from the front](image:{knee.pk} "Parts of the \\"knee\\"")'
    expect(body).to_have_value(expected)
    expect(body).to_be_focused()
    # Escape closes without inserting, and focus returns to the button.
    open_dialog_by_keyboard(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
    expect(body).to_have_value(expected)
    leave(page)


def test_pages_and_the_professional_text_and_a_phone(page, live_server, author, chromium):
    knee = library_images()
    article = factories.make_article(author=author, professional_body="Intro.\nMore.")
    admin_login(page, live_server, "author")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.locator("fieldset.collapse summary, details summary").first.click()
    professional = page.locator("#id_professional_body")
    professional.evaluate("t => t.setSelectionRange(6, 6)")  # after "Intro."
    dialog, _ = open_dialog_by_keyboard(page, "professional_body")
    expect(dialog.locator("[data-picker-status]")).to_have_text("14 images in the library, page 1 of 2.")
    dialog.locator("[data-picker-next]").click()
    expect(dialog.locator("[data-picker-status]")).to_have_text("14 images in the library, page 2 of 2.")
    expect(dialog.locator("[data-picker-results] li")).to_have_count(2)
    dialog.locator("label", has_text="Chart 0").click()
    page.locator("#image-picker-alt").fill("")
    dialog.locator("[data-picker-insert]").click()
    expect(dialog.locator("[data-picker-error]")).to_have_text("Describe what the image shows: alt text is needed.")
    page.locator("#image-picker-alt").fill("Bars")
    dialog.locator("[data-picker-insert]").click()
    expect(professional).to_have_value(f"Intro.\n\n![Bars](image:{knee.pk - 13})\n\nMore.")
    leave(page)

    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        admin_login(phone, live_server, "author")
        phone.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
        phone.locator("[data-preview='patient'] .md-toolbar").screenshot(path=f"{SHOTS}/toolbar-390.png")
        phone_dialog, _ = open_dialog_by_keyboard(phone)
        expect(phone_dialog.locator("[data-picker-results] li")).to_have_count(12)
        phone_dialog.locator("label", has_text="Knee diagram").click()
        expect(phone.locator("#image-picker-alt")).to_have_value(knee.alt_text)
        assert axe_violations(phone) == []
        assert phone.evaluate("document.getElementById('image-picker').scrollWidth <= 390")
        phone.screenshot(path=f"{SHOTS}/insert-dialog-390.png")
        phone_dialog.locator("[data-picker-details]").screenshot(path=f"{SHOTS}/insert-dialog-390-details.png")
        leave(phone)
    finally:
        context.close()


def test_the_library_json_needs_an_editor(client, reviewer, author):
    client.force_login(reviewer, backend="articles.review.board.BoardPermissionsBackend")
    assert client.get("/admin/articles/article/image-library/").status_code == 403
    client.logout()
    assert client.get("/admin/articles/article/image-library/").status_code == 401


def test_the_image_page_lists_where_it_is_used_and_the_list_counts(page, live_server, author, reviewer, chromium):
    from articles.content.figures import figure_markdown

    knee = library_images(count=2)
    for slug in ("knee-pain", "running"):
        article = factories.make_article(
            author=author, slug=slug, title=f"About {slug}", body=f"Text [1].\n\n{figure_markdown(knee.pk, 'Knee')}"
        )
        factories.publish(article, author=author, reviewers=[reviewer])
    factories.make_article(author=author, slug="draft", title="A draft", body=figure_markdown(knee.pk, "Knee"))
    admin_login(page, live_server, "author")
    page.goto(f"{live_server.url}/admin/articles/image/{knee.pk}/change/")
    uses = page.locator(".image-uses li")
    expect(uses).to_have_count(3)
    expect(uses.first).to_contain_text("About knee-pain: live version 1; working copy (approved)")
    assert axe_violations(page) == []
    page.locator(".image-uses").scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}/where-used-1280.png", full_page=True)
    page.goto(f"{live_server.url}/admin/articles/image/")
    expect(page.locator("td.field-used_in", has_text="3 articles")).to_have_count(1)
    expect(page.locator("td.field-used_in", has_text="Unused")).to_have_count(2)
    assert axe_violations(page) == []
    page.screenshot(path=f"{SHOTS}/library-list-1280.png", full_page=True)
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        admin_login(phone, live_server, "author")
        phone.goto(f"{live_server.url}/admin/articles/image/{knee.pk}/change/")
        assert axe_violations(phone) == []
        phone.screenshot(path=f"{SHOTS}/where-used-390.png", full_page=True)
    finally:
        context.close()
