"""What readers see: only approved content, rendered with its trust signals."""

from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.urls import reverse

from articles.models import Article
from articles.review import editing, workflow

from . import factories

S = Article.Status


def article_in_state(state, author, reviewer, title="Secret draft title"):
    article = factories.make_article(author=author, title=title, slug="secret")
    if state == S.DRAFT:
        return article
    if state == S.ARCHIVED:
        # Archived before it was ever public: nothing to withdraw, so nothing to show.
        # (A published article that is archived answers 410 with a notice: test_provenance.)
        workflow.archive(article, user=author, reason="Dropped")
        return article
    workflow.submit(article, user=author, **factories.change_note_for(article))
    if state == S.SUBMITTED:
        return article
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    if state == S.IN_REVIEW:
        return article
    if state == S.CHANGES_REQUESTED:
        workflow.request_changes(
            article,
            user=reviewer,
            revision=factories.under_decision("request_changes", article),
            comment="No",
            reason="accuracy",
        )
        return article
    workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article))
    return article


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.ARCHIVED])
def test_anonymous_user_cannot_see_unapproved_articles(client, author, reviewer, state):
    article_in_state(state, author, reviewer)
    response = client.get("/articles/secret/")
    assert response.status_code == 404
    assert b"Secret draft title" not in response.content
    assert state.encode() not in response.content
    assert b"Secret draft title" not in client.get("/").content


def test_unknown_slug_and_unapproved_slug_answer_alike(client, author, reviewer):
    article_in_state(S.IN_REVIEW, author, reviewer)
    assert client.get("/articles/secret/").content == client.get("/articles/no-such-thing/").content


def test_staff_see_no_drafts_on_public_pages_either(client, author, reviewer):
    article_in_state(S.DRAFT, author, reviewer)
    client.force_login(author)
    assert client.get("/articles/secret/").status_code == 404


def test_home_lists_approved_articles(client, published):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Is coffee bad for you?" in response.content


def test_article_page_shows_the_approved_version_with_trust_line(client, published, reviewer):
    response = client.get(published.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    profile = reviewer.board_profile
    assert "Reviewed by the Medical Advisory Board" in html
    assert f"{profile.display_name}, {profile.credentials}" in html
    assert "Last reviewed" in html and "Last updated" in html and "Next review due" in html
    assert reverse("articles:editorial_policy") in html
    assert 'href="#ref-1"' in html and 'id="ref-1"' in html
    assert "Medical disclaimer" in html


def test_approved_version_stays_live_while_a_new_draft_is_edited_and_reviewed(
    client, published, author, second_reviewer
):
    published.title = "Is coffee good for you?"
    published.body = "Brand new claims [1]."
    editing.save_content(published, user=author)
    html = client.get("/articles/coffee/").content.decode()
    assert "Is coffee bad for you?" in html
    assert "Brand new claims" not in html
    assert "update to this article is under review" not in html

    workflow.submit(published, user=author, **factories.change_note_for(published))
    workflow.start_review(published, user=second_reviewer, revision=factories.under_decision("start_review", published))
    html = client.get("/articles/coffee/").content.decode()
    assert "Is coffee bad for you?" in html
    assert "update to this article is under review" in html

    workflow.approve(published, user=second_reviewer, revision=factories.under_decision("approve", published))
    html = client.get("/articles/coffee/").content.decode()
    assert "Is coffee good for you?" in html
    assert "Brand new claims" in html


def test_every_approved_version_keeps_a_permanent_link(client, published, author, second_reviewer):
    published.body = "Second version [1]."
    editing.save_content(published, user=author)
    workflow.submit(published, user=author, **factories.change_note_for(published))
    workflow.start_review(published, user=second_reviewer, revision=factories.under_decision("start_review", published))
    workflow.approve(published, user=second_reviewer, revision=factories.under_decision("approve", published))

    first = client.get(reverse("articles:version", args=["coffee", 1])).content.decode()
    assert "Some text" in first and "Second version" not in first
    assert "version 1" in first
    current = client.get("/articles/coffee/").content.decode()
    assert reverse("articles:version", args=["coffee", 1]) in current
    assert reverse("articles:version", args=["coffee", 2]) in current


def test_unapproved_versions_have_no_permanent_link(client, published, author):
    published.body = "Draft v2 [1]."
    editing.save_content(published, user=author)
    workflow.submit(published, user=author, **factories.change_note_for(published))
    assert client.get(reverse("articles:version", args=["coffee", 2])).status_code == 404


def test_dangerous_markup_in_an_approved_body_is_not_served(client, author, reviewer):
    article = factories.make_article(
        author=author,
        slug="xss",
        body="<script>alert(1)</script> [1] <img src=x onerror=alert(2)> [x](javascript:alert(3))",
    )
    factories.publish(article, author=author, reviewers=[reviewer])
    html = client.get("/articles/xss/").content.decode().lower()
    assert "<script>alert" not in html
    assert "onerror" not in html
    assert "javascript:alert" not in html


def test_title_is_escaped(client, author, reviewer):
    article = factories.make_article(author=author, slug="esc", title="<b>Bold</b> & more?")
    factories.publish(article, author=author, reviewers=[reviewer])
    html = client.get("/articles/esc/").content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; more?" in html


def test_pending_policy_shows_unapproved_articles_with_caution_and_noindex(client, settings, author, reviewer):
    settings.EDITORIAL_SHOW_PENDING = True
    article_in_state(S.IN_REVIEW, author, reviewer)
    response = client.get("/articles/secret/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Content is pending review" in html
    assert "Reviewed by the Medical Advisory Board" not in html
    assert '<meta name="robots" content="noindex">' in html
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize("state", [S.DRAFT, S.CHANGES_REQUESTED, S.ARCHIVED])
def test_pending_policy_never_shows_drafts(client, settings, author, reviewer, state):
    settings.EDITORIAL_SHOW_PENDING = True
    article_in_state(state, author, reviewer)
    assert client.get("/articles/secret/").status_code == 404


def test_healthz_answers_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_healthz_answers_503_when_the_database_does_not(client, db):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_board_page_lists_members_with_credentials_and_conflicts(client, reviewer):
    html = client.get("/board/").content.decode()
    assert reviewer.board_profile.display_name in html
    assert "Conflicts of interest" in html


def test_search_finds_approved_articles_only(client, published, author, reviewer):
    article_in_state(S.DRAFT, author, reviewer, title="Coffee secrets")
    html = client.get("/?q=coffee").content.decode()
    assert "Is <mark>coffee</mark> bad for you?" in html
    assert "Coffee secrets" not in html
