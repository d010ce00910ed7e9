"""The image library in the admin (upload, search, filters, permissions) and the media view's responses."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from articles.content import images as pixels
from articles.models import Image, ImageFile, ImageRendition
from articles.models import images as library

from . import images_helpers as make

pytestmark = pytest.mark.django_db
BACKEND = "articles.review.board.BoardPermissionsBackend"
ADD = "/admin/articles/image/add/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def client_for(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def form(name="figure.png", data=None, **fields):
    upload = SimpleUploadedFile(name, data if data is not None else make.encoded("PNG", (800, 400)))
    return {
        "title": "Inhaler steps",
        "upload": upload,
        "alt_text": "A hand pressing an inhaler",
        "caption": "",
        "credit": "Reviewed Health",
        "source_url": "",
        "licence": "own-work",
        "licence_note": "",
        **fields,
    }


def stored_files(media):
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def test_an_editor_uploads_an_image_and_its_renditions_are_made(author, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(author).post(ADD, form(data=make.jpeg_with_gps((800, 400), orientation=1), name="x.jpg"))
    assert response.status_code == 302, response.content.decode()[:2000]
    image = Image.objects.get()
    assert (image.uploaded_by, image.file.format, image.file.width) == (author, "JPEG", 800)
    assert make.exif_of((media / image.file.name).read_bytes()) == {}
    assert ImageRendition.objects.filter(file=image.file).count() == 6  # 320, 640 and 800 px, in WebP and JPEG
    for width, fmt in image.file.rendition_specs():  # every served file, renditions too, has no EXIF
        served = Client().get("/media/" + image.file.rendition_name(width, fmt))
        assert served.status_code == 200 and make.exif_of(served.content) == {}
    page = client_for(author).get(f"/admin/articles/image/{image.pk}/change/").content.decode()
    assert image.file.rendition_name(320, "WEBP") in page and "Where used" in page


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("notes.png", b"not an image", "is not an image"),
        ("half.jpg", make.encoded("JPEG", (400, 300))[:600], "truncated"),
        ("bomb.png", make.png_bomb(), "60 megapixels"),
        ("logo.svg", make.SVG, "SVG"),
        ("holiday.jpg", make.encoded("JPEG") + make.zip_bytes(), "ZIP archive"),
        ("chart.jpg", make.encoded("PNG"), "is named .jpg but is a PNG image"),
    ],
)
def test_a_refused_upload_names_the_file_and_why_and_stores_nothing(author, media, name, data, reason):
    response = client_for(author).post(ADD, form(name=name, data=data, title="Kept title"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["upload"]
    assert f"“{name}”" in errors[0] and reason in errors[0]
    assert 'value="Kept title"' in response.content.decode()  # what was typed is not lost
    assert not Image.objects.exists() and not ImageFile.objects.exists()
    assert stored_files(media) == []


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(author, media, settings):
    settings.EDITORIAL_IMAGE_MAX_BYTES = 1000
    response = client_for(author).post(ADD, form(data=make.noise_png()))
    assert "“figure.png” is 30 KB; the limit is 1 KB." == response.context["adminform"].form.errors["upload"][0]
    assert stored_files(media) == []


def test_replacing_the_file_keeps_the_old_one_and_the_alt_text_rule_holds(author, media):
    client = client_for(author)
    client.post(ADD, form())
    image = Image.objects.get()
    old = image.file
    response = client.post(
        f"/admin/articles/image/{image.pk}/change/",
        form(data=make.encoded("PNG", (800, 400), color="orange"), alt_text="An orange inhaler"),
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.file != old and (media / old.name).exists() and (media / image.file.name).exists()
    response = client.post(f"/admin/articles/image/{image.pk}/change/", {**form(alt_text=""), "upload": ""})
    assert "Describe what the image shows" in response.content.decode()


def test_search_and_filters(author, other_editor):
    blob = library.store(pixels.clean("a.png", make.encoded("PNG"), max_bytes=10**6))
    Image.objects.create(title="Peak flow", alt_text="A peak flow meter", licence="own-work", file=blob)
    Image.objects.create(
        title="Rash",
        alt_text="",
        decorative=True,
        caption="Eczema on dark skin",
        licence="cc0-1.0",
        file=blob,
        uploaded_by=other_editor,
    )
    client = client_for(author)
    found = client.get("/admin/articles/image/", {"q": "eczema"}).content.decode()
    assert "Rash" in found and "Peak flow" not in found
    found = client.get("/admin/articles/image/", {"q": "meter"}).content.decode()
    assert "Peak flow" in found and "Rash" not in found
    decorative = client.get("/admin/articles/image/", {"decorative__exact": "1"}).content.decode()
    assert "Rash" in decorative and "Peak flow" not in decorative
    licensed = client.get("/admin/articles/image/", {"licence__exact": "own-work"}).content.decode()
    assert "Peak flow" in licensed and "Rash" not in licensed
    by = client.get("/admin/articles/image/", {"uploaded_by__id__exact": other_editor.pk}).content.decode()
    assert "Rash" in by and "Peak flow" not in by


def test_board_members_may_look_but_not_upload_and_readers_never_reach_the_admin(reviewer, media):
    board = client_for(reviewer)
    assert board.get("/admin/articles/image/").status_code == 200
    assert board.get(ADD).status_code == 403
    assert board.post(ADD, form()).status_code == 403
    reader = get_user_model().objects.create_user("reader", password="pw")
    response = client_for(reader).get("/admin/articles/image/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert Client().post(ADD, form()).status_code == 302
    assert stored_files(media) == []


def test_editors_may_not_delete_images(author):
    # Whoever may delete (not the Editors group) deletes only unused images: tests/test_image_usage.py.
    blob = library.store(pixels.clean("a.png", make.encoded("PNG"), max_bytes=10**6))
    image = Image.objects.create(title="Kept", alt_text="x", licence="own-work", file=blob)
    assert client_for(author).post(f"/admin/articles/image/{image.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Image.objects.filter(pk=image.pk).exists()


# --- The media view ---------------------------------------------------------------


@pytest.fixture
def blob():
    return library.store(pixels.clean("w.jpg", make.encoded("JPEG", (700, 350)), max_bytes=10**6))


def test_an_original_is_served_with_immutable_caching(blob, client):
    response = client.get("/media/" + blob.name)
    assert response.status_code == 200 and response.content == blob.read()
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response and "Cookie" not in response.get("Vary", "")  # shareable by any cache


def test_a_missing_rendition_is_made_on_first_request_once(blob, client, monkeypatch):
    calls = []
    original = pixels.render
    monkeypatch.setattr(pixels, "render", lambda *a: calls.append(a) or original(*a))
    url = "/media/" + blob.rendition_name(640, "WEBP")
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200 and first.content == second.content
    assert first["Content-Type"] == "image/webp" and first["Cache-Control"].endswith("immutable")
    assert len(calls) == 1 and ImageRendition.objects.filter(file=blob).count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/media/../editorial/settings.py",
        "/media/images/../../editorial/settings.py",
        "/media/images/%2e%2e/%2e%2e/manage.py",
        "/media/images/..%2f..%2fmanage.py",
        "/media/db.sqlite3",
        "/media/images/00/" + "0" * 64 + ".jpg",  # prefix matches, but no such file
    ],
)
def test_only_stored_hashed_names_are_served(blob, client, path):
    assert client.get(path).status_code == 404


def test_wrong_extension_prefix_or_width_is_not_found(blob, client):
    sha = blob.sha256
    assert client.get(f"/media/images/{sha[:2]}/{sha}.png").status_code == 404
    assert client.get(f"/media/images/ff/{sha}.jpg").status_code == (404 if sha[:2] != "ff" else 200)
    assert client.get(f"/media/images/{sha[:2]}/{sha}/w333.webp").status_code == 404  # not a rendition width
    assert client.get(f"/media/images/{sha[:2]}/{sha}/w1600.webp").status_code == 404  # would be upscaled
    assert not ImageRendition.objects.exists()


def test_the_media_view_works_with_debug_off(blob, client, settings):
    settings.DEBUG = False
    assert client.get("/media/" + blob.name).status_code == 200
    assert client.post("/media/" + blob.name).status_code in (403, 405)


def test_an_image_response_is_a_sandboxed_document_if_opened_directly(blob, client):
    response = client.get("/media/" + blob.name)
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Length"] == str(blob.size)
