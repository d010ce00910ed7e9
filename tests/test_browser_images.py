"""The image library in a browser: upload (and a refused upload), search, the change page; axe at 1280 and 390 px."""

import io

import pytest
from PIL import Image as PILImage
from PIL import ImageDraw

from articles.content import images as pixels
from articles.models import Image
from articles.models import images as library

from . import images_helpers as make
from .conftest import _browser_page, admin_login
from .test_browser_site import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def narrow_page(chromium):
    context, page = _browser_page(chromium, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield page
    context.close()


def drawing(fill, shape) -> bytes:
    """A small diagram: a coloured shape on a light background."""
    image = PILImage.new("RGB", (900, 600), "#f4f1ea")
    draw = ImageDraw.Draw(image)
    getattr(draw, shape)((200, 120, 700, 480), fill=fill, outline="#333333", width=8)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def library_images(author):
    made = []
    for title, alt, fill, shape, licence in [
        ("Inhaler, step 1", "A hand shaking an inhaler before use", "#2a6f97", "ellipse", "own-work"),
        ("Gout: the big toe joint", "Diagram of a swollen big toe joint", "#c44536", "rectangle", "cc-by-4.0"),
        ("Section divider", "", "#8a9a5b", "ellipse", "cc0-1.0"),
    ]:
        blob = library.store(pixels.clean("d.png", drawing(fill, shape), max_bytes=10**7))
        made.append(
            Image.objects.create(
                title=title,
                alt_text=alt,
                decorative=not alt,
                credit="Reviewed Health",
                licence=licence,
                caption="Drawn for this site.",
                file=blob,
                uploaded_by=author,
            )
        )
    return made


def images_loaded(page):
    """Wait (bounded) until every image on the page has loaded and decoded; fail if one is broken."""
    for _ in range(100):
        states = page.locator("img").evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : -1)")
        if all(state >= 0 for state in states):
            assert 0 not in states, "an image did not load"
            return
        page.wait_for_timeout(50)
    raise AssertionError("images still loading")


def test_library_upload_search_and_change_page(
    page, narrow_page, live_server, library_images, screenshot_dir, tmp_path
):
    problems = {}
    for browser_page in (page, narrow_page):
        width = browser_page.viewport_size["width"]
        admin_login(browser_page, live_server, "author")
        browser_page.goto(f"{live_server.url}/admin/articles/image/?q=toe")
        assert browser_page.locator("#result_list tbody tr").count() == 1
        browser_page.goto(f"{live_server.url}/admin/articles/image/")
        thumbs = browser_page.locator("img.image-thumb")
        assert thumbs.count() == Image.objects.count() >= 3
        images_loaded(browser_page)
        problems[f"{width} list"] = axe_violations(browser_page)
        browser_page.screenshot(path=screenshot_dir / f"images-library-{width}.png", full_page=True)

        browser_page.goto(f"{live_server.url}/admin/articles/image/{library_images[1].pk}/change/")
        images_loaded(browser_page)
        assert browser_page.locator(".image-renditions li").count() == 6  # 320, 640, 900 px x WebP, PNG
        problems[f"{width} change"] = axe_violations(browser_page)
        browser_page.screenshot(path=screenshot_dir / f"images-change-{width}.png", full_page=True)

        bad = tmp_path / "holiday.jpg"
        bad.write_bytes(make.encoded("PNG"))
        browser_page.goto(f"{live_server.url}/admin/articles/image/add/")
        browser_page.fill("#id_title", f"Peak flow meter {width}")
        browser_page.set_input_files("#id_upload", str(bad))
        browser_page.fill("#id_alt_text", "A peak flow meter held level")
        browser_page.select_option("#id_licence", "own-work")
        browser_page.click("input[name=_save]")
        assert "“holiday.jpg” is named .jpg but is a PNG image" in browser_page.locator(".errorlist").inner_text()
        problems[f"{width} refused"] = axe_violations(browser_page)
        browser_page.screenshot(path=screenshot_dir / f"images-refused-{width}.png", full_page=True)

        good = tmp_path / "meter.png"
        good.write_bytes(drawing("#e09f3e", "rectangle"))
        browser_page.set_input_files("#id_upload", str(good))
        browser_page.click("input[name=_save]")
        browser_page.wait_for_url(f"{live_server.url}/admin/articles/image/")
        assert Image.objects.filter(title=f"Peak flow meter {width}").exists()
    assert {k: v for k, v in problems.items() if v} == {}
