"""URLs that never break: slug changes, redirects added by hand, from CSV and from front matter."""

import pytest
from django.core.exceptions import ValidationError

from articles.models import Article, AuditEntry, Redirect
from articles.review import editing
from articles.site import redirects
from articles.site.redirects import Line

from . import factories


@pytest.fixture
def renamed(published, author, commit):
    published.slug = "coffee-and-health"
    commit(editing.save_content, published, user=author)
    published.refresh_from_db()
    return published


def test_slug_change_redirects_old_url_permalinks_and_professional_pages(client, renamed):
    number = renamed.published_revision.number
    for old, new in [
        ("/articles/coffee/", "/articles/coffee-and-health/"),
        ("/articles/coffee/professional/", "/articles/coffee-and-health/professional/"),
        (f"/articles/coffee/v/{number}/", f"/articles/coffee-and-health/v/{number}/"),
        (f"/articles/coffee/v/{number}/professional/", f"/articles/coffee-and-health/v/{number}/professional/"),
        ("/articles/coffee/?utm=x", "/articles/coffee-and-health/?utm=x"),
    ]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == new
    page = client.get("/articles/coffee-and-health/")
    assert page.status_code == 200
    assert 'href="http://testserver/articles/coffee-and-health/"' in page.content.decode()  # canonical
    assert "/articles/coffee/" not in page.content.decode()


def test_slug_change_redirects_the_api_detail(client, renamed):
    from articles.api import keys

    token = keys.create_key(name="Partner")[1]
    response = client.get("/api/v1/articles/coffee/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/articles/coffee-and-health/"
    assert client.get(response["Location"], HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_slug_change_is_audited(renamed):
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "redirect.slug_changed" in actions
    assert "redirect.added" in actions


def test_a_second_rename_follows_without_a_chain(client, renamed, author, commit):
    renamed.slug = "coffee-facts"
    commit(editing.save_content, renamed, user=author)
    assert client.get("/articles/coffee/")["Location"] == "/articles/coffee-facts/"
    assert client.get("/articles/coffee-and-health/")["Location"] == "/articles/coffee-facts/"


def test_renaming_back_drops_the_self_redirect(client, renamed, author, commit):
    renamed.slug = "coffee"
    commit(editing.save_content, renamed, user=author)
    assert client.get("/articles/coffee/").status_code == 200
    assert list(Redirect.objects.values_list("old_path", flat=True)) == ["/articles/coffee-and-health/"]


def test_old_url_is_purged_from_the_page_cache(client, published, author, commit, settings):
    settings.EDITORIAL_PAGE_CACHE = True
    assert client.get("/articles/coffee/").status_code == 200
    assert client.get("/articles/coffee/")["X-Page-Cache"] == "hit"
    published.slug = "coffee-and-health"
    commit(editing.save_content, published, user=author)
    response = client.get("/articles/coffee/")
    assert response.status_code == 301


def test_live_pages_do_not_look_up_redirects(client, published, django_assert_num_queries):
    client.get("/articles/coffee/")  # warm whatever the first request loads
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/articles/coffee/").status_code == 200
    assert not any("redirect" in q["sql"].lower() for q in queries.captured_queries)


def test_a_new_live_article_takes_a_redirected_slug(client, renamed, author, reviewer):
    newcomer = factories.make_article(author=author, title="Coffee, again", slug="coffee")
    assert client.get("/articles/coffee/").status_code == 301  # a draft does not take the address
    factories.publish(newcomer, author=author, reviewers=[reviewer])
    assert client.get("/articles/coffee/").status_code == 200
    assert not Redirect.objects.filter(old_path="/articles/coffee/").exists()
    removed = AuditEntry.objects.get(action="redirect.removed")
    assert "now has this address" in removed.details["reason"]


# --- Adding redirects: validation ------------------------------------------------------


def test_manual_redirect_to_an_article_and_to_a_path(client, published, admin_user):
    redirects.add_many([Line("/old-site/coffee.html", "/articles/coffee/")], source="manual", user=admin_user)
    redirects.add_many([Line("/old-site/board.html", "/board/")], source="manual", user=admin_user)
    stored = Redirect.objects.get(old_path="/old-site/coffee.html")
    assert stored.article == published  # an article target follows later renames
    assert client.get("/old-site/coffee.html")["Location"] == "/articles/coffee/"
    assert client.get("/old-site/board.html")["Location"] == "/board/"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "http:/\\evil.example", "/\\evil.example", "javascript:alert(1)"],
)
def test_open_redirect_refused(published, target):
    with pytest.raises(ValidationError, match="not a path on this site"):
        redirects.add_many([Line("/old/", target)], source="manual")
    assert not Redirect.objects.exists()


def test_old_path_that_is_a_live_page_refused(published):
    with pytest.raises(ValidationError, match="is a live page"):
        redirects.add_many([Line("/articles/coffee/", "/board/")], source="manual")


def test_target_must_exist(published):
    with pytest.raises(ValidationError, match="not a page on this site"):
        redirects.add_many([Line("/old/", "/articles/no-such-thing/")], source="manual")


def test_chain_is_collapsed_to_the_final_target(client, published):
    redirects.add_many([Line("/b/", "/articles/coffee/")], source="manual")
    redirects.add_many([Line("/a/", "/b/")], source="manual")
    assert Redirect.objects.get(old_path="/a/").article == published
    assert client.get("/a/")["Location"] == "/articles/coffee/"  # one hop


def test_path_chain_is_collapsed_when_its_middle_is_redirected_later(client, published):
    redirects.add_many([Line("/a/", "/board/")], source="manual")
    redirects.add_many([Line("/b/", "/a/")], source="manual")
    assert Redirect.objects.get(old_path="/b/").target_path == "/board/"


def test_loop_refused_naming_the_line(published):
    text = "old_path,new_path\n/a/,/b/\n/b/,/a/\n"
    with pytest.raises(ValidationError, match=r"line 2: redirect loop: /a/ → /b/ → /a/"):
        redirects.add_many(redirects.parse_csv(text), source="csv")
    assert not Redirect.objects.exists()


def test_csv_import_is_atomic_and_names_the_bad_line(published):
    text = "/old/coffee.html,/articles/coffee/\n/old/board.html,/board/\n/old/x.html,https://evil.example/\n"
    with pytest.raises(ValidationError) as error:
        redirects.add_many(redirects.parse_csv(text), source="csv")
    assert "line 3" in str(error.value)
    assert not Redirect.objects.exists()


def test_csv_import_without_header_adds_every_line(client, published):
    text = "/old/coffee.html,/articles/coffee/\n\n/old/board.html,/board/\n"
    added = redirects.add_many(redirects.parse_csv(text), source="csv")
    assert [r.old_path for r in added] == ["/old/coffee.html", "/old/board.html"]
    assert client.get("/old/board.html")["Location"] == "/board/"
    assert AuditEntry.objects.filter(action="redirect.added").count() == 2


def test_csv_with_wrong_columns_names_the_line(db):
    with pytest.raises(ValidationError, match="line 2: expected two columns"):
        redirects.parse_csv("/a/,/b/\n/c/\n")


def test_sitemap_lists_only_final_urls(client, renamed):
    body = client.get("/sitemap-articles.xml").content.decode()
    assert "/articles/coffee-and-health/" in body
    assert "/articles/coffee/" not in body


# --- The redirects screen ----------------------------------------------------------------


def _csv(text, name="redirects.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_admin_lists_searches_and_filters_redirects(admin_client, renamed):
    redirects.add_many([Line("/old/board.html", "/board/")], source="csv")
    page = admin_client.get("/admin/articles/redirect/")
    body = page.content.decode()
    assert "/articles/coffee/" in body and "/old/board.html" in body
    assert "Import from CSV" in body
    only_csv = admin_client.get("/admin/articles/redirect/?source__exact=csv").content.decode()
    assert "/old/board.html" in only_csv and "/articles/coffee/</a>" not in only_csv
    searched = admin_client.get("/admin/articles/redirect/?q=board").content.decode()
    assert "/old/board.html" in searched and "/articles/coffee/</a>" not in searched


def test_admin_adds_a_redirect_by_hand(admin_client, published):
    response = admin_client.post(
        "/admin/articles/redirect/add/", {"old_path": "/old/coffee.html", "target_path": "/articles/coffee/"}
    )
    assert response.status_code == 302
    stored = Redirect.objects.get()
    assert (stored.article, stored.source) == (published, "manual")
    assert AuditEntry.objects.filter(action="redirect.added").exists()


def test_admin_refuses_an_open_redirect_with_a_field_error(admin_client, published):
    response = admin_client.post(
        "/admin/articles/redirect/add/", {"old_path": "/old/", "target_path": "https://evil.example/"}
    )
    assert response.status_code == 200
    assert "not a path on this site" in response.content.decode()
    assert not Redirect.objects.exists()


def test_admin_removing_a_redirect_is_audited(admin_client, renamed):
    redirect = Redirect.objects.get()
    response = admin_client.post(f"/admin/articles/redirect/{redirect.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Redirect.objects.exists()
    assert AuditEntry.objects.filter(action="redirect.removed").exists()


def test_csv_import_screen_reports_the_bad_line_and_adds_nothing(admin_client, published):
    text = "old_path,new_path\n/old/coffee.html,/articles/coffee/\n/old/gone.html,/articles/nothing-here/\n"
    response = admin_client.post("/admin/articles/redirect/import/", {"file": _csv(text)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was added. Line 3: the target /articles/nothing-here/ is not a page on this site." in body
    assert not Redirect.objects.exists()


def test_csv_import_screen_adds_the_file(admin_client, published):
    text = "/old/coffee.html,/articles/coffee/\n/old/board.html,/board/\n"
    response = admin_client.post("/admin/articles/redirect/import/", {"file": _csv(text)}, follow=True)
    body = response.content.decode()
    assert "Added 2 redirects from the file." in body
    assert set(Redirect.objects.values_list("source", flat=True)) == {"csv"}


def test_editors_may_keep_redirects(client, author):
    client.force_login(author)
    assert client.get("/admin/articles/redirect/").status_code == 200
    assert client.get("/admin/articles/redirect/import/").status_code == 200


# --- redirect_from in Markdown front matter ----------------------------------------------


def _import(tmp_path, data: bytes, user):
    import io

    from django.core.management import CommandError, call_command

    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    (folder / "gout.md").write_bytes(data)
    out = io.StringIO()
    try:
        call_command("import_articles", f"--as={user.username}", str(folder), stdout=out)
    except CommandError as error:
        return out.getvalue() + str(error)
    return out.getvalue()


GOUT = """---
title: What causes gout?
slug: what-causes-gout
topic: rheumatology
redirect_from:
- /health-a-z/gout.html
- /old/gout/
summary: Crystals of uric acid in a joint.
---

Uric acid builds up and forms crystals in a joint.
"""


@pytest.fixture
def rheumatology(db):
    return factories.SpecialtyFactory(slug="rheumatology", name="Rheumatology")


def test_redirect_from_is_imported_and_exported_byte_identical(tmp_path, client, author, reviewer, rheumatology):
    import io

    from django.core.management import call_command

    output = _import(tmp_path, GOUT.encode(), author)
    assert "1 created" in output, output
    article = Article.objects.get(slug="what-causes-gout")
    assert sorted(article.redirects.values_list("old_path", "source")) == [
        ("/health-a-z/gout.html", "import"),
        ("/old/gout/", "import"),
    ]
    assert client.get("/health-a-z/gout.html").status_code == 404  # a draft: nothing to send readers to yet
    factories.publish(article, author=author, reviewers=[reviewer])
    assert client.get("/health-a-z/gout.html")["Location"] == "/articles/what-causes-gout/"
    out = tmp_path / "out"
    call_command("export_articles", str(out), "--all", stdout=io.StringIO())
    assert (out / "what-causes-gout.md").read_bytes() == GOUT.encode()
    assert "0 created" in _import(tmp_path, GOUT.encode(), author)  # again: nothing new, nothing doubled
    assert article.redirects.count() == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[https://evil.example/x]", "'redirect_from' must be a list of old paths"),
        ("[//evil.example/x]", "not a path on this site"),
        ("[/articles/what-causes-gout/]", "the article's own address"),
    ],
)
def test_bad_redirect_from_is_refused_with_its_line(tmp_path, author, rheumatology, value, message):
    text = GOUT.replace("redirect_from:\n- /health-a-z/gout.html\n- /old/gout/\n", f"redirect_from: {value}\n")
    output = _import(tmp_path, text.encode(), author)
    assert message in output, output
    assert "gout.md:5: error" in output, output
    assert not Redirect.objects.exists()


def test_redirect_from_a_path_redirected_elsewhere_is_refused(tmp_path, author, renamed, rheumatology):
    text = GOUT.replace("- /old/gout/\n", "- /articles/coffee/\n")
    output = _import(tmp_path, text.encode(), author)
    assert "/articles/coffee/ already redirects to /articles/coffee-and-health/" in output, output


def test_cached_api_detail_of_the_old_slug_turns_into_a_redirect(client, published, author, commit, settings):
    from articles.api import keys

    settings.EDITORIAL_PAGE_CACHE = True
    token = keys.create_key(name="Partner")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/articles/coffee/", **auth).status_code == 200
    assert client.get("/api/v1/articles/coffee/", **auth).status_code == 200  # now cached
    published.slug = "coffee-and-health"
    commit(editing.save_content, published, user=author)
    response = client.get("/api/v1/articles/coffee/", **auth)
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/articles/coffee-and-health/"


def test_percent_encoded_old_paths_match_what_readers_request(client, published):
    redirects.add_many(redirects.parse_csv("/caf%C3%A9/coffee.html,/articles/coffee/\n"), source="csv")
    assert client.get("/caf%C3%A9/coffee.html")["Location"] == "/articles/coffee/"
