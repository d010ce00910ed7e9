"""The public site around the article: audiences, board, policy, feeds, questions, metadata (search: test_search)."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from articles.models import Article, FollowUpQuestion, Page
from articles.review import editing, workflow

from . import factories

S = Article.Status
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
APPROVED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def json_ld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


@pytest.fixture
def dual(author, reviewer):
    """A live article with a separately written professional version."""
    article = factories.make_article(
        author=author,
        slug="gout",
        title="What causes gout?",
        summary="Uric acid crystals in a joint.",
        body="Plain words [1].",
        professional_summary="Monosodium urate deposition.",
        professional_body="Clinical words [1].",
    )
    with time_machine.travel(APPROVED_AT, tick=False):
        return factories.publish(article, author=author, reviewers=[reviewer])


# --- Audience versions --------------------------------------------------------------


def test_patient_url_serves_the_plain_language_version(client, dual):
    html = client.get("/articles/gout/").content.decode()
    assert "Plain words" in html and "Clinical words" not in html
    assert "general information, not a diagnosis" in html


def test_professional_url_serves_the_professional_version_and_disclaimer(client, dual):
    html = client.get("/articles/gout/professional/").content.decode()
    assert "Clinical words" in html and "Plain words" not in html
    assert "Monosodium urate deposition." in html
    assert "for healthcare professionals" in html
    assert "does not replace, clinical judgement" in html


def test_professional_request_falls_back_with_a_note_where_there_is_none(client, published):
    response = client.get("/articles/coffee/professional/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "no separate version for healthcare professionals" in html
    assert "Some text" in html
    assert '<link rel="canonical" href="http://testserver/articles/coffee/">' in html
    assert response["X-Robots-Tag"] == "noindex"


def test_audience_pages_are_cacheable_urls_not_cookie_variants(client, dual):
    patient = client.get("/articles/gout/")
    professional = client.get("/articles/gout/professional/")
    assert "Cookie" not in patient.get("Vary", "")
    assert "Cookie" not in professional.get("Vary", "")
    assert 'data-professional-url="/articles/gout/professional/"' in patient.content.decode()


def test_professional_version_is_reviewed_like_any_content(client, dual, author, second_reviewer):
    dual.professional_body = "Revised clinical words [1]."
    editing.save_content(dual, user=author)
    workflow.submit(dual, user=author, **factories.change_note_for(dual))
    assert "Revised clinical words" not in client.get("/articles/gout/professional/").content.decode()
    workflow.start_review(dual, user=second_reviewer, revision=factories.under_decision("start_review", dual))
    workflow.approve(dual, user=second_reviewer, revision=factories.under_decision("approve", dual))
    assert "Revised clinical words" in client.get("/articles/gout/professional/").content.decode()


# --- Machine-readable trust ---------------------------------------------------------


def test_json_ld_describes_the_reviewed_medical_web_page(client, dual, reviewer):
    data = json_ld(client.get("/articles/gout/").content.decode())
    profile = reviewer.board_profile
    assert data["@type"] == "MedicalWebPage"
    assert data["url"] == "http://testserver/articles/gout/"
    assert data["lastReviewed"] == "2026-03-02"
    assert data["datePublished"] == "2026-03-02"
    assert data["dateModified"] == "2026-03-02"
    assert data["medicalAudience"] == {"@type": "MedicalAudience", "audienceType": "Patient"}
    assert data["reviewedBy"] == [
        {
            "@type": "Person",
            "name": profile.display_name,
            "honorificSuffix": profile.credentials,
            "url": f"http://testserver/board/#{profile.slug}",
        }
    ]
    assert [c["name"] for c in data["citation"]] == [dual.references.get().title]


def test_json_ld_for_professionals_names_clinicians(client, dual):
    data = json_ld(client.get("/articles/gout/professional/").content.decode())
    assert data["medicalAudience"]["audienceType"] == "Clinician"


def test_json_ld_cannot_be_broken_out_of_by_content(client, author, reviewer):
    article = factories.make_article(author=author, slug="x", title="</script><script>alert(1)</script>")
    factories.publish(article, author=author, reviewers=[reviewer])
    html = client.get("/articles/x/").content.decode()
    assert "<script>alert(1)" not in html
    assert json_ld(html)["name"] == "</script><script>alert(1)</script>"


def test_article_has_canonical_description_and_open_graph_tags(client, dual):
    html = client.get("/articles/gout/").content.decode()
    assert '<link rel="canonical" href="http://testserver/articles/gout/">' in html
    assert '<meta name="description" content="Uric acid crystals in a joint.">' in html
    assert '<meta property="og:title" content="What causes gout?">' in html
    assert '<meta property="og:url" content="http://testserver/articles/gout/">' in html


# --- Sitemap, feed, robots ------------------------------------------------------------


def sitemap_entries(client):
    """Follow the sitemap index to every section and return {URL: lastmod} over all of them."""
    index = ET.fromstring(client.get("/sitemap.xml").content)
    entries = {}
    for sitemap in index.findall(f"{SITEMAP}sitemap"):
        path = sitemap.find(f"{SITEMAP}loc").text.removeprefix("http://testserver")
        root = ET.fromstring(client.get(path).content)
        entries.update({u.find(f"{SITEMAP}loc").text: getattr(u.find(f"{SITEMAP}lastmod"), "text", None) for u in root})
    return entries


def test_sitemap_lists_approved_articles_with_last_approval_as_lastmod(client, dual, author, reviewer, settings):
    settings.EDITORIAL_SHOW_PENDING = True
    pending = factories.make_article(author=author, slug="pending")
    workflow.submit(pending, user=author, **factories.change_note_for(pending))
    factories.make_article(author=author, slug="draft")
    entries = sitemap_entries(client)
    assert entries["http://testserver/articles/gout/"] == "2026-03-02"
    assert "http://testserver/articles/gout/professional/" in entries
    assert not any("pending" in url or "draft" in url for url in entries)
    assert "http://testserver/board/" in entries


def test_feed_is_atom_with_approved_articles_only(client, dual, author, settings):
    settings.EDITORIAL_SHOW_PENDING = True
    pending = factories.make_article(author=author, slug="pending", title="Pending one")
    workflow.submit(pending, user=author, **factories.change_note_for(pending))
    response = client.get("/feeds/articles/")
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["What causes gout?"]
    assert entries[0].find(f"{ATOM}link").get("href") == "http://testserver/articles/gout/"
    assert entries[0].find(f"{ATOM}updated").text.startswith("2026-03-02")


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_the_admin(client, db):
    text = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


# --- Home, search, topics, board, policy --------------------------------------------


def test_topic_page_lists_only_live_articles_of_that_topic(client, dual, author):
    factories.make_article(author=author, slug="draft", title="Draft gout", specialty=dual.specialty)
    html = client.get(dual.specialty.get_absolute_url()).content.decode()
    assert "What causes gout?" in html
    assert "Draft gout" not in html


def test_board_page_lists_what_each_member_reviewed(client, dual, reviewer, second_reviewer):
    html = client.get("/board/").content.decode()
    member_block = html.split(f'id="{reviewer.board_profile.slug}"')[1].split("</li>\n  \n  <li")[0]
    assert "What causes gout?" in member_block
    assert "Articles reviewed (1)" in member_block
    assert second_reviewer.board_profile.display_name in html


def test_editorial_policy_is_editable_in_the_admin(client, admin_client):
    page = Page.objects.get(slug="editorial-policy")
    response = admin_client.post(
        reverse("admin:articles_page_change", args=[page.pk]),
        {"slug": "editorial-policy", "title": "Editorial policy", "body": "We check **everything**."},
    )
    assert response.status_code == 302
    assert "<strong>everything</strong>" in client.get("/editorial-policy/").content.decode()


# --- Follow-up questions --------------------------------------------------------------


def test_article_links_to_the_follow_up_form(client, published):
    assert reverse("articles:ask", args=["coffee"]) in client.get("/articles/coffee/").content.decode()


def test_question_lands_in_the_editors_inbox(client, published, author, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/articles/coffee/ask/", {"question": "Is decaf different?", "email": "r@example.org"})
    assert response.status_code == 302
    question = FollowUpQuestion.objects.get()
    assert (question.article, question.status, question.email) == (published, "new", "r@example.org")
    # The editors hear of it by email (tests/test_questions.py has the details).
    [message] = mail.outbox
    assert message.to == [author.email]
    assert "Is decaf different?" in message.body
    client.force_login(author)
    inbox = client.get(reverse("admin:articles_followupquestion_changelist")).content.decode()
    assert "Is decaf different?" in inbox


def test_question_errors_name_the_field_and_keep_the_text(client, published):
    response = client.post("/articles/coffee/ask/", {"question": "short", "email": "not-an-email"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"question", "email"}
    assert "short" in response.content.decode()
    assert FollowUpQuestion.objects.count() == 0


def test_overlong_question_is_refused(client, published):
    response = client.post("/articles/coffee/ask/", {"question": "x" * 2001})
    assert "question" in response.context["form"].errors


def test_honeypot_submissions_are_dropped_quietly(client, published):
    response = client.post("/articles/coffee/ask/", {"question": "Buy cheap pills now!!", "website": "spam.example"})
    assert response.status_code == 302
    assert FollowUpQuestion.objects.count() == 0


def test_questions_are_rate_limited_per_client(client, settings, published):
    settings.EDITORIAL_QUESTIONS_PER_HOUR = 2
    for _ in range(2):
        assert client.post("/articles/coffee/ask/", {"question": "A sensible question?"}).status_code == 302
    response = client.post("/articles/coffee/ask/", {"question": "One more question please"})
    assert response.status_code == 429
    assert "wait an hour" in response.content.decode()
    assert "One more question please" in response.content.decode()
    other = client.post("/articles/coffee/ask/", {"question": "From elsewhere?"}, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 302
    assert FollowUpQuestion.objects.count() == 3


def test_questions_cannot_be_asked_about_unpublished_articles(client, author):
    factories.make_article(author=author, slug="draft")
    assert client.get("/articles/draft/ask/").status_code == 404
    assert client.post("/articles/draft/ask/", {"question": "Sneaky question?"}).status_code == 404


def test_pending_articles_show_no_reviewed_badge_json_ld_or_audience_switch(client, settings, author):
    settings.EDITORIAL_SHOW_PENDING = True
    article = factories.make_article(
        author=author, slug="soon", professional_body="Pro [1].", professional_summary="Pro summary"
    )
    workflow.submit(article, user=author, **factories.change_note_for(article))
    html = client.get("/articles/soon/").content.decode()
    assert "Content is pending review" in html
    assert "application/ld+json" not in html
    assert "Reviewed by the Medical Advisory Board" not in html
    assert "Which best describes you?" not in html
    assert "http://testserver/articles/soon/" not in sitemap_entries(client)


def test_version_permalink_for_professionals(client, dual):
    html = client.get(reverse("articles:version_professional", args=["gout", 1])).content.decode()
    assert "Clinical words" in html
    assert "version 1" in html


def test_updates_keep_first_publication_date_in_json_ld(client, dual, author, second_reviewer):
    dual.body = "Newer plain words [1]."
    editing.save_content(dual, user=author)
    with time_machine.travel(APPROVED_AT + timedelta(days=40), tick=False):
        workflow.submit(dual, user=author, **factories.change_note_for(dual))
        workflow.start_review(dual, user=second_reviewer, revision=factories.under_decision("start_review", dual))
        workflow.approve(dual, user=second_reviewer, revision=factories.under_decision("approve", dual))
    data = json_ld(client.get("/articles/gout/").content.decode())
    assert data["datePublished"] == "2026-03-02"
    assert data["dateModified"] == "2026-04-11"


def test_public_pages_are_cacheable_for_a_short_time(client, dual, settings):
    response = client.get("/articles/gout/")
    assert "public" in response["Cache-Control"]
    assert f"max-age={settings.EDITORIAL_PUBLIC_MAX_AGE}" in response["Cache-Control"]
    assert "Cookie" not in response.get("Vary", "")
    assert "Set-Cookie" not in response.headers


def test_question_form_is_not_publicly_cached(client, published):
    # The form carries a per-visitor CSRF token, so a shared cache must never keep it.
    ask = client.get("/articles/coffee/ask/")
    assert "csrftoken" in ask.cookies
    assert "public" not in ask.get("Cache-Control", "")


def test_feed_queries_do_not_grow_with_articles(client, dual, author, reviewer, count_queries):
    with count_queries() as few:
        client.get("/feeds/articles/")
    for i in range(5):
        factories.publish(factories.make_article(author=author, slug=f"more-{i}"), author=author, reviewers=[reviewer])
    with count_queries() as many:
        client.get("/feeds/articles/")
    assert few.count > 0
    assert many.count == few.count


def test_article_page_queries_do_not_grow_with_history(client, dual, author, reviewer, count_queries):
    with count_queries() as first:
        client.get("/articles/gout/")
    for i in range(3):
        dual.body = f"Version {i} [1]."
        editing.save_content(dual, user=author)
        factories.publish(dual, author=author, reviewers=[reviewer])
    with count_queries() as later:
        client.get("/articles/gout/")
    assert 0 < later.count == first.count


def test_home_and_topic_queries_do_not_grow_with_articles(client, dual, author, reviewer, count_queries):
    topic_url = dual.specialty.get_absolute_url()

    def counts():
        with count_queries() as home:
            client.get("/")
        with count_queries() as topic:
            client.get(topic_url)
        return home.count, topic.count

    before = counts()
    for i in range(4):
        extra = factories.make_article(author=author, slug=f"extra-{i}", specialty=dual.specialty)
        factories.publish(extra, author=author, reviewers=[reviewer])
    assert counts() == before
