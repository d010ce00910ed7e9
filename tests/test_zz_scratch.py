import pytest
from articles.review import editing, workflow
from . import factories
from .conftest import admin_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/work/wt/shots/i18-polish/"
BODY = "## Triggers\n\nCommon ones:\n\n- Beer [1]\n- Red meat [2]\n- Dehydration\n\n1. First step\n2. Second step [3]\n\nMore text."

def test_shots(chromium, live_server, author, reviewer):
    art = factories.make_article(author=author, title="What causes gout?", slug="gout", body=BODY, references=3)
    factories.publish(art, author=author, reviewers=[reviewer])
    art.body = BODY + "\n\nNew paragraph."
    editing.save_content(art, user=author, reason="x")
    for w, h in ((1280, 800), (390, 844)):
        ctx = chromium.new_context(viewport={"width": w, "height": h})
        p = ctx.new_page()
        admin_login(p, live_server, "author")
        p.goto(f"{live_server.url}/admin/articles/article/{art.pk}/change/")
        p.frame_locator("[data-preview='patient'] iframe").locator("li").first.wait_for()
        p.wait_for_timeout(500)
        p.locator("[data-preview='patient'] .md-preview-panel").screenshot(path=f"{SHOTS}panel-fit-{w}.png")
        for d in ("Phone", "Tablet", "Desktop"):
            p.locator("[data-preview='patient']").get_by_role("button", name=d).click()
            p.wait_for_timeout(400)
            p.locator("[data-preview='patient'] .md-preview-panel").screenshot(path=f"{SHOTS}panel-{d}-{w}.png")
        p.locator("[data-preview='patient']").get_by_role("button", name="Fit").click()
        p.locator("#references-group").screenshot(path=f"{SHOTS}refs-{w}.png")
        p.locator("#references-group .add-row a").click()
        p.locator("fieldset.why-fields").first.scroll_into_view_if_needed()
        p.screenshot(path=f"{SHOTS}why-{w}.png")
        p.screenshot(path=f"{SHOTS}change-full-{w}.png", full_page=True)
        ctx.close()
