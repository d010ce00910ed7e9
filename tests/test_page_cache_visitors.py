"""Query strings and cookies cannot force a render: parameters a page does not read and session
cookies that are no signed-in user's are served from the page's cache entry; signed-in editors
are never served a stored page nor store one (articles/site/visitors.py)."""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as PlainSessionStore
from django.contrib.sessions.models import Session

from articles.models import AuthorProfile
from articles.operations import sessions
from articles.site import caching

from .test_caching import PUBLIC_PAGES

TRACKING = "utm_source=newsletter&utm_medium=email&utm_campaign=may&fbclid=abc123&gclid=xyz&x=1"


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.EDITORIAL_PAGE_CACHE = True


@pytest.fixture
def policy(db):
    from articles.models import Page

    return Page.objects.update_or_create(slug="editorial-policy", defaults={"title": "Policy", "body": "We check."})[0]


@pytest.fixture
def byline(published, author):
    return AuthorProfile.objects.create(user=author, display_name="Sam Rivera", slug="sam-rivera", role="Writer")


def with_query(path, query):
    return f"{path}{'&' if '?' in path else '?'}{query}"


# --- Query strings ------------------------------------------------------------------------


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_parameters_a_page_does_not_read_are_served_from_its_entry(client, published, policy, path):
    plain = client.get(path)
    for query in (TRACKING, "x=1", "utm_source=a", "q=", "page=7", "p=1"):
        if path.startswith("/sitemap") and query == "p=1":
            continue  # read by sitemap sections: tested below
        response = client.get(with_query(path, query))
        assert response["X-Page-Cache"] == "hit", query
        assert response.content == plain.content, query


@pytest.mark.parametrize("path", ["/", "/articles/coffee/", "/authors/sam-rivera/", "/sitemap-articles.xml"])
def test_a_page_first_asked_for_with_tracking_parameters_is_rendered_without_them(client, byline, path):
    tracked = client.get(with_query(path, TRACKING))
    assert tracked["X-Page-Cache"] == "miss"
    assert "utm_source" not in tracked.content.decode()  # e.g. in the author page's canonical link
    plain = client.get(path)
    assert plain["X-Page-Cache"] == "hit"
    assert plain.content == tracked.content


def test_tracking_parameters_cost_no_render_and_no_query(client, published, count_queries, markdown_parses):
    client.get("/articles/coffee/")
    parsed = len(markdown_parses)
    with count_queries() as queries:
        for n in range(20):
            assert client.get(f"/articles/coffee/?x={n}&utm_source=s{n}")["X-Page-Cache"] == "hit"
    assert queries.count == 0
    assert len(markdown_parses) == parsed


def test_a_search_is_rendered_fresh_and_never_stored(client, published):
    for _ in range(2):
        response = client.get(f"/?q=coffee&{TRACKING}")
        assert "X-Page-Cache" not in response
        assert 'href="/articles/coffee/"' in response.content.decode()  # the result
    assert "X-Page-Cache" not in client.get("/?q=coffee&page=2")


def test_sitemap_page_numbers_are_read_and_written_one_way(client, published):
    first = client.get("/sitemap-articles.xml")
    assert client.get("/sitemap-articles.xml?p=1")["X-Page-Cache"] == "hit"
    assert client.get("/sitemap-articles.xml?p=1&utm_source=a").content == first.content
    assert client.get("/sitemap-articles.xml?p=2").status_code == 404  # one page of articles
    for odd in ("abc", "0", "01", "-1", ""):
        response = client.get(f"/sitemap-articles.xml?p={odd}")
        assert "X-Page-Cache" not in response or response["X-Page-Cache"] != "hit", odd


# --- Session cookies ---------------------------------------------------------------------------


def test_session_keys_are_signed_and_unsigned_ones_are_no_session(db, author, client):
    client.force_login(author)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert sessions.issued_here(key)
    assert len(key) == 40
    assert not sessions.issued_here(key[:-1] + ("0" if key[-1] != "0" else "1"))
    assert not sessions.issued_here("x" * 40)
    # A key from Django's plain store (as issued before signed keys) is not one of ours: refused.
    plain = PlainSessionStore()
    plain["a"] = 1
    plain.save()
    assert not sessions.issued_here(plain.session_key)
    assert sessions.SessionStore(plain.session_key).session_key is None


@pytest.mark.parametrize(
    "cookie", ["x", "1", "a" * 32, "z" * 40, "' OR 1=1 --", "old-style-but-valid"], ids=lambda c: c[:12]
)
def test_a_made_up_session_cookie_is_served_from_the_cache_without_a_query(client, published, count_queries, cookie):
    if cookie == "old-style-but-valid":  # a real session row, from before keys were signed
        store = PlainSessionStore()
        store["anything"] = 1
        store.save()
        cookie = store.session_key
    client.get("/articles/coffee/")
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    with count_queries() as queries:
        for _ in range(5):
            response = client.get("/articles/coffee/?utm_source=x")
            assert response["X-Page-Cache"] == "hit"
    assert queries.count == 0
    assert not response.cookies


def test_a_signed_out_session_is_looked_up_once_then_served_from_the_cache(client, published, author, count_queries):
    client.get("/articles/coffee/")
    client.force_login(author)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.logout()  # the session row is gone; a second tab still sends the old cookie
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    with count_queries() as first:
        assert client.get("/articles/coffee/")["X-Page-Cache"] == "hit"
    assert first.count == 1  # the session, once
    with count_queries() as later:
        for _ in range(5):
            assert client.get("/articles/coffee/")["X-Page-Cache"] == "hit"
    assert later.count == 0


def test_an_anonymous_session_of_ours_is_a_reader(client, published, count_queries):
    store = sessions.SessionStore()
    store["seen_banner"] = True  # a session with no user in it
    store.save()
    client.get("/articles/coffee/")
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    assert client.get("/articles/coffee/")["X-Page-Cache"] == "hit"
    with count_queries() as queries:
        assert client.get("/articles/coffee/")["X-Page-Cache"] == "hit"
    assert queries.count == 0


def test_a_reader_render_with_a_session_cookie_stores_a_page_without_it(client, published):
    store = sessions.SessionStore()
    store["seen_banner"] = True
    store.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    miss = client.get("/articles/coffee/")
    assert miss["X-Page-Cache"] == "miss"
    assert not miss.cookies
    assert "cookie" not in miss.get("Vary", "").lower()
    client.cookies.clear()
    assert client.get("/articles/coffee/")["X-Page-Cache"] == "hit"


def test_a_signed_in_editor_is_never_served_a_stored_page(client, published, author):
    for _ in range(2):
        assert client.get("/articles/coffee/")["X-Page-Cache"] in ("miss", "hit")
    client.force_login(author)
    for path in ("/articles/coffee/", f"/articles/coffee/?{TRACKING}", "/", "/board/"):
        response = client.get(path)
        assert response.status_code == 200
        assert "X-Page-Cache" not in response, path
        assert "public" not in response.get("Cache-Control", "")


def test_a_signed_in_editor_never_stores_a_page(client, published, author):
    client.force_login(author)
    client.get("/articles/coffee/")
    client.get("/board/")
    assert not caching.local_pages.entries
    client.logout()
    client.cookies.clear()
    assert client.get("/articles/coffee/")["X-Page-Cache"] == "miss"


def test_an_editor_who_signs_in_after_reading_as_a_reader_is_not_served_from_the_cache(client, published, author):
    """Signing in issues a new key, so a key on record as a reader's never becomes an editor's."""
    store = sessions.SessionStore()
    store["seen_banner"] = True
    store.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    client.get("/articles/coffee/")
    assert client.get("/articles/coffee/")["X-Page-Cache"] == "hit"  # on record as a reader
    client.force_login(author)
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != store.session_key
    assert "X-Page-Cache" not in client.get("/articles/coffee/")
