"""The read API (/api/v1/): what each endpoint says, caching and validators, CORS, problem documents."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.api import keys
from articles.models import AuthorProfile
from articles.review import editing, workflow

from . import factories


@pytest.fixture
def token(db):
    return keys.create_key(name="Partner", origins="https://partner.example.org")[1]


@pytest.fixture
def api(client, token):
    """GET an API path with the partner's key."""

    def get(path, **headers):
        return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}", **headers)

    return get


def publish_update(article, *, author, reviewer, body, kind="editorial", note="Wording clarified."):
    article.refresh_from_db()
    article.body = body
    editing.save_content(article, user=author)
    workflow.submit(article, user=author, change_kind=kind, change_note=note)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article))
    article.refresh_from_db()
    return article


# --- What the article says ---------------------------------------------------------------


def test_article_detail_carries_what_the_page_shows(api, published, reviewer, settings):
    settings.EDITORIAL_CONTENT_LICENCE = "Licence text."
    settings.EDITORIAL_ATTRIBUTION_TEXT = "From {site_name}: {title} ({url})"
    response = api("/api/v1/articles/coffee/")
    assert response.status_code == 200
    data = response.json()
    revision = published.published_revision
    assert data["title"] == "Is coffee bad for you?"
    assert data["canonical_url"] == "http://testserver/articles/coffee/"
    assert data["patient"]["body_markdown"] == revision.body
    assert data["patient"]["body_html"] == revision.renderings.get(audience="patient").body_html  # the stored HTML
    assert data["professional"] is None
    ref = data["patient"]["references"][0]
    assert (ref["number"], ref["kind"], ref["title"], ref["source"]) == (
        1,
        "research",
        revision.references[0]["title"],
        "BMJ",
    )
    [credit] = data["reviewers"]
    member = reviewer.board_profile
    assert (credit["name"], credit["credentials"], credit["role"]) == (member.display_name, "MD", "approved")
    assert credit["profile_url"] == f"http://testserver/board/#{member.slug}"
    assert data["next_review_due"] is not None and data["last_reviewed"] is not None
    assert data["licence"] == "Licence text."
    assert data["attribution"] == "From Reviewed Health: Is coffee bad for you? (http://testserver/articles/coffee/)"
    assert [v["number"] for v in data["versions"]] == [1]


def test_article_detail_never_carries_emails_comments_or_user_ids(api, author, reviewer):
    article = factories.make_article(author=author, slug="private")
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article),
                     comment="Internal remark for the editors only.")  # fmt: skip
    body = api("/api/v1/articles/private/").content.decode()
    for private in (reviewer.email, author.email, "Internal remark", '"user"', '"id"', "password"):
        assert private not in body


def test_both_audiences_are_served(api, author, reviewer):
    article = factories.make_article(
        author=author, slug="gout", professional_summary="Urate deposition [1].", professional_body="Pro text [1]."
    )
    factories.publish(article, author=author, reviewers=[reviewer])
    data = api("/api/v1/articles/gout/").json()
    assert data["professional"]["body_markdown"] == "Pro text [1]."
    assert "Pro text" in data["professional"]["body_html"]
    assert data["patient"]["body_markdown"] == "Some text [1]."
    assert api("/api/v1/articles/?audience=professional").json()["results"][0]["slug"] == "gout"


def test_change_notes_and_confirmations_are_credited_as_on_the_page(api, published, author, reviewer, second_reviewer):
    publish_update(published, author=author, reviewer=reviewer, body="Fixed [1].", kind="correction", note="Dose.")
    workflow.confirm_current(
        published, user=second_reviewer, revision=factories.under_decision("confirm_current", published)
    )
    data = api("/api/v1/articles/coffee/").json()
    assert data["change_notes"] == [{"version": 2, "date": data["last_updated"], "kind": "correction", "note": "Dose."}]
    assert [r["role"] for r in data["reviewers"]] == ["approved", "confirmed"]
    assert data["reviewers"][1]["name"] == second_reviewer.board_profile.display_name
    log = api("/api/v1/corrections/").json()["results"]
    assert [(e["type"], e["slug"], e["version"], e["note"]) for e in log] == [("correction", "coffee", 2, "Dose.")]


def test_a_draft_update_is_not_served_until_approved(api, published, author):
    published.body = "Unreviewed claim [1]."
    editing.save_content(published, user=author)
    workflow.submit(published, user=author, change_kind="editorial", change_note="New.")
    assert "Unreviewed claim" not in api("/api/v1/articles/coffee/").content.decode()
    assert api("/api/v1/articles/coffee/versions/2/").status_code == 404


def test_unpublished_and_unknown_slugs_are_the_same_404(api, draft, settings):
    settings.EDITORIAL_SHOW_PENDING = True  # shown on the site with a caution; never through the API
    workflow.submit(draft, user=draft.created_by)
    for slug in (draft.slug, "no-such-article"):
        response = api(f"/api/v1/articles/{slug}/")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert draft.title not in response.content.decode()


def test_a_withdrawn_article_answers_410_and_its_versions_stay_readable(api, published, superuser):
    workflow.archive(published, user=superuser, reason="Superseded by new guidance.")
    gone = api("/api/v1/articles/coffee/")
    assert gone.status_code == 410
    assert "Superseded by new guidance." in gone.json()["detail"]
    version = api("/api/v1/articles/coffee/versions/1/").json()
    assert version["withdrawal"]["reason"] == "Superseded by new guidance."
    assert version["is_live_version"] is False
    assert api("/api/v1/corrections/").json()["results"][0]["type"] == "withdrawal"
    assert api("/api/v1/articles/").json()["results"] == []


def test_topics_board_and_authors_show_public_profiles_only(api, published, reviewer, author):
    AuthorProfile.objects.create(user=author, display_name="Sam Rivera", slug="sam", role="Writer", is_public=True)
    hidden = factories.editor(username="hidden")
    AuthorProfile.objects.create(
        user=hidden, display_name="Hidden Person", slug="hidden", role="Writer", is_public=False
    )
    assert [t["articles"] for t in api("/api/v1/topics/").json()] == [1]
    board = api("/api/v1/board/").json()
    assert board[0]["name"] == reviewer.board_profile.display_name
    assert set(board[0]) == {"name", "slug", "credentials", "specialty", "bio", "conflicts_of_interest", "url"}
    assert [a["name"] for a in api("/api/v1/authors/").json()] == ["Sam Rivera"]


# --- The list: filters and cursors ------------------------------------------------------------


def test_the_list_pages_with_an_opaque_cursor_and_filters(api, author, reviewer):
    for n in range(5):
        factories.publish(factories.make_article(author=author, slug=f"a{n}"), author=author, reviewers=[reviewer])
    first = api("/api/v1/articles/?page_size=2").json()
    assert [a["slug"] for a in first["results"]] == ["a4", "a3"]
    second = api(first["next"].removeprefix("http://testserver")).json()
    third = api(second["next"].removeprefix("http://testserver")).json()
    assert [a["slug"] for a in second["results"] + third["results"]] == ["a2", "a1", "a0"]
    assert third["next"] is None
    future = (timezone.now() + timedelta(days=1)).date().isoformat()
    assert api(f"/api/v1/articles/?modified_since={future}").json()["results"] == []
    assert len(api("/api/v1/articles/?modified_since=2000-01-01T00:00:00Z").json()["results"]) == 5
    topic = factories.SpecialtyFactory(slug="cardiology")
    assert api("/api/v1/articles/?topic=cardiology").json()["results"] == []
    assert topic.pk


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cursor=not-a-cursor", "cursor"),
        ("colour=blue", "colour"),
        ("page_size=101", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=many", "page_size"),
        ("modified_since=yesterday", "modified_since"),
        ("modified_since=2026-13-45", "modified_since"),
        ("audience=robots", "audience"),
        ("topic=no-such-topic", "topic"),
    ],
)
def test_bad_input_is_a_400_problem_naming_the_field(api, published, query, field):
    response = api(f"/api/v1/articles/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["title"] == "Bad Request"
    assert field in [e["field"] for e in problem["errors"]]


def test_a_cursor_altered_by_a_client_is_refused(api, author, reviewer):
    for n in range(3):
        factories.publish(factories.make_article(author=author, slug=f"b{n}"), author=author, reviewers=[reviewer])
    cursor = api("/api/v1/articles/?page_size=1").json()["next"].split("cursor=")[1]
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    assert api(f"/api/v1/articles/?page_size=1&cursor={tampered}").status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/v2/articles/", "/api/v1/articles/coffee/extra/"])
def test_unknown_addresses_under_api_are_problems_too(api, published, path):
    response = api(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_method_other_than_get_is_a_405_problem(client, token, published):
    response = client.post("/api/v1/articles/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


# --- HTTP: validators, caching, edge, CORS -------------------------------------------------------


def test_etag_and_last_modified_revalidate_with_304(api, published):
    response = api("/api/v1/articles/coffee/")
    etag, modified = response["ETag"], response["Last-Modified"]
    assert api("/api/v1/articles/coffee/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api("/api/v1/articles/coffee/", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert api("/api/v1/articles/coffee/", HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_head_is_answered_without_a_body(client, token, published):
    response = client.head("/api/v1/articles/coffee/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response.content == b""
    assert int(response["Content-Length"]) > 100


def test_keyed_answers_are_private_and_vary_by_key_and_origin(api, published):
    response = api("/api/v1/articles/coffee/")
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert {"Authorization", "Origin"} <= {v.strip() for v in response["Vary"].split(",")}


def test_anonymous_answers_are_public_like_the_pages(client, published, settings):
    settings.EDITORIAL_API_ANONYMOUS = True
    response = client.get("/api/v1/articles/coffee/")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    assert "Authorization" in response["Vary"]


def test_answers_carry_the_pages_surrogate_keys(api, client, published):
    api_response, page = api("/api/v1/articles/coffee/"), client.get("/articles/coffee/")
    assert api_response["Surrogate-Key"] == page["Surrogate-Key"] == "article:coffee people"
    assert api_response["Cache-Tag"] == page["Cache-Tag"]
    assert api("/api/v1/articles/")["Surrogate-Key"] == "catalog people"


def test_an_approved_update_shows_on_the_next_request_through_the_page_cache(
    api, published, author, reviewer, settings, commit
):
    settings.EDITORIAL_PAGE_CACHE = True
    assert api("/api/v1/articles/coffee/")["X-Page-Cache"] == "miss"
    cached = api("/api/v1/articles/coffee/")
    assert cached["X-Page-Cache"] == "hit"
    listing = api("/api/v1/articles/")
    commit(publish_update, published, author=author, reviewer=reviewer, body="Updated text [1].", note="New data.")
    fresh = api("/api/v1/articles/coffee/")
    assert fresh["X-Page-Cache"] == "miss"
    assert fresh.json()["patient"]["body_markdown"] == "Updated text [1]."
    assert fresh["ETag"] != cached["ETag"]
    assert api("/api/v1/articles/", HTTP_IF_NONE_MATCH=listing["ETag"]).status_code == 200  # the list changed too


def test_the_edge_purge_of_an_approval_names_the_api_answers_keys(api, published, author, reviewer, settings, commit):
    from articles.site import edge

    purged = []
    settings.EDITORIAL_PAGE_CACHE = True
    original = edge.purge
    edge.purge = lambda *scopes: purged.append(scopes)
    try:
        commit(publish_update, published, author=author, reviewer=reviewer, body="Again [1].")
    finally:
        edge.purge = original
    tags = set(api("/api/v1/articles/coffee/")["Surrogate-Key"].split())
    assert any(tags & set(scopes) for scopes in purged)


def test_cors_allows_only_the_keys_origins(api, published):
    allowed = api("/api/v1/articles/coffee/", HTTP_ORIGIN="https://partner.example.org")
    assert allowed["Access-Control-Allow-Origin"] == "https://partner.example.org"
    assert "ETag" in allowed["Access-Control-Expose-Headers"]
    other = api("/api/v1/articles/coffee/", HTTP_ORIGIN="https://evil.example.com")
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other
    not_modified = api("/api/v1/articles/coffee/", HTTP_ORIGIN="https://partner.example.org",
                       HTTP_IF_NONE_MATCH=allowed["ETag"])  # fmt: skip
    assert not_modified.status_code == 304
    assert not_modified["Access-Control-Allow-Origin"] == "https://partner.example.org"


def test_a_preflight_is_answered_for_an_origin_some_key_allows(client, token):
    ok = client.options(
        "/api/v1/articles/",
        HTTP_ORIGIN="https://partner.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert ok.status_code == 204
    assert ok["Access-Control-Allow-Origin"] == "https://partner.example.org"
    assert "Authorization" in ok["Access-Control-Allow-Headers"]
    refused = client.options("/api/v1/articles/", HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in refused


def test_the_docs_page_lists_the_endpoints_and_the_footer_links_it(client, published):
    html = client.get("/api/").content.decode()
    for path in ("/api/v1/articles/", "/api/v1/articles/{slug}/", "/api/v1/topics/", "/api/v1/corrections/"):
        assert path in html
    assert "/api/v1/openapi.json" in html
    assert 'href="/api/"' in client.get("/").content.decode()
    assert "cdn" not in html.lower()


def test_problem_documents_are_json(api):
    problem = json.loads(api("/api/v1/articles/none/").content)
    assert set(problem) >= {"type", "title", "status", "detail", "instance"}


@pytest.mark.parametrize("page_cache", [True, False])
def test_a_reviewer_leaving_the_board_shows_on_the_next_request(api, published, reviewer, settings, commit, page_cache):
    settings.EDITORIAL_PAGE_CACHE = page_cache  # off: the article's history is a cached fragment instead
    assert api("/api/v1/articles/coffee/").json()["reviewers"][0]["profile_url"]
    member = reviewer.board_profile
    member.is_active = False  # credited as they were, no longer linked to the board page
    commit(member.save)
    assert api("/api/v1/articles/coffee/").json()["reviewers"][0]["profile_url"] is None


def test_a_crash_is_a_500_problem_not_a_traceback(token, published, monkeypatch):
    from django.test import Client

    from articles.api import content

    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(content, "topics", broken)
    response = Client(raise_request_exception=False).get("/api/v1/topics/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert "boom" not in response.content.decode()


def test_every_problem_type_is_explained_on_the_api_page(api, client, published):
    html = client.get("/api/").content.decode()
    responses = [api("/api/v1/articles/?x=1"), api("/api/v1/articles/?page_size=0"), api("/api/v1/articles/?cursor=x"),
                 api("/api/v1/articles/nope/"), api("/api/v1/nothing/"), client.get("/api/v1/topics/"),
                 client.post("/api/v1/topics/")]  # fmt: skip
    for response in responses:
        kind = response.json()["type"].split("#")[1]
        assert f'id="{kind}"' in html, kind
