"""The image library's checks, content-addressed files and renditions (articles.content.images, models.images)."""

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from articles.content import images as pixels
from articles.models import Image, ImageFile, ImageRendition
from articles.models import images as library

from . import images_helpers as make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def clean(name, data, max_bytes=10_000_000):
    return pixels.clean(name, data, max_bytes=max_bytes)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("notes.jpg", b"Just some text, not a picture at all.", "not an image"),
        ("broken.jpg", make.encoded("JPEG", (400, 300))[:700], "truncated"),
        ("huge.png", make.png_bomb(), "60 megapixels"),
        ("bigger.png", make.png_bomb(15_000, 10_000), "more than 50 megapixels"),
        ("drawing.svg", make.SVG, "SVG"),
        ("drawing.png", make.SVG, "SVG"),
        ("holiday.jpg", make.encoded("JPEG") + make.zip_bytes(), "ZIP archive"),
        ("chart.png", make.encoded("PNG") + b"<html><script>alert(1)</script></html>", "HTML or script"),
        ("photo.webp", make.encoded("WEBP") + b"%PDF-1.7 more", "a PDF"),
        ("photo.jpg", make.encoded("PNG"), "named .jpg but is a PNG image"),
        ("photo.png", make.encoded("JPEG"), "named .png but is a JPEG image"),
        ("photo.gif", make.encoded("GIF"), "extension that is not accepted"),
        ("photo", make.encoded("JPEG"), "extension that is not accepted"),
    ],
)
def test_bad_uploads_are_refused_with_the_reason(name, data, reason):
    with pytest.raises(pixels.ImageRejected, match=reason):
        clean(name, data)


def test_a_file_over_the_size_limit_is_refused():
    data = make.noise_png()
    with pytest.raises(pixels.ImageRejected, match="the limit is 100 bytes"):
        clean("big.png", data, max_bytes=100)


@pytest.mark.parametrize("fmt", pixels.accepted_formats())
def test_each_accepted_format_is_re_encoded_in_its_own_format(fmt):
    extension = pixels.FORMATS[fmt][0]
    cleaned = clean(f"figure.{extension.upper()}", make.encoded(fmt, (50, 30)))
    assert (cleaned.format, cleaned.width, cleaned.height) == (fmt, 50, 30)
    assert PILImage.open(io.BytesIO(cleaned.data)).format == fmt


def test_jpeg_named_jpeg_and_padding_after_the_end_are_accepted():
    assert clean("scan.jpeg", make.encoded("JPEG") + b"\x00" * 32).format == "JPEG"


def test_exif_with_gps_is_stripped_and_orientation_applied_first():
    original = make.jpeg_with_gps(size=(40, 20), orientation=6)
    assert "gps2" in make.exif_of(original)  # the test file does carry a position
    cleaned = clean("patient.jpg", original)
    assert make.exif_of(cleaned.data) == {}
    assert b"PatientPhone" not in cleaned.data
    assert (cleaned.width, cleaned.height) == (20, 40)  # rotated upright before the EXIF went


def test_same_bytes_are_stored_once_and_a_replacement_keeps_the_old_file(author, media):
    first = library.store(clean("a.png", make.encoded("PNG", (30, 30), color="red")))
    again = library.store(clean("copy.png", make.encoded("PNG", (30, 30), color="red")))
    assert again.pk == first.pk and ImageFile.objects.count() == 1
    assert first.name == f"images/{first.sha256[:2]}/{first.sha256}.png"
    image = Image.objects.create(title="Red", alt_text="A red square", licence="own-work", file=first)
    old_bytes = first.read()

    second = library.store(clean("b.png", make.encoded("PNG", (30, 30), color="blue")))
    image.file = second
    image.save()

    assert second.sha256 != first.sha256
    assert (media / first.name).read_bytes() == old_bytes  # the old file is kept, unchanged
    assert [h.file_id for h in image.history.order_by("history_id")] == [first.pk, second.pk]


def test_a_stored_file_is_never_overwritten(media):
    blob = library.store(clean("a.png", make.encoded("PNG")))
    library._write_once(blob.name, b"other bytes")
    assert (media / blob.name).read_bytes() == blob.read() != b"other bytes"
    assert sorted(p.name for p in (media / blob.name).parent.iterdir()) == [blob.name.rsplit("/", 1)[1]]


def test_rendition_widths_are_never_upscaled():
    assert pixels.rendition_widths(5000) == [320, 640, 960, 1280, 1600]
    assert pixels.rendition_widths(1000) == [320, 640, 960, 1000]
    assert pixels.rendition_widths(200) == [200]


def test_renditions_are_made_once_in_webp_and_the_original_format(monkeypatch, django_capture_on_commit_callbacks):
    blob = library.store(clean("wide.jpg", make.encoded("JPEG", (1000, 500))))
    calls = []
    original_render = pixels.render
    monkeypatch.setattr(pixels, "render", lambda *a: calls.append(a) or original_render(*a))
    with django_capture_on_commit_callbacks(execute=True):
        library.renditions_after_commit(blob)
    made = {(r.width, r.format, r.height) for r in ImageRendition.objects.filter(file=blob)}
    assert made == {(w, fmt, w // 2) for w in (320, 640, 960, 1000) for fmt in ("WEBP", "JPEG")}
    assert len(calls) == 8
    library.ensure_renditions(blob)  # again: nothing to make
    assert len(calls) == 8
    small = ImageRendition.objects.get(file=blob, width=320, format="WEBP")
    assert PILImage.open(default_storage.open(small.name)).size == (320, 160)


def test_png_with_transparency_falls_back_to_png_and_webp_originals_to_jpeg():
    png = library.store(clean("logo.png", make.encoded("PNG", (400, 100), color=(0, 0, 0, 0), mode="RGBA")))
    webp = library.store(clean("photo.webp", make.encoded("WEBP", (400, 100))))
    assert {fmt for _, fmt in png.rendition_specs()} == {"WEBP", "PNG"}
    assert {fmt for _, fmt in webp.rendition_specs()} == {"WEBP", "JPEG"}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"alt_text": ""}, "alt_text", "Describe what the image shows"),
        ({"alt_text": "A chart", "decorative": True}, "alt_text", "decorative image has no alt text"),
        ({"licence": "permission"}, "licence_note", "who gave permission"),
        ({"licence": "cc-by-4.0", "credit": ""}, "credit", "requires crediting"),
    ],
)
def test_description_rules(fields, field, message):
    image = Image(**{"title": "T", "alt_text": "A chart", "licence": "own-work", **fields})
    with pytest.raises(Exception) as error:
        image.clean()
    assert message in " ".join(error.value.message_dict[field])


def test_licence_urls():
    assert Image(licence="cc-by-4.0").licence_url == "https://creativecommons.org/licenses/by/4.0/"
    assert Image(licence="own-work").licence_url == ""


def test_a_photo_whose_metadata_mentions_svg_is_not_taken_for_an_svg():
    data = make.encoded("JPEG", comment=b"exported from <svg> editor")
    assert clean("photo.jpg", data).format == "JPEG"


def test_frozen_keeps_the_old_file_and_words_after_the_entry_changes(author):
    red = library.store(clean("a.png", make.encoded("PNG", color="red")))
    image = Image.objects.create(title="Red", alt_text="A red square", licence="own-work", file=red)
    before = image.frozen()
    image.file = library.store(clean("b.png", make.encoded("PNG", color="blue")))
    image.alt_text = "A blue square"
    image.save()
    assert before["file"] == red.sha256 and before["alt_text"] == "A red square"
    assert ImageFile.objects.get(sha256=before["file"]).read() == red.read()  # still there to show
    assert image.frozen()["alt_text"] == "A blue square"


def test_a_cmyk_jpeg_is_stored_as_rgb():
    cleaned = clean("print.jpg", make.encoded("JPEG", mode="CMYK", color=(0, 255, 255, 0)))
    assert PILImage.open(io.BytesIO(cleaned.data)).mode == "RGB"
