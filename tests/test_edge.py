"""The edge: surrogate keys on public pages, and purges of Varnish and CDNs after every event.

The backends are a loopback stand-in that records the calls (tests/edge_standin.py), never the
internet. Jobs run at once here (the test settings' immediate task backend), after the commit.
"""

import logging
from urllib.parse import unquote

import pytest
from django.db import transaction
from django.test import override_settings

from articles.models import Article, BoardMember, Page
from articles.operations import purges
from articles.review import editing, workflow
from articles.site import edge

from . import factories
from .edge_standin import StandIn


@pytest.fixture
def standin():
    server = StandIn()
    yield server
    server.close()


@pytest.fixture
def varnish(standin, settings):
    settings.EDITORIAL_PURGE_VARNISH_URLS = [standin.url]
    return standin


def purged_keys(standin) -> set:
    return {key for call in standin.calls for key in call["headers"]["xkey-purge"].split()}


def update(article, *, author, reviewer, commit, kind="editorial"):
    """An approved update of a published article; only the approval's hooks are run."""
    article.refresh_from_db()
    article.body = "New words [1]."
    editing.save_content(article, user=author)
    workflow.submit(article, user=author, **factories.change_note_for(article, kind=kind))
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    commit(workflow.approve, article, user=reviewer, revision=factories.under_decision("approve", article))


# --- Surrogate keys ----------------------------------------------------------------


@pytest.mark.parametrize("page_cache", [True, False])
def test_public_pages_carry_their_scopes_as_surrogate_keys(client, published, settings, page_cache):
    settings.EDITORIAL_PAGE_CACHE = page_cache
    for _ in range(2):  # a miss, then (with the page cache on) a hit
        response = client.get("/articles/coffee/professional/")
        assert response["Surrogate-Key"] == "article:coffee people"
        assert response["Cache-Tag"] == "article:coffee,people"
    assert client.get("/")["Surrogate-Key"] == "catalog people"
    assert client.get("/sitemap.xml")["Cache-Tag"] == "catalog,people"


def test_pages_for_one_user_carry_no_surrogate_keys(client, published, author):
    client.force_login(author)
    assert "Surrogate-Key" not in client.get("/articles/coffee/")
    assert "Surrogate-Key" not in client.get("/admin/")


def test_the_edge_keeps_pages_long_only_when_it_is_purged(client, published, settings, standin):
    assert "s-maxage" not in client.get("/articles/coffee/")["Cache-Control"]
    settings.EDITORIAL_PURGE_VARNISH_URLS = [standin.url]
    settings.EDITORIAL_EDGE_MAX_AGE = 86400
    cache_control = client.get("/articles/coffee/professional/")["Cache-Control"]
    assert "s-maxage=86400" in cache_control and "max-age=60" in cache_control


# --- Which keys each event purges ------------------------------------------------------


def test_an_approved_update_purges_the_article_and_the_lists(published, author, reviewer, varnish, commit):
    update(published, author=author, reviewer=reviewer, commit=commit, kind="correction")
    assert purged_keys(varnish) == {"article:coffee", "catalog"}
    assert all(call["method"] == "PURGE" and call["path"] == "/" for call in varnish.calls)


def test_a_confirmation_purges_the_article(published, second_reviewer, varnish, commit):
    commit(workflow.confirm_current, published, user=second_reviewer, revision="1-live")
    assert purged_keys(varnish) == {"article:coffee", "catalog"}


def test_taking_an_article_down_purges_it(published, superuser, varnish, commit):
    commit(workflow.archive, published, user=superuser, reason="Out of date")
    assert Article.objects.get(pk=published.pk).status == Article.Status.ARCHIVED
    assert purged_keys(varnish) == {"article:coffee", "catalog"}


def test_board_profiles_and_topics_purge_every_page_naming_them(published, reviewer, varnish, commit):
    member = BoardMember.objects.get(user=reviewer)
    member.display_name = "Dr Renamed"
    commit(member.save)
    assert purged_keys(varnish) == {"people", "catalog"}
    varnish.calls.clear()
    topic = published.published_revision.specialty
    topic.name = "Renamed topic"
    commit(topic.save)
    assert purged_keys(varnish) == {"people", "catalog"}


def test_a_policy_change_purges_the_policy_page(db, varnish, commit):
    commit(Page.objects.update_or_create, slug="editorial-policy", defaults={"title": "Policy", "body": "Text."})
    assert purged_keys(varnish) == {"policy"}


def test_a_rolled_back_approval_purges_nothing(
    published, author, reviewer, varnish, django_capture_on_commit_callbacks
):
    published.body = "New words [1]."
    editing.save_content(published, user=author)
    workflow.submit(published, user=author, **factories.change_note_for(published))
    workflow.start_review(published, user=reviewer, revision=factories.under_decision("start_review", published))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            workflow.approve(published, user=reviewer, revision=factories.under_decision("approve", published))
            raise RuntimeError("something later in the request failed")
    assert callbacks == []
    assert varnish.calls == []


def test_every_varnish_is_purged(published, second_reviewer, settings, commit):
    servers = [StandIn(), StandIn()]
    try:
        settings.EDITORIAL_PURGE_VARNISH_URLS = [server.url for server in servers]
        commit(workflow.confirm_current, published, user=second_reviewer, revision="1-live")
        assert [purged_keys(server) for server in servers] == [{"article:coffee", "catalog"}] * 2
    finally:
        for server in servers:
            server.close()


# --- The CDNs' APIs ----------------------------------------------------------------


def test_fastly_gets_a_surrogate_key_purge(published, second_reviewer, standin, settings, commit):
    settings.EDITORIAL_FASTLY_SERVICE_ID, settings.EDITORIAL_FASTLY_API_TOKEN = "SVC1", "fastly-secret"
    settings.EDITORIAL_FASTLY_API_URL = standin.url
    commit(workflow.confirm_current, published, user=second_reviewer, revision="1-live")
    [call] = standin.calls
    assert (call["method"], call["path"]) == ("POST", "/service/SVC1/purge")
    assert call["headers"]["fastly-key"] == "fastly-secret"
    assert set(call["headers"]["surrogate-key"].split()) == {"article:coffee", "catalog"}


def test_cloudflare_gets_a_purge_by_tags(published, second_reviewer, standin, settings, commit):
    settings.EDITORIAL_CLOUDFLARE_ZONE_ID, settings.EDITORIAL_CLOUDFLARE_API_TOKEN = "Z9", "cf-secret"
    settings.EDITORIAL_CLOUDFLARE_API_URL = standin.url + "/client/v4"
    commit(workflow.confirm_current, published, user=second_reviewer, revision="1-live")
    [call] = standin.calls
    assert (call["method"], call["path"]) == ("POST", "/client/v4/zones/Z9/purge_cache")
    assert call["headers"]["authorization"] == "Bearer cf-secret"
    assert sorted(__import__("json").loads(call["body"])["tags"]) == ["article:coffee", "catalog"]


def test_cloudfront_gets_an_invalidation_of_the_keys_paths(published, second_reviewer, standin, settings, commit):
    settings.EDITORIAL_CLOUDFRONT_DISTRIBUTION_ID = "EDFDVBD6EXAMPLE"
    settings.EDITORIAL_CLOUDFRONT_ENDPOINT_URL = standin.url
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        env.setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret")
        commit(workflow.confirm_current, published, user=second_reviewer, revision="1-live")
    [call] = standin.calls
    assert (call["method"], call["path"]) == ("POST", "/2020-05-31/distribution/EDFDVBD6EXAMPLE/invalidation")
    assert call["headers"]["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    paths = {unquote(p.split("</Path>")[0]) for p in call["body"].split("<Path>")[1:]}
    assert paths == {"/articles/coffee/*", "/", "/board/", "/feeds/articles/*", "/sitemap*", "/topics/*", "/authors/*"}


def test_cloudfront_paths_cover_every_page_of_each_scope(db):
    assert edge.paths_for(["people"]) == ["/*"]
    assert edge.paths_for(["policy"]) == ["/editorial-policy/", "/privacy/"]
    assert edge.paths_for(["article:coffee"]) == ["/articles/coffee/*"]


def test_more_keys_than_one_call_takes_are_split(standin, settings):
    settings.EDITORIAL_CLOUDFLARE_ZONE_ID, settings.EDITORIAL_CLOUDFLARE_API_TOKEN = "Z9", "cf-secret"
    settings.EDITORIAL_CLOUDFLARE_API_URL = standin.url
    purges.purge_cloudflare("", [f"article:a{n}" for n in range(65)], [])
    assert [len(__import__("json").loads(call["body"])["tags"]) for call in standin.calls] == [30, 30, 5]


# --- Outages ----------------------------------------------------------------------


@override_settings(EDITORIAL_PURGE_TIMEOUT=2)
def test_a_cdn_outage_never_blocks_nor_fails_an_approval(
    client, published, author, reviewer, standin, settings, commit, caplog
):
    settings.EDITORIAL_CLOUDFLARE_ZONE_ID, settings.EDITORIAL_CLOUDFLARE_API_TOKEN = "Z9", "cf-secret"
    settings.EDITORIAL_CLOUDFLARE_API_URL = standin.url
    standin.status = 503
    with caplog.at_level(logging.WARNING):
        update(published, author=author, reviewer=reviewer, commit=commit)
    published.refresh_from_db()
    assert published.published_revision.number == 2
    assert len(standin.calls) == 1
    failures = [r for r in caplog.records if r.name == "articles.operations.tasks"]
    assert len(failures) == 1 and "task purge failed" in failures[0].getMessage()
    assert "503" in failures[0].getMessage() and "cf-secret" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]  # one line, no traceback


def test_the_edge_keeps_a_page_no_longer_than_the_page_cache_may(settings, standin):
    import time

    from django.http import HttpResponse

    from articles.site import responses

    settings.EDITORIAL_PURGE_VARNISH_URLS = [standin.url]
    response = HttpResponse("x")
    response.page_cache_expires = time.time() + 100  # a review falls due: the page changes then
    responses.mark_public(response)
    s_maxage = int(response["Cache-Control"].split("s-maxage=")[1].split(",")[0])
    assert 95 <= s_maxage <= 100
