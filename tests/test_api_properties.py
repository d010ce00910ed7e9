"""Properties of the API over random input: no unapproved text through any endpoint or filter, whatever
the workflow did (random histories), and never a 500, whatever the query string."""

import re
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.api import keys
from articles.models import Article
from articles.review import editing, workflow
from articles.review.steps import WorkflowError

from . import factories

MARK = re.compile(r"MARK\d+")
STEPS = ["edit", "publish", "submit", "start_review", "approve", "request_changes", "withdraw", "archive", "restore"]


class Rollback(Exception):
    pass


@pytest.fixture
def people(db):
    return {
        "author": factories.editor(username="author"),
        "reviewer": factories.reviewer(username="reviewer"),
        "admin": factories.superuser(username="boss"),
    }


def take(step, article, people, mark):
    author, reviewer = people["author"], people["reviewer"]
    article.refresh_from_db()
    if step == "edit":
        article.summary, article.body = f"Summary {mark} [1].", f"Body {mark} [1]."
        if mark.endswith(("3", "7")):
            article.professional_summary, article.professional_body = f"Pro {mark} [1].", f"Pro body {mark} [1]."
        editing.save_content(article, user=author)
    elif step == "submit":
        workflow.submit(article, user=author, **factories.change_note_for(article, note=f"Note {mark}"))
    elif step == "publish":  # submit, review and approve in one step, so histories reach the public often
        factories.publish(article, author=author, reviewers=[reviewer])
    elif step == "withdraw":
        workflow.withdraw(article, user=author)
    elif step == "archive":
        workflow.archive(article, user=people["admin"], reason="Withdrawn: no longer accurate.")  # public text
    elif step == "restore":
        workflow.restore(article, user=people["admin"])
    else:
        extra = {"comment": f"Comment {mark}"} if step == "request_changes" else {}
        workflow.run(step, article, user=reviewer, **factories.naming_the_version(step, article), **extra)


def api_texts(client, token, slugs) -> tuple[dict, str]:
    """Every answer of every endpoint and filter; return (status by article path, all the text)."""
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    texts, statuses = [], {}
    for path in ["/api/v1/topics/", "/api/v1/board/", "/api/v1/authors/", "/api/v1/corrections/",
                 "/api/v1/articles/", "/api/v1/articles/?audience=professional",
                 "/api/v1/articles/?modified_since=2000-01-01", "/api/v1/articles/?page_size=1"]:  # fmt: skip
        while path:
            response = client.get(path, **auth)
            assert response.status_code == 200, path
            texts.append(response.content.decode())
            following = response.json().get("next") if path.startswith("/api/v1/articles/?") else None
            path = following.removeprefix("http://testserver") if following else None
    for slug in slugs:
        for path in [f"/api/v1/articles/{slug}/"] + [f"/api/v1/articles/{slug}/versions/{n}/" for n in range(1, 8)]:
            response = client.get(path, **auth)
            assert response.status_code in (200, 404, 410), path
            statuses[path] = response.status_code
            texts.append(response.content.decode())
    return statuses, "\n".join(texts)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(STEPS)), min_size=1, max_size=25))
def test_no_unapproved_text_reaches_the_api_whatever_the_workflow_did(client, people, history):
    try:
        with transaction.atomic():
            cache.clear()
            _, token = keys.create_key(name="P", rate_limit=100_000)
            articles = [
                factories.make_article(
                    author=people["author"],
                    slug=f"art-{n}",
                    summary=f"Summary MARK9{n}0 [1].",
                    body=f"Body MARK9{n}0 [1].",
                )  # fmt: skip
                for n in range(3)
            ]
            published_marks = set()  # every mark that was ever in a version readers could see
            for count, (index, step) in enumerate(history):
                try:
                    take(step, articles[index], people, f"MARK{count}")
                except (ValidationError, PermissionDenied, WorkflowError):
                    pass  # a step the workflow refuses in this state
                for article in Article.objects.public().select_related("published_revision"):
                    revision = article.published_revision
                    shown = [*revision.snapshot().values(), revision.change_note]  # the note is public once approved
                    published_marks |= set(MARK.findall(" ".join(str(v) for v in shown)))
            statuses, text = api_texts(client, token, [a.slug for a in articles])
            assert set(MARK.findall(text)) <= published_marks
            public = set(Article.objects.public().values_list("slug", flat=True))
            for article in articles:
                assert (statuses[f"/api/v1/articles/{article.slug}/"] == 200) == (article.slug in public)
            raise Rollback
    except Rollback:
        pass


QUERY_NAMES = st.sampled_from(["topic", "audience", "modified_since", "page_size", "cursor", "x", "", "page_size[]"])
QUERY_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "0", "-1", "101", "1e9", "2026-01-01", "2026-02-30T25:00", "professional", "eyJhIjoxfQ:x:y"]),
    st.integers().map(str),
)


@pytest.fixture
def live(db):
    author, reviewer = factories.editor(username="a"), factories.reviewer(username="r")
    return factories.publish(factories.make_article(author=author, slug="live"), author=author, reviewers=[reviewer])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["/api/v1/articles/", "/api/v1/corrections/", "/api/v1/topics/", "/api/v1/articles/live/"]),
    query=st.lists(st.tuples(QUERY_NAMES, QUERY_VALUES), max_size=4),
)
def test_no_query_string_makes_a_500(client, live, path, query):
    cache.clear()
    _, token = keys.create_key(name="P")
    string = "&".join(f"{quote(name)}={quote(value)}" for name, value in query)
    response = client.get(f"{path}?{string}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"]
