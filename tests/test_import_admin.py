"""The admin's Markdown import page (upload, report, confirm) and the "Export as Markdown" action."""

import io
import os
import stat
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from articles.admin.interchange import MAX_PENDING_PER_USER, PENDING_SECONDS, SESSION_KEY
from articles.interchange.format import serialise
from articles.models import Article, Reference
from articles.review import editing

from . import factories
from .test_interchange import ExpandedBytes, article_file, bad_files

URL = reverse("admin:articles_article_import")


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.EDITORIAL_IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def topic(db):
    return factories.SpecialtyFactory(slug="neurology", name="Neurology")


@pytest.fixture
def client_factory():
    """A new browser (its own session) signed in as ``user``."""

    def make(user):
        browser = Client()
        browser.force_login(user)
        return browser

    return make


@pytest.fixture
def editor_client(client, author):
    client.force_login(author)
    return client


def upload(name, data):
    return SimpleUploadedFile(name, data if isinstance(data, bytes) else serialise(data))


def zipped(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def report_lines(response) -> list[str]:
    return [line for line, _ in response.context["lines"]]


def test_the_import_page_explains_the_format_itself(editor_client, topic):
    html = editor_client.get(URL).content.decode()
    assert "README" not in html  # editors never see it
    assert "The article file format" in html
    for field in ("title", "slug", "topic", "summary", "references", "kind", "doi", "pmid"):
        assert f"<code>{field}</code>" in html
    assert "<code>neurology</code> (Neurology)" in html  # the topics a file may name
    assert "slug: what-causes-gout" in html  # a complete example


def test_uploading_shows_the_report_and_writes_nothing(editor_client, topic, settings):
    response = editor_client.post(
        URL, {"files": [upload("a.md", article_file("a")), upload("b.md", article_file("b"))]}
    )
    assert response.status_code == 200
    assert report_lines(response) == ["a.md: would create", "b.md: would create"]
    assert b"Import 2 articles" in response.content
    assert not Article.objects.exists() and not Article.history.exists()
    assert len(list(settings.EDITORIAL_IMPORT_DIR.iterdir())) == 1  # the upload waits on the server


def test_confirming_imports_and_deletes_the_upload(editor_client, author, topic, settings):
    editor_client.post(URL, {"files": [upload("a.md", article_file("a"))]})
    token = editor_client.session[SESSION_KEY]["token"]
    response = editor_client.post(URL, {"step": "confirm", "token": token}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:articles_article_changelist")
    article = Article.objects.get(slug="a")
    assert article.status == Article.Status.DRAFT and article.references.count() == 2
    assert article.history.get().history_user == author
    assert article.history.get().history_change_reason == "Imported from a.md"
    assert "a.md: created" in [str(m) for m in response.context["messages"]]
    assert list(settings.EDITORIAL_IMPORT_DIR.iterdir()) == []
    assert SESSION_KEY not in editor_client.session


def test_import_messages_keep_the_file_names_case(editor_client, topic):
    editor_client.post(URL, {"files": [upload("migraine.md", article_file("migraine"))]})
    token = editor_client.session[SESSION_KEY]["token"]
    html = editor_client.post(URL, {"step": "confirm", "token": token}, follow=True).content.decode()
    assert '<li class="verbatim info">migraine.md: created</li>' in html
    assert "Migraine.md" not in html


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)  # the usual umask, under which the uploads were 0644 in a 0755 folder
    yield
    os.umask(old)


def test_uploads_wait_readable_by_the_server_alone(editor_client, topic, settings, umask_022):
    settings.EDITORIAL_IMPORT_DIR.mkdir(mode=0o755)  # made by an earlier version
    zip_data = zipped({"b.md": serialise(article_file("b"))})
    editor_client.post(URL, {"files": [upload("a.md", article_file("a")), upload("b.zip", zip_data)]})
    (folder,) = settings.EDITORIAL_IMPORT_DIR.iterdir()
    assert mode(settings.EDITORIAL_IMPORT_DIR) == 0o700 and mode(folder) == 0o700
    files = sorted(folder.iterdir())
    assert [path.name for path in files] == ["0", "1", "names.json"]
    assert {path.name: mode(path) for path in files} == {"0": 0o600, "1": 0o600, "names.json": 0o600}


def test_at_most_a_few_uploads_wait_per_editor_the_oldest_goes(client_factory, author, other_editor, topic, settings):
    """One upload waits per session; across sessions (tabs, devices) the editor's oldest makes way."""
    theirs = client_factory(other_editor)
    theirs.post(URL, {"files": [upload("theirs.md", article_file("theirs"))]})
    clients = [client_factory(author) for _ in range(MAX_PENDING_PER_USER + 2)]
    now = time.time() - 600  # each upload a second after the last, whatever the clock's resolution
    for n, client in enumerate(clients):
        response = client.post(URL, {"files": [upload(f"{n}.md", article_file(f"s{n}"))]})
        assert response.status_code == 200
        folders = [path.name for path in settings.EDITORIAL_IMPORT_DIR.iterdir()]
        assert sum(name.startswith(f"{author.pk}-") for name in folders) == min(n + 1, MAX_PENDING_PER_USER)
        os.utime(
            settings.EDITORIAL_IMPORT_DIR / f"{author.pk}-{client.session[SESSION_KEY]['token']}", (now + n, now + n)
        )
    assert "at most 3 wait per person" in str(list(response.context["messages"])[0])
    # The other editor's upload is untouched; the first two of this editor's are gone.
    response = theirs.post(URL, {"step": "confirm", "token": theirs.session[SESSION_KEY]["token"]}, follow=True)
    assert Article.objects.filter(slug="theirs").exists()
    oldest = clients[0]
    response = oldest.post(URL, {"step": "confirm", "token": oldest.session[SESSION_KEY]["token"]}, follow=True)
    assert "no longer waiting" in str(list(response.context["messages"])[0])
    newest = clients[-1]
    newest.post(URL, {"step": "confirm", "token": newest.session[SESSION_KEY]["token"]})
    assert sorted(Article.objects.values_list("slug", flat=True)) == [f"s{MAX_PENDING_PER_USER + 1}", "theirs"]


def test_an_upload_left_waiting_too_long_is_removed_on_the_next_visit(
    editor_client, client_factory, other_editor, topic, settings
):
    editor_client.post(URL, {"files": [upload("a.md", article_file("a"))]})
    (folder,) = settings.EDITORIAL_IMPORT_DIR.iterdir()
    long_ago = time.time() - PENDING_SECONDS - 60
    os.utime(folder, (long_ago, long_ago))
    assert client_factory(other_editor).get(URL).status_code == 200  # anyone's visit sweeps
    assert list(settings.EDITORIAL_IMPORT_DIR.iterdir()) == []
    response = editor_client.post(
        URL, {"step": "confirm", "token": editor_client.session[SESSION_KEY]["token"]}, follow=True
    )
    assert "no longer waiting" in str(list(response.context["messages"])[0])
    assert not Article.objects.exists()


def test_a_zip_with_a_path_outside_the_archive_gets_an_error_line(editor_client, topic):
    data = zipped({"ok.md": serialise(article_file("ok")), "../../x.md": serialise(article_file("x"))})
    response = editor_client.post(URL, {"files": [upload("library.zip", data)]})
    assert report_lines(response) == [
        "library.zip:ok.md: would create",
        "library.zip:../../x.md: error: refused: a path that climbs out of the archive ('..') inside the zip",
    ]
    token = editor_client.session[SESSION_KEY]["token"]
    editor_client.post(URL, {"step": "confirm", "token": token})
    assert list(Article.objects.values_list("slug", flat=True)) == ["ok"]


@pytest.mark.parametrize("name", list(bad_files()))
def test_each_bad_file_gets_one_line_naming_it_and_never_a_500(editor_client, topic, name):
    data, expected = bad_files()[name]
    response = editor_client.post(URL, {"files": [upload(name, data), upload("good.md", article_file("good"))]})
    assert response.status_code == 200
    lines = report_lines(response)
    assert len(lines) == 2 and lines[0].startswith(f"{name}{expected}"), lines
    assert lines[1] == "good.md: would create"
    editor_client.post(URL, {"step": "confirm", "token": editor_client.session[SESSION_KEY]["token"]})
    assert list(Article.objects.values_list("slug", flat=True)) == ["good"]


def test_a_file_that_is_not_a_zip_and_a_zip_bomb_get_one_line_each(editor_client, topic, settings):
    settings.EDITORIAL_IMPORT_MAX_BYTES = 100 * 1024 * 1024
    bomb = zipped({"bomb.md": b"\0" * (50 * 1024 * 1024)})
    response = editor_client.post(URL, {"files": [upload("bad.zip", b"not a zip"), upload("bomb.zip", bomb)]})
    lines = report_lines(response)
    assert lines[0].startswith("bad.zip: error: not a readable zip archive")
    assert lines[1] == "bomb.zip:bomb.md: error: refused: a zip bomb (it expands more than 100 times)"


def test_a_zip_past_the_total_is_one_line_in_one_request_and_nothing_is_inflated(
    editor_client, topic, settings, monkeypatch
):
    settings.EDITORIAL_IMPORT_MAX_TOTAL_BYTES = 1024 * 1024
    data = zipped({f"{n}.md": b"x" * 100_000 for n in range(50)})
    expanded = ExpandedBytes(monkeypatch)
    response = editor_client.post(URL, {"files": [upload("library.zip", data)]})
    assert report_lines(response) == [
        "library.zip: error: refused: its 50 .md files expand to 5,000,000 bytes; an import may hold "
        "1,048,576 bytes in all (EDITORIAL_IMPORT_MAX_TOTAL_BYTES); nothing in it was imported"
    ]
    assert expanded.count == 0


def test_a_duplicate_slug_in_the_upload_names_both_files(editor_client, topic):
    response = editor_client.post(
        URL, {"files": [upload("one.md", article_file("x")), upload("two.md", article_file("x"))]}
    )
    assert report_lines(response) == [
        "one.md:3: error: the slug 'x' is also used by two.md in this import; each article once",
        "two.md:3: error: the slug 'x' is also used by one.md in this import; each article once",
    ]
    assert b"Import 0" not in response.content and b"nothing to import" in response.content


def test_all_or_nothing_offers_no_import_while_a_file_fails(editor_client, topic):
    files = [upload("good.md", article_file("good")), upload("bad.md", b"no front matter")]
    response = editor_client.post(URL, {"files": files, "atomic": "on"})
    assert response.context["importable"] == 0
    token = editor_client.session[SESSION_KEY]["token"]
    editor_client.post(URL, {"step": "confirm", "token": token})
    assert not Article.objects.exists()


def test_a_file_that_is_not_markdown_or_zip_is_a_form_error(editor_client):
    response = editor_client.post(URL, {"files": [upload("notes.txt", b"hello")]})
    assert response.status_code == 200
    assert "neither a .md file nor a .zip" in response.context["form"].errors["files"][0]


def test_an_edit_between_preview_and_confirm_shows_the_report_again(editor_client, author, other_editor, topic):
    editor_client.post(URL, {"files": [upload("a.md", article_file("a"))]})
    token = editor_client.session[SESSION_KEY]["token"]
    factories.make_article(author=other_editor, slug="a", specialty=topic)  # someone else made "a" meanwhile
    response = editor_client.post(URL, {"step": "confirm", "token": token})
    assert response.status_code == 200 and report_lines(response) == ["a.md: would update"]
    assert Article.objects.get(slug="a").title == "What causes headaches?"


def test_confirming_with_a_token_from_elsewhere_is_refused(editor_client, topic):
    editor_client.post(URL, {"files": [upload("a.md", article_file("a"))]})
    response = editor_client.post(URL, {"step": "confirm", "token": "x" * 32}, follow=True)
    assert "no longer waiting" in [str(m) for m in response.context["messages"]][0]
    assert not Article.objects.exists()


def test_cancel_deletes_the_upload(editor_client, topic, settings):
    editor_client.post(URL, {"files": [upload("a.md", article_file("a"))]})
    token = editor_client.session[SESSION_KEY]["token"]
    editor_client.post(URL, {"step": "cancel", "token": token})
    assert list(settings.EDITORIAL_IMPORT_DIR.iterdir()) == [] and not Article.objects.exists()


def test_submit_needs_a_change_note_for_updates_of_published_articles(editor_client, author, reviewer, topic):
    article = factories.make_article(author=author, slug="a", specialty=topic, body="Text [1].")
    factories.publish(article, author=author, reviewers=[reviewer])
    response = editor_client.post(URL, {"files": [upload("a.md", article_file("a"))], "submit": "on"})
    assert "needs a short public change note" in report_lines(response)[0]
    response = editor_client.post(
        URL,
        {
            "files": [upload("a.md", article_file("a"))],
            "submit": "on",
            "change_note": "Rewritten.",
            "change_kind": "editorial",
        },
    )
    assert report_lines(response) == ["a.md: would update (new draft; the live version stays until approved)"]
    editor_client.post(URL, {"step": "confirm", "token": editor_client.session[SESSION_KEY]["token"]})
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED and article.pending_revision.change_note == "Rewritten."
    assert article.is_public() and article.published_revision.number == 1


def test_a_user_who_may_not_edit_articles_gets_403_and_no_link(client, reviewer):
    client.force_login(reviewer)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"files": [upload("a.md", article_file("a"))]}).status_code == 403
    changelist = client.get(reverse("admin:articles_article_changelist"))
    assert URL.encode() not in changelist.content


def test_editors_see_the_import_link_and_the_page(editor_client):
    assert URL.encode() in editor_client.get(reverse("admin:articles_article_changelist")).content
    page = editor_client.get(URL)
    assert page.status_code == 200
    assert b'type="file"' in page.content and b"multiple" in page.content
    assert b'<label for="id_files">' in page.content


# --- Export as Markdown --------------------------------------------------------------------


def test_export_action_returns_a_zip_of_the_approved_versions(editor_client, author, reviewer, topic):
    live = factories.publish(
        factories.make_article(author=author, slug="live", specialty=topic), author=author, reviewers=[reviewer]
    )
    live.title = "A newer draft title"
    editing.save_content(live, user=author, reason="Draft")
    draft = factories.make_article(author=author, slug="draft", specialty=topic)
    response = editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "export_markdown", "_selected_action": [live.pk, draft.pk]},
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == ["live.md"]
    text = archive.read("live.md").decode()
    assert "title: Is coffee" not in text and "A newer draft title" not in text
    assert f"title: {live.published_revision.title}" in text
    assert Reference.objects.filter(article=live).count() == 1


def test_the_exported_zip_imports_back_as_unchanged(editor_client, author, reviewer, topic, tmp_path):
    article = factories.make_article(author=author, slug="live", specialty=topic, body="Text [1].")
    factories.publish(article, author=author, reviewers=[reviewer])
    response = editor_client.post(
        reverse("admin:articles_article_changelist"), {"action": "export_markdown", "_selected_action": [article.pk]}
    )
    response = editor_client.post(URL, {"files": [upload("export.zip", response.content)]})
    assert report_lines(response) == ["export.zip:live.md: unchanged, nothing to do"]
