"""The whole-page cache: what is stored, what makes it fresh, validators, HEAD and query counts."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.utils import timezone

from articles.models import Article, BoardMember, Page, ReviewDecision, Revision
from articles.models.rendered import store_renderings
from articles.review import editing, workflow
from articles.site import caching

from . import factories

PUBLIC_PAGES = [
    "/",
    "/articles/coffee/",
    "/articles/coffee/professional/",
    "/articles/coffee/v/1/",
    "/board/",
    "/editorial-policy/",
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/feeds/articles/",
]


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.EDITORIAL_PAGE_CACHE = True


@pytest.fixture
def policy(db):
    return Page.objects.update_or_create(
        slug="editorial-policy", defaults={"title": "Editorial policy", "body": "We check everything."}
    )[0]


def topic_url(article):
    return article.published_revision.specialty.get_absolute_url()


# --- What is stored and served ------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_second_anonymous_request_is_served_from_the_cache(client, published, policy, path):
    first = client.get(path)
    second = client.get(path)
    assert first.status_code == second.status_code == 200
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_topic_page_is_cached(client, published):
    client.get(topic_url(published))
    assert client.get(topic_url(published))["X-Page-Cache"] == "hit"


def test_cache_hit_runs_no_database_query(client, published, count_queries):
    client.get("/articles/coffee/")
    with count_queries() as queries:
        response = client.get("/articles/coffee/")
    assert response["X-Page-Cache"] == "hit"
    assert queries.count == 0


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_cached_pages_carry_no_cookie_and_do_not_vary_on_cookie(client, published, policy, path):
    client.get(path)
    response = client.get(path)
    assert response["X-Page-Cache"] == "hit"
    assert not response.cookies
    assert "cookie" not in response.get("Vary", "").lower()
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_cached_pages_are_public_with_stale_while_revalidate(client, published, settings):
    client.get("/articles/coffee/")
    response = client.get("/articles/coffee/")
    cache_control = response["Cache-Control"]
    assert "public" in cache_control
    assert f"max-age={settings.EDITORIAL_PUBLIC_MAX_AGE}" in cache_control
    assert f"stale-while-revalidate={settings.EDITORIAL_PUBLIC_STALE_WHILE_REVALIDATE}" in cache_control


def test_signed_in_editor_neither_reads_nor_fills_the_public_cache(client, published, author):
    client.force_login(author)
    response = client.get("/articles/coffee/")
    assert response.status_code == 200
    assert "X-Page-Cache" not in response
    assert "public" not in response.get("Cache-Control", "")
    client.logout()
    client.cookies.clear()
    assert client.get("/articles/coffee/")["X-Page-Cache"] == "miss"


def test_staff_preview_never_lands_in_the_public_cache(client, published, author, commit):
    published.body = "Unreviewed draft words [1]."
    editing.save_content(published, user=author)
    client.force_login(author)
    preview = client.get(f"/admin/articles/article/{published.pk}/preview-draft/")
    assert "Unreviewed draft words" in preview.content.decode()
    client.logout()
    client.cookies.clear()
    assert "Unreviewed draft words" not in client.get("/articles/coffee/").content.decode()
    assert "Unreviewed draft words" not in client.get("/articles/coffee/").content.decode()


def test_question_form_and_searches_are_never_stored(client, published):
    for path in ("/articles/coffee/ask/", "/?q=coffee"):
        client.get(path)
        assert "X-Page-Cache" not in client.get(path)


def test_missing_pages_are_not_stored(client, published):
    assert client.get("/articles/nothing-here/").status_code == 404
    assert "X-Page-Cache" not in client.get("/articles/nothing-here/")


def test_page_cache_can_be_switched_off(client, published, settings):
    settings.EDITORIAL_PAGE_CACHE = False
    client.get("/articles/coffee/")
    response = client.get("/articles/coffee/")
    assert response["X-Page-Cache"] == "miss"
    assert response["ETag"]


# --- Conditional requests and HEAD --------------------------------------------------


@pytest.mark.parametrize("warm", [False, True], ids=["uncached", "cached"])
def test_if_none_match_gets_304(client, published, warm):
    first = client.get("/articles/coffee/")
    if warm:
        client.get("/articles/coffee/")
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    response = client.get("/articles/coffee/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_if_modified_since_gets_304(client, published):
    last_modified = client.get("/articles/coffee/")["Last-Modified"]
    assert client.get("/articles/coffee/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304


def test_stale_validator_gets_the_new_page(client, published, author, reviewer, commit):
    etag = client.get("/articles/coffee/")["ETag"]
    published.body = "New advice [1]."
    editing.save_content(published, user=author)
    commit(factories.publish, published, author=author, reviewers=[reviewer])
    response = client.get("/articles/coffee/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "New advice" in response.content.decode()
    assert response["ETag"] != etag


def test_etag_follows_the_content(client, published):
    a = client.get("/articles/coffee/")
    b = client.get("/articles/coffee/professional/")
    assert a["ETag"] != b["ETag"]
    assert client.get("/articles/coffee/")["ETag"] == a["ETag"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_head_works_wherever_get_does(client, published, policy, path):
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert head["Content-Type"] == get["Content-Type"]
    assert int(head["Content-Length"]) == len(get.content)


def test_head_of_missing_article_is_404(client, db):
    assert client.head("/articles/nothing-here/").status_code == 404


def test_post_to_a_public_page_is_refused(client, published):
    assert client.post("/articles/coffee/").status_code == 405


# --- Events make pages fresh at once, after commit -----------------------------------


def test_approval_refreshes_article_and_lists_on_the_next_request(
    client, published, author, reviewer, django_capture_on_commit_callbacks
):
    for path in ("/articles/coffee/", "/", "/feeds/articles/", topic_url(published)):
        client.get(path)
    published.title = "Is coffee good for you?"
    editing.save_content(published, user=author)
    workflow.submit(published, user=author, **factories.change_note_for(published))
    workflow.start_review(published, user=reviewer, revision=factories.under_decision("start_review", published))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(published, user=reviewer, revision=factories.under_decision("approve", published))
        # Not yet committed: readers still get the approved version that was live.
        assert "Is coffee good for you?" not in client.get("/articles/coffee/").content.decode()
    for path in ("/articles/coffee/", "/", "/feeds/articles/", topic_url(published)):
        assert "Is coffee good for you?" in client.get(path).content.decode(), path


def test_submitting_an_update_shows_it_is_under_review(client, published, author, commit):
    assert "an update to this article is under review" not in client.get("/articles/coffee/").content.decode().lower()
    published.body = "Changed [1]."
    editing.save_content(published, user=author)
    commit(workflow.submit, published, user=author, **factories.change_note_for(published))
    assert "an update to this article is under review" in client.get("/articles/coffee/").content.decode().lower()


def test_editing_a_draft_leaves_cached_pages_alone(client, published, author):
    client.get("/articles/coffee/")
    published.body = "Draft words [1]."
    editing.save_content(published, user=author)
    response = client.get("/articles/coffee/")
    assert response["X-Page-Cache"] == "hit"
    assert "Draft words" not in response.content.decode()


def test_confirmation_refreshes_review_dates(client, published, second_reviewer, commit, settings):
    Article.objects.filter(pk=published.pk).update(last_reviewed_at=timezone.now().replace(year=2024))
    client.get("/articles/coffee/")
    assert "2024" in client.get("/articles/coffee/").content.decode()
    commit(workflow.confirm_current, published, user=second_reviewer, revision="1-live")
    html = client.get("/articles/coffee/").content.decode()
    assert f"{timezone.now():%B %Y}" in html
    assert 'datetime="2024' not in html.split("Last reviewed")[1][:200]


def test_archive_takes_every_page_down_at_once(client, published, superuser, commit):
    for path in ("/articles/coffee/", "/articles/coffee/v/1/", "/", "/sitemap-articles.xml"):
        client.get(path)
    commit(workflow.archive, published, user=superuser, reason="Superseded")
    assert client.get("/articles/coffee/").status_code in (404, 410)
    assert "Is coffee bad for you?" not in client.get("/").content.decode()
    assert "/articles/coffee/" not in client.get("/sitemap-articles.xml").content.decode()


def test_restore_and_reapproval_bring_the_article_back(client, published, author, superuser, reviewer, commit):
    commit(workflow.archive, published, user=superuser, reason="Superseded")
    assert client.get("/articles/coffee/").status_code in (404, 410)
    commit(workflow.restore, published, user=superuser)
    assert client.get("/articles/coffee/").status_code in (404, 410)
    published.refresh_from_db()
    published.body = "Back again [1]."
    editing.save_content(published, user=author)
    commit(factories.publish, published, author=author, reviewers=[reviewer])
    assert "Back again" in client.get("/articles/coffee/").content.decode()


def test_board_profile_change_refreshes_board_and_article_pages(
    client, published, reviewer, django_capture_on_commit_callbacks
):
    client.get("/board/")
    client.get("/articles/coffee/")
    member = BoardMember.objects.get(user=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        member.display_name = "Dr Renamed Person"
        member.save()
        member.is_active = False
        member.save()
    assert "Dr Renamed Person" not in client.get("/board/").content.decode()  # inactive: left the board
    article = client.get("/articles/coffee/").content.decode()
    # Attribution is frozen at approval, but the link to the board profile goes with the member.
    assert f'href="/board/#{member.slug}"' not in article


def test_topic_rename_refreshes_pages_naming_it(client, published, django_capture_on_commit_callbacks):
    client.get("/articles/coffee/")
    topic = published.published_revision.specialty
    with django_capture_on_commit_callbacks(execute=True):
        topic.name = "Renamed topic"
        topic.save()
    assert "Renamed topic" in client.get("/articles/coffee/").content.decode()


def test_policy_change_refreshes_the_policy_page(client, policy, django_capture_on_commit_callbacks):
    assert "We check everything." in client.get("/editorial-policy/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        policy.body = "We check everything twice."
        policy.save()
    assert "We check everything twice." in client.get("/editorial-policy/").content.decode()


def _approve_an_update(published, author, reviewer, **_):
    published.body = "Fresh everywhere [1]."
    editing.save_content(published, user=author)
    factories.publish(published, author=author, reviewers=[reviewer])


def _confirm(published, second_reviewer, **_):
    workflow.confirm_current(
        published, user=second_reviewer, revision=factories.under_decision("confirm_current", published)
    )


def _archive(published, superuser, **_):
    workflow.archive(published, user=superuser, reason="Superseded")


def _rename_member(reviewer, **_):
    member = BoardMember.objects.get(user=reviewer)
    member.display_name = "Dr Fresh Everywhere"
    member.save()


def _change_policy(policy, **_):
    policy.body = "Fresh everywhere: we check twice."
    policy.save()


EVENTS = {
    "approval": ("/articles/coffee/", _approve_an_update, lambda r: "Fresh everywhere" in r.content.decode()),
    "confirmation": ("/articles/coffee/", _confirm, lambda r: 'datetime="2024' not in r.content.decode()),
    "archive": ("/articles/coffee/", _archive, lambda r: r.status_code in (404, 410)),
    "board profile": ("/board/", _rename_member, lambda r: "Dr Fresh Everywhere" in r.content.decode()),
    "policy": ("/editorial-policy/", _change_policy, lambda r: "we check twice" in r.content.decode()),
}


@pytest.mark.parametrize("event", EVENTS)
def test_an_event_on_one_worker_reaches_another_workers_cache_client(
    event, client, published, policy, author, reviewer, second_reviewer, superuser, settings, commit
):
    """Two cache clients on one shared store, as two gunicorn workers (or machines) sharing Redis."""
    path, act, fresh = EVENTS[event]
    Article.objects.filter(pk=published.pk).update(last_reviewed_at=timezone.now().replace(year=2024))
    client.get(path)
    assert client.get(path)["X-Page-Cache"] == "hit"
    original = caching.cache
    caching.cache = _second_client(settings)  # the event is announced through the other worker's client
    try:
        commit(
            act,
            published=published,
            policy=policy,
            author=author,
            reviewer=reviewer,
            second_reviewer=second_reviewer,
            superuser=superuser,
        )
    finally:
        caching.cache = original
    assert fresh(client.get(path))


def _second_client(settings):
    config = settings.CACHES["default"]
    if config["BACKEND"].endswith("RedisCache"):
        from django.core.cache.backends.redis import RedisCache

        return RedisCache(config["LOCATION"], {k: v for k, v in config.items() if k not in ("BACKEND", "LOCATION")})
    # Local-memory caches created with the same location share one store.
    return LocMemCache(config.get("LOCATION", ""), {})


def test_page_expires_when_its_review_falls_due(client, published, monkeypatch):
    # An in-process cache, whose expiry follows the travelling clock (Redis keeps real time).
    monkeypatch.setattr(caching, "cache", LocMemCache("review-due", {}))
    due = timezone.now() + timedelta(hours=1)
    Article.objects.filter(pk=published.pk).update(next_review_due=due)
    assert "Review overdue" not in client.get("/articles/coffee/").content.decode()
    assert client.get("/articles/coffee/")["X-Page-Cache"] == "hit"
    with time_machine.travel(due + timedelta(minutes=1)):
        response = client.get("/articles/coffee/")
    assert response["X-Page-Cache"] == "miss"
    assert "Review overdue" in response.content.decode()


# --- A cache outage degrades to uncached pages ---------------------------------------


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache down")

        return fail


def test_cache_outage_serves_pages_uncached(client, published, monkeypatch):
    monkeypatch.setattr(caching, "cache", BrokenCache())
    response = client.get("/articles/coffee/")
    assert response.status_code == 200
    assert "Is coffee bad for you?" in response.content.decode()
    assert response["ETag"]


def test_cache_outage_does_not_fail_a_workflow_step(published, author, reviewer, monkeypatch, commit):
    monkeypatch.setattr(caching, "cache", BrokenCache())
    published.body = "Changed [1]."
    editing.save_content(published, user=author)
    commit(workflow.submit, published, user=author, **factories.change_note_for(published))
    assert Article.objects.get(pk=published.pk).status == Article.Status.SUBMITTED


# --- Cold cost ------------------------------------------------------------------------


def _cold_queries(client, count_queries, path):
    cache.clear()
    # Not the page's cost: the check for invalidations a cache outage held up, once per SYNC_SECONDS.
    cache.set(caching.SYNCED_KEY, True, timeout=caching.SYNC_SECONDS)
    with count_queries() as queries:
        response = client.get(path)
    assert response.status_code == 200
    return queries.count


def test_article_page_costs_at_most_three_queries_whatever_its_size(
    client, author, reviewer, second_reviewer, count_queries, settings
):
    small = factories.make_article(author=author, slug="small", references=1)
    factories.publish(small, author=author, reviewers=[reviewer])
    body = " ".join(f"Point [{n}]." for n in range(1, 61))
    big = factories.make_article(author=author, slug="big", body=body, references=60)
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    factories.publish(big, author=author, reviewers=[reviewer, second_reviewer])
    _add_history(big, versions=500, approvers=5)
    for path in ("/articles/small/", "/articles/big/", "/articles/big/professional/", "/articles/big/v/1/"):
        assert _cold_queries(client, count_queries, path) <= 3, path
    html = client.get("/articles/big/").content.decode()
    assert "Version 501" in html


def _add_history(article, *, versions, approvers):
    """Give an article many approved versions, each approved by several board members, in bulk."""
    members = [factories.reviewer(username=f"extra-reviewer-{i}") for i in range(approvers)]
    live = article.published_revision
    start = live.number + 1
    Revision.objects.bulk_create(
        Revision(
            article=article,
            number=n,
            kind=Revision.Kind.UPDATE,
            title=live.title,
            specialty=live.specialty,
            summary=live.summary,
            body=live.body,
            references=live.references,
            content_hash=live.content_hash,
            submitted_by=live.submitted_by,
            approved_at=timezone.now(),
        )
        for n in range(start, start + versions)
    )
    ReviewDecision.objects.bulk_create(
        ReviewDecision(
            article=article,
            revision=revision,
            reviewer=member,
            reviewer_name=member.board_profile.display_name,
            reviewer_credentials="MD",
            reviewer_slug=member.board_profile.slug,
            decision=ReviewDecision.Decision.APPROVE,
        )
        for revision in Revision.objects.filter(article=article, number__gte=start)
        for member in members
    )
    newest = Revision.objects.get(article=article, number=start + versions - 1)
    Article.objects.filter(pk=article.pk).update(published_revision=newest)
    store_renderings(newest)  # as the workflow does at approval


@pytest.mark.parametrize("path", ["/board/", "/sitemap.xml", "/sitemap-articles.xml", "/feeds/articles/", "/"])
def test_list_pages_do_not_grow_with_the_number_of_articles(client, published, author, reviewer, count_queries, path):
    before = _cold_queries(client, count_queries, path)
    for i in range(4):
        factories.publish(factories.make_article(author=author, slug=f"more-{i}"), author=author, reviewers=[reviewer])
    assert _cold_queries(client, count_queries, path) == before
