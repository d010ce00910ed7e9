"""Markdown interchange with figures: image files beside the .md or in the zip, the library's words in
the front matter, byte-identical round trips, and each bad image named with its file and line."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from articles.content import images as pixels
from articles.content.figures import figure_markdown
from articles.interchange import service, sources
from articles.interchange.format import ArticleFile, FormatError, parse, serialise
from articles.models import Article, Image, ImageFile
from articles.models import images as library

from . import factories
from . import images_helpers as make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def topic(db):
    return factories.SpecialtyFactory(slug="neurology", name="Neurology")


def new_image(name, data, **fields) -> Image:
    blob = library.store(library.check_upload(name, data))
    values = {"title": "Knee diagram", "alt_text": "The knee joint", "licence": "own-work"} | fields
    return Image.objects.create(file=blob, **values)


def run(*args, user="author"):
    out = io.StringIO()
    try:
        call_command("import_articles", f"--as={user}", *[str(a) for a in args], stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def export(folder: Path, *args) -> dict:
    call_command("export_articles", str(folder), *args, stdout=io.StringIO())
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def articles_with_figures(author, topic):
    """Two articles: JPEG (uploaded with GPS), PNG and WebP figures, one image shown by both."""
    jpeg = new_image("photo.jpg", make.jpeg_with_gps((64, 48)), title="Rash on darker skin", caption="A rash")
    png = new_image(
        "knee.png", make.encoded("PNG", (80, 40)), credit="A. Artist", licence="cc-by-4.0", source_url="https://e.org/k"
    )
    webp = new_image("d.webp", make.encoded("WEBP", (30, 30), "red"), title="Divider", alt_text="", decorative=True)
    rash = figure_markdown(jpeg.pk, 'A red "rash" [raised]', "Day 2")
    body = f"Look [1].\n\n{rash}\n\n{figure_markdown(png.pk, 'The knee')}\n\n{figure_markdown(webp.pk, '')}\n"
    first = factories.make_article(author=author, slug="rash", specialty=topic, body=body)
    second = factories.make_article(
        author=author, slug="knee", specialty=topic, summary=f"Short.\n\n{figure_markdown(png.pk, 'Knee')}"
    )
    return first, second, (jpeg, png, webp)


def test_export_writes_image_files_beside_the_md_and_the_words_in_the_front_matter(tmp_path, author, topic):
    _, _, (jpeg, png, webp) = articles_with_figures(author, topic)
    files = export(tmp_path / "out", "--all")
    png_path = f"images/{png.file.sha256[:12]}-knee-diagram.png"
    assert set(files) == {
        "knee.md",
        "rash.md",
        png_path,
        f"images/{jpeg.file.sha256[:12]}-rash-on-darker-skin.jpg",
        f"images/{webp.file.sha256[:12]}-divider.webp",
    }
    assert files[png_path] == png.file.read()  # the stored bytes exactly
    rash = parse(files["rash.md"], max_bytes=10**6)
    assert f"![The knee]({png_path})" in rash.body and "image:" not in files["rash.md"].decode()
    assert rash.images[1] == {
        "file": png_path,
        "title": "Knee diagram",
        "alt_text": "The knee joint",
        "decorative": False,
        "caption": "",
        "credit": "A. Artist",
        "source_url": "https://e.org/k",
        "licence": "cc-by-4.0",
        "licence_note": "",
    }
    assert rash.images[2]["decorative"] is True


def test_directory_round_trip_into_an_empty_library_is_byte_identical(tmp_path, author, topic, settings):
    with transaction.atomic():
        articles_with_figures(author, topic)
        first = export(tmp_path / "first", "--all")
        transaction.set_rollback(True)
    assert not Image.objects.exists() and not ImageFile.objects.exists()
    settings.MEDIA_ROOT = str(tmp_path / "elsewhere")  # another site: no stored file either
    topic.save()
    factories.editor(username="importer")
    output, error = run(tmp_path / "first", user="importer")
    assert error is None, output
    assert export(tmp_path / "second", "--all") == first
    # The WebP (whose re-encoding would change it) was stored as exported, byte for byte.
    for blob in ImageFile.objects.all():
        assert hashlib.sha256(blob.read()).hexdigest() == blob.sha256
    assert Image.objects.count() == 3 and ImageFile.objects.count() == 3
    rash = Article.objects.get(slug="rash")
    assert rash.body.count("image:") == 3 and rash.history.first().history_change_reason.startswith("Imported")


def test_zip_round_trip_through_the_admin_export_is_byte_identical(tmp_path, author, reviewer, topic, settings):
    from django.test import Client

    first_article, second_article, _ = articles_with_figures(author, topic)
    for article in (first_article, second_article):
        factories.publish(article, author=author, reviewers=[reviewer])
    client = Client()
    client.force_login(author, backend="articles.review.board.BoardPermissionsBackend")

    def zip_export():
        response = client.post(
            "/admin/articles/article/",
            {"action": "export_markdown", "_selected_action": list(Article.objects.values_list("pk", flat=True))},
        )
        assert response["Content-Type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        return {name: archive.read(name) for name in sorted(archive.namelist())}

    first = zip_export()
    assert sum(name.startswith("images/") for name in first) == 3
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in first.items():
            archive.writestr(name, data)
    # Importing into the same site: the same files and library entries are reused, nothing copied.
    images_before = set(Image.objects.values_list("pk", flat=True))
    output, error = run(path)
    assert error is None and output.count("unchanged, nothing to do") == 2, output
    assert set(Image.objects.values_list("pk", flat=True)) == images_before and ImageFile.objects.count() == 3
    assert zip_export() == first


def test_an_identical_file_is_reused_and_new_words_make_a_new_library_entry(tmp_path, author, topic):
    image = new_image("knee.png", make.encoded("PNG", (80, 40)))
    text = serialise(
        ArticleFile(
            title="Knees",
            slug="knees",
            topic="neurology",
            summary="Knees.",
            body="![Knee](images/k.png)",
            images=[{"file": "images/k.png", "title": "Knee (imported)", "alt_text": "A knee", "licence": "own-work"}],
        )
    )
    (tmp_path / "in" / "images").mkdir(parents=True)
    (tmp_path / "in" / "knees.md").write_bytes(text)
    (tmp_path / "in" / "images" / "k.png").write_bytes(image.file.read())
    output, error = run(tmp_path / "in")
    assert error is None, output
    new = Image.objects.exclude(pk=image.pk).get()
    assert new.file == image.file and new.title == "Knee (imported)" and new.uploaded_by.username == "author"
    assert Article.objects.get(slug="knees").body == f"![Knee](image:{new.pk})"


def test_an_imported_photo_loses_its_gps(tmp_path, author, topic):
    folder = tmp_path / "in"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "p.jpg").write_bytes(make.jpeg_with_gps((40, 20), orientation=1))
    (folder / "a.md").write_bytes(one_figure("images/p.jpg"))
    output, error = run(folder)
    assert error is None, output
    assert make.exif_of(ImageFile.objects.get().read()) == {}


def one_figure(path="images/k.png", **entry) -> bytes:
    return serialise(
        ArticleFile(
            title="A",
            slug="a",
            topic="neurology",
            summary="S.",
            body=f"Para.\n\n![Knee]({path})\n",
            images=[{"file": path, "title": "K", "alt_text": "A knee", "licence": "own-work"} | entry],
        )
    )


# --- Bad input: one line naming the file and the line, nothing stored ------------------------


def nothing_stored(media):
    assert not Article.objects.exists() and not Image.objects.exists() and not ImageFile.objects.exists()
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_a_missing_image_file_names_it_and_the_line(tmp_path, author, topic, media):
    path = tmp_path / "a.md"
    path.write_bytes(one_figure())
    output, error = run(path)
    assert error is not None
    assert f"{path}:7: error: image 1: 'images/k.png' is missing: no such file beside the article file" in output
    nothing_stored(media)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"not an image at all", "is not an image"),
        (make.noise_png((60, 30))[:2000], "damaged or truncated"),
        (make.SVG, "SVG"),
        (make.encoded("JPEG"), "is named .png but is a JPEG image"),
    ],
)
def test_an_image_failing_the_library_checks_names_it_and_the_line(tmp_path, author, topic, media, data, why):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "k.png").write_bytes(data)
    (tmp_path / "a.md").write_bytes(one_figure())
    output, error = run(tmp_path / "a.md")
    assert error is not None and ":7: error: image 1: 'images/k.png' " in output and why in output, output
    nothing_stored(media)


def test_a_huge_image_is_refused_before_it_is_read(tmp_path, author, topic, media, settings):
    settings.EDITORIAL_IMAGE_MAX_BYTES = 10_000
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "k.png").write_bytes(make.noise_png((100, 100)))
    (tmp_path / "a.md").write_bytes(one_figure())
    output, error = run(tmp_path / "a.md")
    assert error is not None and "'images/k.png' is 3" in output and "at most 10,000" in output, output
    nothing_stored(media)


def test_a_path_out_of_the_folder_is_refused_in_files_and_zips(tmp_path, author, topic, media):
    (tmp_path / "a.md").write_bytes(one_figure().replace(b"images/k.png", b"images/../../secret.png"))
    output, error = run(tmp_path / "a.md")
    assert error is not None and ":7: error: image 1: the file 'images/../../secret.png' climbs out" in output, output
    archive = tmp_path / "up.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.md", one_figure())
        zipped.writestr("../images/k.png", make.encoded("PNG"))
    output, error = run(archive)
    assert error is not None and f"{archive}:a.md:7: error: image 1: 'images/k.png' is missing" in output, output
    nothing_stored(media)


def test_a_zip_image_member_over_the_limit_is_named(tmp_path, author, topic, media, settings):
    settings.EDITORIAL_IMAGE_MAX_BYTES = 10_000
    archive = tmp_path / "up.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.md", one_figure())
        zipped.writestr("images/k.png", make.noise_png((100, 100)))
    output, error = run(archive)
    assert error is not None and "'images/k.png' is 3" in output and "at most 10,000" in output, output
    nothing_stored(media)


def test_a_figure_by_library_number_or_not_listed_is_refused_with_its_line():
    with pytest.raises(FormatError) as by_number:
        parse(one_figure().replace(b"](images/k.png)\n", b"](image:12)\n"), max_bytes=10**6)
    assert by_number.value.line == 15 and "'image:12' in the body names an image of the library" in str(by_number.value)
    with pytest.raises(FormatError) as unlisted:
        parse(one_figure().replace(b"](images/k.png)\n", b"](images/other.png)\n"), max_bytes=10**6)
    assert unlisted.value.line == 15 and "'images/other.png' in the body is not listed" in str(unlisted.value)


def test_library_rules_apply_to_imported_images(tmp_path, author, topic, media):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "k.png").write_bytes(make.encoded("PNG"))
    (tmp_path / "a.md").write_bytes(one_figure(alt_text="", licence="cc-by-4.0"))
    output, error = run(tmp_path / "a.md")
    assert error is not None and ":7: error: image 1 ('images/k.png'): Describe what the image shows" in output
    assert "requires crediting the author" in output
    nothing_stored(media)


def test_a_single_md_upload_with_figures_asks_for_its_folder(author, topic):
    item = service.plan(sources.read_upload("a.md", io.BytesIO(one_figure())))
    assert "came without its folder" in item.items[0].problem and item.items[0].line == 7


def test_an_import_that_fails_while_writing_leaves_no_library_entry(tmp_path, author, topic, monkeypatch):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "k.png").write_bytes(make.encoded("PNG"))
    (tmp_path / "a.md").write_bytes(one_figure())

    def refuse(*args, **kwargs):
        raise service.workflow.WorkflowError("refused while writing")

    monkeypatch.setattr(service.editing, "save_content", refuse)
    output, error = run(tmp_path / "a.md")
    assert error is not None and "refused while writing" in output
    assert not Image.objects.exists() and not ImageFile.objects.exists() and not Article.objects.exists()


def test_the_round_trip_of_the_format_keeps_images():
    data = one_figure(decorative=True, alt_text="", caption="C", credit="Me", licence_note="ok")
    assert serialise(parse(data, max_bytes=10**6)) == data
    assert pixels.carries_metadata(make.jpeg_with_gps()) and not pixels.carries_metadata(make.encoded("PNG"))


def test_the_admin_import_page_takes_a_zip_with_images_and_explains_figures(author, topic, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from articles.admin.interchange import SESSION_KEY

    settings.EDITORIAL_IMPORT_DIR = tmp_path / "imports"
    url = reverse("admin:articles_article_import")
    client = Client()
    client.force_login(author, backend="articles.review.board.BoardPermissionsBackend")
    page = client.get(url).content.decode()
    assert "Figures, and the fields of each item of <code>images</code>" in page and "<code>alt_text</code>" in page
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("articles/a.md", one_figure())
        archive.writestr("articles/images/k.png", make.encoded("PNG", (50, 50)))
    response = client.post(url, {"files": [SimpleUploadedFile("up.zip", buffer.getvalue())]})
    assert [line for line, _ in response.context["lines"]] == ["up.zip:articles/a.md: would create"]
    assert not ImageFile.objects.exists()  # checked, not stored, until confirmed
    token = client.session[SESSION_KEY]["token"]
    client.post(url, {"step": "confirm", "token": token})
    image = Image.objects.get()
    assert Article.objects.get(slug="a").body == f"Para.\n\n![Knee](image:{image.pk})\n"
    alone = client.post(url, {"files": [SimpleUploadedFile("b.md", one_figure().replace(b"slug: a", b"slug: b"))]})
    [line] = [line for line, _ in alone.context["lines"]]
    assert line.startswith("b.md:7: error: image 1: 'images/k.png' cannot be read: this article file came without")


def test_submitting_on_import_works_with_images_new_to_the_library(tmp_path, author, topic):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "k.png").write_bytes(make.encoded("PNG"))
    (tmp_path / "a.md").write_bytes(one_figure())
    output, error = run(tmp_path / "a.md", "--submit")
    assert error is None and "created; submitted for review" in output, output
    article = Article.objects.get(slug="a")
    assert article.status == Article.Status.SUBMITTED and f"image:{Image.objects.get().pk}" in article.body


def test_exporting_an_approved_version_writes_the_image_it_froze_not_the_librarys_new_one(
    tmp_path, author, reviewer, topic
):
    """The file, credit and licence a version was approved with, even after the library's entry changed."""
    png = new_image("knee.png", make.encoded("PNG", (80, 40)), credit="A. Artist", licence="cc-by-4.0")
    old_bytes, old_sha = png.file.read(), png.file.sha256
    article = factories.make_article(
        author=author, slug="knee", specialty=topic, body=figure_markdown(png.pk, "Knee"), references=0
    )
    factories.publish(article, author=author, reviewers=[reviewer])
    png.file = library.store(library.check_upload("new.png", make.encoded("PNG", (60, 30), "red")))
    png.credit, png.licence = "B. Other", "own-work"
    png.save()

    files = export(tmp_path / "out")  # approved versions
    (path,) = [name for name in files if name.startswith("images/")]
    assert path.startswith(f"images/{old_sha[:12]}-") and files[path] == old_bytes
    entry = parse(files["knee.md"], max_bytes=10**6).images[0]
    assert (entry["credit"], entry["licence"]) == ("A. Artist", "cc-by-4.0")
    working = export(tmp_path / "working", "--all")  # the working copy shows the library as it is now
    assert any(name.startswith(f"images/{png.file.sha256[:12]}-") for name in working)
