"""The endpoints of ``/api/v1/`` (django-ninja): read-only, approved content only.

Each endpoint checks its query parameters (an unknown one is refused, naming it), then answers
from the page cache or builds the answer from ``content``. Every caller is identified and
limited first (``auth``); errors are problem documents (``errors``).
"""

from datetime import UTC, datetime, time
from typing import Literal

from django.conf import settings
from django.http import Http404
from django.utils.dateparse import parse_date, parse_datetime
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from . import content, cursors, keys, schemas
from .http import CATALOG, PROBLEM_CONTENT_TYPE, Problem, cached, limited, problem_response, refused

DESCRIPTION = """Approved, medically reviewed articles as JSON: only what readers see on the site, never a draft
or a version the board has not approved. Send your key as `Authorization: Bearer <key>`. Errors are
`application/problem+json` (RFC 9457). Answers carry `ETag` and `Last-Modified`: revalidate with
`If-None-Match` or `If-Modified-Since` and get `304 Not Modified` while nothing changed."""


class PartnerKey(HttpBearer):
    """``Authorization: Bearer <key>``; anonymous callers when ``EDITORIAL_API_ANONYMOUS`` is on."""

    def __call__(self, request):
        caller = getattr(request, "api_caller", None)  # identified and limited by the middleware already
        if caller is not None:
            return caller
        caller = keys.identify(request)
        request.auth = caller  # known before the limit, so a 429 still carries the caller's headers
        keys.admit(caller)
        return caller

    def authenticate(self, request, token):  # pragma: no cover - __call__ does the work
        return None


class ContentAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Say what errors really are: ``application/problem+json`` documents."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    if int(status) >= 400 and "content" in answer:
                        answer["content"] = {PROBLEM_CONTENT_TYPE: answer["content"]["application/json"]}
        return schema


api = ContentAPI(
    title=f"{settings.EDITORIAL_SITE_NAME} content API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-1",
    docs_url=None,  # the docs page is ours (articles/api/urls.py): no assets from a CDN, which the CSP forbids
    auth=PartnerKey(),
)

PROBLEMS = {400: schemas.Problem, 401: schemas.Problem, 429: schemas.Problem}


def _allow_only(request, *names: str) -> None:
    unknown = sorted(set(request.GET) - set(names))
    if unknown:
        allowed = ", ".join(names) or "none"
        raise Problem(
            400,
            f"Unknown query parameter: {', '.join(unknown)} (this endpoint takes: {allowed}).",
            kind="unknown-parameter",
            errors=[{"field": name, "message": "unknown parameter"} for name in unknown],
        )


def _instant(value: str | None, field: str) -> datetime | None:
    """An ISO 8601 date or date-time; a date is its midnight UTC, a date-time without zone is UTC."""
    if value is None:
        return None
    value = value.strip()
    try:
        parsed = parse_datetime(value.replace(" ", "+")) or (
            datetime.combine(day, time(), tzinfo=UTC) if (day := parse_date(value)) else None
        )
    except ValueError:
        parsed = None
    if parsed is None:
        raise Problem(
            400,
            f"{field} must be an ISO 8601 date or date-time, e.g. 2026-01-31 or 2026-01-31T09:00:00Z.",
            kind="bad-date",
            errors=[{"field": field, "message": "not an ISO 8601 date or date-time"}],
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@api.get("/articles/", response={200: schemas.ArticlePage, **PROBLEMS}, url_name="articles", tags=["articles"])
def articles(
    request,
    topic: str | None = Query(None, description="A topic's slug (see /topics/)."),
    audience: Literal["patient", "professional"] | None = Query(
        None, description="professional: only articles with a professional version."
    ),
    modified_since: str | None = Query(
        None, description="ISO 8601 date or date-time: articles approved or confirmed since."
    ),
    page_size: int = Query(20, ge=1, description="Articles per page, at most EDITORIAL_API_MAX_PAGE_SIZE (100)."),
    cursor: str | None = Query(None, description="The `next` link's cursor: opaque, signed."),
):
    """Public articles, most recently approved or confirmed first, a page at a time (follow `next`)."""
    _allow_only(request, "topic", "audience", "modified_since", "page_size", "cursor")
    maximum = settings.EDITORIAL_API_MAX_PAGE_SIZE
    if page_size > maximum:
        raise Problem(
            400,
            f"page_size may be at most {maximum}.",
            kind="page-size",
            errors=[{"field": "page_size", "message": f"at most {maximum}"}],
        )
    since = _instant(modified_since, "modified_since")
    position = None
    if cursor is not None:
        try:
            position = cursors.decode(cursor)
        except cursors.BadCursor as error:
            raise Problem(
                400, str(error), kind="bad-cursor", errors=[{"field": "cursor", "message": "invalid"}]
            ) from None
    found = None
    if topic is not None:
        found = content.topic_by_slug(topic)
        if found is None:
            raise Problem(400, f"No topic has the slug {topic!r}: see /api/v1/topics/.", kind="unknown-topic",
                          errors=[{"field": "topic", "message": "unknown topic"}])  # fmt: skip
    return cached(
        request,
        CATALOG,
        lambda: content.article_list(
            request, topic=found, audience=audience, modified_since=since, cursor=position, page_size=page_size
        ),
    )


def _review_due(data):
    return data.get("next_review_due")


@api.get(
    "/articles/{slug}/",
    response={200: schemas.Article, 404: schemas.Problem, 410: schemas.Problem, **PROBLEMS},
    url_name="article",
    tags=["articles"],
)
def article(request, slug: str):
    """A public article's live version, both audiences, with what its page's trust line says."""
    _allow_only(request)
    return cached(request, (f"article:{slug}", "people"), lambda: content.article(request, slug), expires=_review_due)


@api.get(
    "/articles/{slug}/versions/{number}/",
    response={200: schemas.Article, 404: schemas.Problem, **PROBLEMS},
    url_name="version",
    tags=["articles"],
)
def version(request, slug: str, number: int):
    """An approved version by its permanent number (readable after a withdrawal, marked withdrawn)."""
    _allow_only(request)
    return cached(request, (f"article:{slug}", "people"), lambda: content.version(request, slug, number))


@api.get("/topics/", response={200: list[schemas.Topic], **PROBLEMS}, url_name="topics", tags=["catalogue"])
def topics(request):
    """Topics that have public articles."""
    _allow_only(request)
    return cached(request, CATALOG, lambda: content.topics(request))


@api.get("/board/", response={200: list[schemas.BoardMember], **PROBLEMS}, url_name="board", tags=["people"])
def board(request):
    """The Medical Advisory Board's current members: their public profiles."""
    _allow_only(request)
    return cached(request, CATALOG, lambda: content.board(request))


@api.get("/authors/", response={200: list[schemas.Author], **PROBLEMS}, url_name="authors", tags=["people"])
def authors(request):
    """Writers credited by name on articles (public author profiles)."""
    _allow_only(request)
    return cached(request, CATALOG, lambda: content.authors(request))


@api.get("/corrections/", response={200: schemas.Log, **PROBLEMS}, url_name="corrections", tags=["articles"])
def corrections(
    request,
    modified_since: str | None = Query(None, description="ISO 8601 date or date-time: entries since."),
):
    """The correction and withdrawal log, newest first (the latest 100)."""
    _allow_only(request, "modified_since")
    since = _instant(modified_since, "modified_since")
    return cached(request, CATALOG, lambda: content.log(request, modified_since=since))


# --- Errors: every one a problem document ------------------------------------------------


@api.exception_handler(Problem)
def _problem(request, error: Problem):
    return problem_response(request, error.status, error.detail, kind=error.kind, errors=error.errors,
                            headers=error.headers)  # fmt: skip


@api.exception_handler(keys.KeyRefused)
def _refused(request, error: keys.KeyRefused):
    return refused(request, error)


@api.exception_handler(keys.RateLimited)
def _limited(request, error: keys.RateLimited):
    return limited(request, error)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, error):
    return problem_response(request, 401, "This API needs a key.", kind="key-missing")


@api.exception_handler(ValidationError)
def _invalid(request, error: ValidationError):
    errors = [
        {"field": ".".join(str(p) for p in e.get("loc", [])[1:]), "message": e.get("msg", "")} for e in error.errors
    ]
    fields = ", ".join(e["field"] for e in errors) or "the request"
    return problem_response(request, 400, f"Invalid value for {fields}.", kind="invalid-parameter", errors=errors)


@api.exception_handler(content.Gone)
def _gone(request, error: content.Gone):
    withdrawal = error.withdrawal
    detail = f"This article was withdrawn on {withdrawal.withdrawn_at:%d %B %Y}: {withdrawal.reason}"
    return problem_response(request, 410, detail, kind="withdrawn")


@api.exception_handler(Http404)
def _not_found(request, error):
    return problem_response(request, 404, "No public article or version has this address.", kind="not-found")
