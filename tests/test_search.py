"""Public search: both audiences and reference titles, stemming, ranking, highlights, paging."""

import re

import pytest
from django.db import connection

from articles.review import editing
from articles.site.search import ensure_sqlite_index, fts_query, marked

from . import factories

pytestmark = pytest.mark.django_db


def result_slugs(client, query, **params):
    response = client.get("/", {"q": query, **params})
    assert response.status_code == 200
    return [article.slug for article, _ in response.context["results"]]


def live(author, reviewer, **fields):
    return factories.publish(factories.make_article(author=author, **fields), author=author, reviewers=[reviewer])


@pytest.fixture
def blood_pressure(author, reviewer):
    article = factories.make_article(
        author=author,
        slug="blood-pressure",
        title="How is high blood pressure treated?",
        summary="Lifestyle changes first, then medicines if readings stay high [1].",
        body="Cut down on salt and keep active [1].",
        professional_summary="First-line management of hypertension in adults [1].",
        professional_body="Offer an ACE inhibitor to adults with type 2 diabetes [1].",
    )
    return factories.publish(article, author=author, reviewers=[reviewer])


def test_search_finds_words_used_only_in_the_professional_version(client, blood_pressure):
    assert result_slugs(client, "hypertension") == ["blood-pressure"]


def test_search_matches_other_forms_of_a_word(client, blood_pressure):
    # "diabetic" and "diabetes" share a stem; "treating" finds "treated".
    assert result_slugs(client, "diabetic") == ["blood-pressure"]
    assert result_slugs(client, "treating") == ["blood-pressure"]


def test_search_finds_reference_titles(client, author, reviewer):
    article = live(author, reviewer, slug="cited", title="Joint care")
    cited = article.published_revision.references[0]["title"]  # "A study <n>" from the factory
    assert result_slugs(client, cited) == ["cited"]


def test_search_finds_approved_text_only(client, author, reviewer, blood_pressure):
    # A newer draft's words are not searchable until the board approves them.
    blood_pressure.body = "Potassium-rich foods may help [1]."
    editing.save_content(blood_pressure, user=author, reason="Add diet advice")
    assert result_slugs(client, "potassium") == []
    factories.make_article(author=author, slug="draft-only", title="Hypertension draft")
    assert result_slugs(client, "hypertension") == ["blood-pressure"]


def test_search_ranks_title_matches_above_body_matches(client, author, reviewer):
    live(author, reviewer, slug="body-hit", title="Living with arthritis", body="Gout can flare [1].")
    live(author, reviewer, slug="title-hit", title="Gout diet basics", body="Food choices [1].")
    assert result_slugs(client, "gout") == ["title-hit", "body-hit"]


def test_search_needs_every_word_unless_told_otherwise(client, author, reviewer):
    live(author, reviewer, slug="gout", title="Gout diet basics")
    live(author, reviewer, slug="migraine", title="Migraine triggers")
    assert result_slugs(client, "gout migraine") == []
    assert sorted(result_slugs(client, "gout or migraine")) == ["gout", "migraine"]
    assert result_slugs(client, "diet -migraine") == ["gout"]
    assert result_slugs(client, '"diet basics"') == ["gout"]
    assert result_slugs(client, '"basics diet"') == []


@pytest.mark.parametrize(
    "query",
    ['"', "-", "OR", 'NEAR(a b) AND "x', "title:gout", "gout*", "^gout", "(((", "'; DROP TABLE x; --", "\u2603"],
)
def test_search_syntax_never_fails(client, published, query):
    response = client.get("/", {"q": query})
    assert response.status_code == 200


def test_reader_query_becomes_quoted_terms():
    assert fts_query("blood pressure") == '"blood" AND "pressure"'
    assert fts_query('gout OR "uric acid" -diet') == '(("gout" OR "uric acid")) NOT "diet"'
    assert fts_query("title:gout NEAR") == '"title gout" AND "NEAR"'
    assert fts_query("-only -excluded") == ""


def test_results_highlight_the_matched_words(client, blood_pressure):
    html = client.get("/", {"q": "hypertension"}).content.decode()
    assert "<mark>hypertension</mark>" in html
    html = client.get("/", {"q": "blood"}).content.decode()
    assert re.search(r"How is high <mark>blood</mark> pressure treated\?", html)


def test_highlights_escape_the_article_text():
    assert marked("<b>\ue000x\ue001</b> \ue001 \ue000") == "&lt;b&gt;<mark>x</mark>&lt;/b&gt;  "


def test_highlighted_excerpt_is_plain_text_without_markdown_or_citations(client, author, reviewer):
    live(author, reviewer, slug="pro", title="Joint care", body="## Treatment\n\nTake **allopurinol** daily [1].")
    html = client.get("/", {"q": "allopurinol"}).content.decode()
    excerpt = re.search(r'<p class="excerpt">(.*?)</p>', html).group(1)
    assert "<mark>allopurinol</mark>" in excerpt
    assert "##" not in excerpt and "**" not in excerpt and "[1]" not in excerpt


def test_results_are_paged_with_a_total(client, author, reviewer):
    for n in range(12):
        live(author, reviewer, slug=f"gout-{n}", title=f"Gout question {n}")
    first = client.get("/", {"q": "gout"})
    assert len(first.context["results"]) == 10
    html = first.content.decode()
    assert "12 results for “gout”" in html
    assert 'rel="next" href="?q=gout&amp;page=2"' in html
    second = result_slugs(client, "gout", page=2)
    assert len(second) == 2
    assert not set(second) & {a.slug for a, _ in first.context["results"]}
    # A page past the end shows the last page, not an error.
    assert result_slugs(client, "gout", page=99) == second


def test_search_query_count_does_not_grow_with_results(client, author, reviewer, count_queries):
    live(author, reviewer, slug="gout-0", title="Gout question")
    with count_queries() as one:
        client.get("/", {"q": "gout"})
    for n in range(1, 6):
        live(author, reviewer, slug=f"gout-{n}", title=f"Gout question {n}")
    with count_queries() as many:
        client.get("/", {"q": "gout"})
    assert many.count == one.count


def test_search_with_no_hits_says_so(client, published):
    assert "No articles found" in client.get("/?q=zebrafish").content.decode()


def test_excerpt_comes_from_the_text_not_the_title(client, author, reviewer):
    live(
        author,
        reviewer,
        slug="feet",
        title="Diabetes and your feet",
        summary="Check them every day.",
        body="Dry well [1].",
    )
    html = client.get("/", {"q": "diabetic"}).content.decode()
    assert re.search(r'<p class="excerpt">Check them every day\.</p>', html)
    assert "<mark>Diabetes</mark> and your feet" in html


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 triggers")
def test_search_triggers_come_back_after_a_migration_rebuilds_the_table(client, author, reviewer):
    # Django rebuilds a SQLite table to alter it, dropping its triggers; post_migrate restores them.
    with connection.cursor() as cursor:
        for name in ("insert", "update", "delete"):
            cursor.execute(f"DROP TRIGGER articles_revision_fts_{name}")
    live(author, reviewer, slug="unindexed", title="Chilblains in winter")
    assert result_slugs(client, "chilblains") == []
    ensure_sqlite_index(using="default")
    assert result_slugs(client, "chilblains") == ["unindexed"]
    live(author, reviewer, slug="indexed", title="Chilblains and circulation")
    assert sorted(result_slugs(client, "chilblains")) == ["indexed", "unindexed"]
