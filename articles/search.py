"""Relevance-ranked search over live article text: PostgreSQL full-text search, or a weighted fallback."""

from django.db import connection
from django.db.models import Case, F, IntegerField, Q, Value, When


def search(queryset, query: str):
    """Return ``queryset`` (public articles) filtered to ``query`` and ordered by relevance."""
    query = " ".join(query.split())[:200]
    if not query:
        return queryset.none()
    if connection.vendor == "postgresql":
        return _postgres(queryset, query)
    return _weighted(queryset, query)


def _postgres(queryset, query):
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = (
        SearchVector("published_revision__title", weight="A", config="english")
        + SearchVector("published_revision__summary", weight="B", config="english")
        + SearchVector("published_revision__body", weight="C", config="english")
        + SearchVector("published_revision__specialty__name", weight="B", config="english")
    )
    search_query = SearchQuery(query, search_type="websearch", config="english")
    return (
        queryset.annotate(rank=SearchRank(vector, search_query))
        .filter(rank__gt=0)
        .order_by("-rank", "-published_revision__approved_at")
    )


def _weighted(queryset, query):
    """Score each term: title 5, summary 3, specialty 2, body 1; all terms must match somewhere."""
    terms = query.split()[:8]
    score = Value(0, output_field=IntegerField())
    for term in terms:
        matches_anywhere = (
            Q(published_revision__title__icontains=term)
            | Q(published_revision__summary__icontains=term)
            | Q(published_revision__body__icontains=term)
            | Q(published_revision__specialty__name__icontains=term)
        )
        queryset = queryset.filter(matches_anywhere)
        for lookup, weight in (
            ("published_revision__title__icontains", 5),
            ("published_revision__summary__icontains", 3),
            ("published_revision__specialty__name__icontains", 2),
            ("published_revision__body__icontains", 1),
        ):
            score = score + Case(When(**{lookup: term}, then=Value(weight)), default=Value(0))
    return queryset.annotate(rank=score).order_by("-rank", F("published_revision__approved_at").desc())
