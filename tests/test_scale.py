"""Scale: the synthetic dataset, pages whose query count does not grow with it, the sitemap index."""

import xml.etree.ElementTree as ET
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from articles.models import Article, FollowUpQuestion, ReviewDecision, Revision
from articles.site.search import document, search
from articles.site.sitemaps import ArticleSitemap

from . import factories

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def generate(articles, *, seed=1, **counts):
    counts = {"history": articles * 10, "decisions": articles * 5, "questions": articles * 2, **counts}
    arguments = ["--articles", str(articles), "--seed", str(seed)]
    for name, count in counts.items():
        arguments += [f"--{name}", str(count)]
    out = StringIO()
    call_command("generate_dataset", *arguments, stdout=out)
    return out.getvalue()


# --- The command --------------------------------------------------------------------


def test_generate_dataset_creates_the_requested_counts(db):
    output = generate(40, history=400, decisions=150, questions=60)
    assert Article.objects.count() == 40
    assert Article.history.count() == 400
    assert ReviewDecision.objects.count() == 150
    assert FollowUpQuestion.objects.count() == 60
    assert FollowUpQuestion.history.count() == 60
    assert "Generated 40 articles" in output and " s (" in output


def test_generated_articles_tell_a_consistent_workflow_story(db):
    generate(60, decisions=400)
    statuses = set(Article.objects.values_list("status", flat=True))
    assert {Article.Status.APPROVED, Article.Status.DRAFT} <= statuses
    for article in Article.objects.public().select_related("published_revision"):
        revision = article.published_revision
        assert revision.approved_at is not None and revision.article_id == article.pk
        assert revision.approvals().exists()
        assert article.last_reviewed_at >= revision.approved_at
        assert article.history.filter(history_type="+").count() == 1
    for article in Article.objects.awaiting_review():
        assert article.pending_revision.approved_at is None
    # Every revision keeps the text it froze; its authors include who submitted it.
    revision = Revision.objects.first()
    assert revision.authors.filter(pk=revision.submitted_by_id).exists()


def test_the_workflow_carries_on_after_a_generated_dataset(db, author, reviewer):
    generate(20)
    # Ids were chosen by the command: the database's own sequences must have moved past them.
    article = factories.publish(
        factories.make_article(author=author, slug="after"), author=author, reviewers=[reviewer]
    )
    assert article.published_revision.number == 1
    assert Article.objects.public().filter(slug="after").exists()


def test_generate_dataset_scales_every_count_and_repeats_with_a_seed(db):
    generate(0, history=0, decisions=0, questions=0)  # users and topics only
    call_command("generate_dataset", "--scale", "0.001", "--seed", "5", stdout=StringIO())
    first = list(Article.objects.order_by("pk").values_list("title", flat=True))
    assert len(first) == 10 and Article.history.count() == 100 and FollowUpQuestion.objects.count() == 20
    call_command("generate_dataset", "--scale", "0.001", "--seed", "5", stdout=StringIO())
    second = list(Article.objects.order_by("pk").values_list("title", flat=True))[10:]
    assert second == first


# --- Query counts do not grow with the data --------------------------------------------

ADMIN_PAGES = [
    "/admin/articles/reviewqueueitem/",
    "/admin/articles/article/",
    "/admin/articles/article/?status__exact=approved",
    "/admin/articles/article/?specialty__id__exact={specialty}",
    "/admin/articles/article/?q=what",
    "/admin/articles/article/{article}/history/",
    "/admin/articles/followupquestion/",
]
PUBLIC_PAGES = ["/sitemap.xml", "/sitemap-articles.xml", "/sitemap-topics.xml", "/?q=doctor", "/?q=blood+pressure"]


def _queries(client, count_queries, url):
    from articles.models import Specialty

    first = Article.objects.order_by("pk").first()
    url = url.format(article=first.pk, specialty=Specialty.objects.order_by("pk").first().pk)
    client.get(url)  # once first: per-process caches (content types...) fill on the first request
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


@pytest.mark.parametrize("url", ADMIN_PAGES + PUBLIC_PAGES)
def test_page_queries_are_the_same_with_3_and_with_30_articles(client, db, count_queries, url):
    client.force_login(factories.superuser(username="boss"))
    generate(3, seed=2)
    small = _queries(client, count_queries, url)
    generate(27, seed=3)
    assert _queries(client, count_queries, url) == small


# --- The sitemap index ------------------------------------------------------------------


def _locations(response):
    root = ET.fromstring(response.content)
    return [element.find(f"{SITEMAP}loc").text.removeprefix("http://testserver") for element in root]


def test_sitemap_index_lists_every_section_with_its_latest_change(client, published):
    root = ET.fromstring(client.get("/sitemap.xml").content)
    sections = {s.find(f"{SITEMAP}loc").text: s.find(f"{SITEMAP}lastmod") for s in root}
    assert set(sections) == {
        f"http://testserver/sitemap-{name}.xml" for name in ("articles", "professional", "topics", "pages", "authors")
    }
    approved = published.published_revision.approved_at
    assert sections["http://testserver/sitemap-articles.xml"].text.startswith(approved.strftime("%Y-%m-%d"))
    assert sections["http://testserver/sitemap-pages.xml"] is not None


def test_sitemap_sections_are_paginated(client, author, reviewer, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    for i in range(5):
        factories.publish(factories.make_article(author=author, slug=f"a-{i}"), author=author, reviewers=[reviewer])
    index = _locations(client.get("/sitemap.xml"))
    assert [url for url in index if "articles" in url] == [
        "/sitemap-articles.xml",
        "/sitemap-articles.xml?p=2",
        "/sitemap-articles.xml?p=3",
    ]
    pages = [_locations(client.get("/sitemap-articles.xml", {"p": p})) for p in (1, 2, 3)]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(url for page in pages for url in page) == [f"/articles/a-{i}/" for i in range(5)]
    assert client.get("/sitemap-articles.xml", {"p": 4}).status_code == 404


def test_robots_txt_still_points_at_the_sitemap_index(client, db):
    assert "Sitemap: http://testserver/sitemap.xml" in client.get("/robots.txt").content.decode()


# --- Full-text search uses its index on PostgreSQL -------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text index")
def test_search_document_is_the_indexed_expression(published):
    from django.contrib.postgres.search import SearchQuery

    # The same expression search() builds, from the revision's side: only the index can answer it
    # once sequential scans are off, and only if the expression is exactly the indexed one.
    query = (
        Revision.objects.alias(document=document())
        .filter(document=SearchQuery("coffee", config="english"))
        .order_by()  # no join for the default ordering: only the search condition is left to plan
    )
    assert "revision_search_idx" in bitmap_plan(query)
    assert [a.slug for a in search(Article.objects.public(), "coffee")] == ["coffee"]


def bitmap_plan(queryset):
    """Return PostgreSQL's plan for ``queryset`` with only bitmap (index) scans allowed."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # leaves bitmap scans: an index, or nothing
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigram indexes")
def test_admin_article_search_reads_the_trigram_indexes(rf, published, admin_user):
    from django.contrib import admin

    model_admin = admin.site._registry[Article]
    request = rf.get("/admin/articles/article/", {"q": "coffee"})
    request.user = admin_user
    queryset, _ = model_admin.get_search_results(request, Article.objects.order_by(), "coffee")
    plan = bitmap_plan(queryset)
    for column in ("title", "slug", "summary"):
        assert f"article_{column}_trgm_idx" in plan
    assert list(queryset) == [published]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 table")
def test_sqlite_search_index_follows_every_revision_write(published):
    revision = published.published_revision
    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid FROM articles_revision_fts WHERE articles_revision_fts MATCH 'coffee'")
        assert [row[0] for row in cursor.fetchall()] == [revision.pk]
        Revision.objects.filter(pk=revision.pk).update(title="Is tea bad for you?")
        cursor.execute("SELECT rowid FROM articles_revision_fts WHERE articles_revision_fts MATCH 'tea'")
        assert [row[0] for row in cursor.fetchall()] == [revision.pk]
        cursor.execute("SELECT count(*) FROM articles_revision_fts WHERE articles_revision_fts MATCH 'coffee'")
        assert cursor.fetchone()[0] == 0
