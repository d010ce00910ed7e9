"""Relevance-ranked search over live article text, with the matched words highlighted.

Both databases search the same document: a revision's title, summary, both audiences' text and
its reference titles, stemmed in English ("diabetic" finds "diabetes").

- PostgreSQL: one tsvector expression over a revision's own columns; migration 0007 builds a
  GIN index on exactly that expression, so a search reads the index instead of parsing every
  article. The expression below and the index's must stay identical, or the planner falls back
  to reading every revision (``tests/test_scale.py`` checks the plan). Highlights come from
  ``ts_headline``.
- SQLite: the FTS5 table from migration 0008 (kept in step by triggers), ranked by BM25 with
  the same column weights; highlights come from FTS5's ``snippet()``.

Readers type queries the way they do into web search: words (all must match), "quoted
phrases", ``-word`` to exclude and ``or`` between alternatives.
"""

import importlib
import re
from dataclasses import dataclass

from django.db import connection, connections
from django.db.models import F, Func, TextField, Value
from django.db.models.functions import Coalesce
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.content.rendering import plain_text

CONFIG = "english"
# (field, weight): what a hit in each counts for. Reference titles are read from the JSON list.
WEIGHTED_FIELDS = (
    ("title", "A"),
    ("summary", "B"),
    ("body", "C"),
    ("professional_summary", "C"),
    ("professional_body", "D"),
)
REFERENCE_TITLES_WEIGHT = "D"
# BM25 weights for the FTS5 columns, in the table's column order (migration 0008), mirroring
# PostgreSQL's default A/B/C/D weights (1.0, 0.4, 0.2, 0.1).
FTS_TABLE = "articles_revision_fts"
FTS_WEIGHTS = (1.0, 0.4, 0.2, 0.2, 0.1, 0.1)
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
# Private-use characters mark a match inside a highlight; they never reach the page.
START, STOP = "\ue000", "\ue001"
HIGHLIGHT_WORDS = 30
FTS_RANK = f"bm25({FTS_TABLE}, {', '.join(map(str, FTS_WEIGHTS))})"


def _weighted(expression, weight):
    from django.contrib.postgres.search import SearchVectorField

    return Func(expression, Value(weight), function="setweight", output_field=SearchVectorField())


def document(prefix: str = ""):
    """Return the tsvector expression of a revision's text (``prefix`` reaches the revision)."""
    from django.contrib.postgres.search import SearchConfig, SearchVectorField

    config = SearchConfig(CONFIG)
    parts = [
        _weighted(
            Func(config, Coalesce(F(f"{prefix}{name}"), Value(""), output_field=TextField()), function="to_tsvector"),
            weight,
        )
        for name, weight in WEIGHTED_FIELDS
    ]
    titles = Func(F(f"{prefix}references"), Value("$[*].title"), function="jsonb_path_query_array")
    parts.append(
        _weighted(Func(config, titles, Value('["string"]'), function="jsonb_to_tsvector"), REFERENCE_TITLES_WEIGHT)
    )
    return Func(*parts, arg_joiner=" || ", template="(%(expressions)s)", output_field=SearchVectorField())


def clean_query(raw: str) -> str:
    """Return the query as searched: printable characters, single spaces, at most 200 characters."""
    # A NUL byte would make PostgreSQL refuse the query; private-use marks are ours.
    printable = "".join(c for c in raw if c.isprintable())
    return " ".join(printable.split())[:MAX_QUERY_LENGTH]


def search(queryset, query: str):
    """Return ``queryset`` (public articles) filtered to ``query`` and ordered by relevance."""
    query = clean_query(query)
    if not query:
        return queryset.none()
    if connection.vendor == "postgresql":
        return _postgres(queryset, query)
    match = fts_query(query)
    if not match:
        return queryset.none()
    return _sqlite(queryset, match)


def _postgres(queryset, query):
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    search_query = SearchQuery(query, search_type="websearch", config=CONFIG)
    # Match on the indexed document; rank matches by title and summary only, since the full
    # document is not stored and rebuilding it for every hit would cost more than the search.
    ranking = SearchVector("published_revision__title", weight="A", config=CONFIG) + SearchVector(
        "published_revision__summary", weight="B", config=CONFIG
    )
    return (
        queryset.alias(document=document("published_revision__"))
        .filter(document=search_query)
        .annotate(rank=SearchRank(ranking, search_query))
        .order_by("-rank", "-published_revision__approved_at", "-pk")
    )


def _sqlite(queryset, match):
    return RankedMatches(queryset, match)


class RankedMatches:
    """SQLite's matches, best first: the FTS5 table joined to the public articles, ranked by BM25.

    Joining the index to the articles lets SQLite rank every match in one pass; Django cannot
    express that join, so this object gives the paginator what it needs (``count()`` and
    slices), and each slice returns the articles from ``queryset`` in rank order.
    """

    def __init__(self, queryset, match: str):
        self.queryset = queryset
        public, params = queryset.order_by().values("pk", "published_revision_id").query.sql_with_params()
        self._from = (
            f" FROM {FTS_TABLE} JOIN ({public}) AS public"  # noqa: S608 - compiled SQL, parameters apart
            f" ON public.published_revision_id = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH %s"
        )
        self._params = [*params, match]

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*)" + self._from, self._params)
            return cursor.fetchone()[0]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("RankedMatches takes slices without a step")
        start = key.start or 0
        limit = -1 if key.stop is None else max(key.stop - start, 0)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT public.pk" + self._from + f" ORDER BY {FTS_RANK}, {FTS_TABLE}.rowid DESC LIMIT %s OFFSET %s",
                [*self._params, limit, start],
            )
            ids = [row[0] for row in cursor.fetchall()]
        found = self.queryset.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


def fts_query(query: str) -> str:
    """Translate a reader's query to FTS5 syntax: every word quoted, so none is an operator.

    Words must all match; ``or`` between two words accepts either; ``-word`` excludes; quoted
    text is a phrase. Returns "" when nothing searchable is left.
    """
    groups: list[list[str]] = []  # AND of ORs
    excluded: list[str] = []
    join_next = False
    for match in _TOKEN.finditer(query):
        negated, phrase, bare = match.groups()
        if bare is not None and bare.lower() == "or" and groups:
            join_next = True
            continue
        if bare is not None:
            negated, phrase = ("-", bare[1:]) if bare.startswith("-") and len(bare) > 1 else ("", bare)
        words = _WORD.findall(phrase)
        if not words:
            continue
        term = '"' + " ".join(words) + '"'
        if negated:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    groups = groups[:MAX_TERMS]
    if not groups:
        return ""
    positive = " AND ".join(f"({' OR '.join(group)})" if len(group) > 1 else group[0] for group in groups)
    return " NOT ".join([f"({positive})", *excluded[:MAX_TERMS]]) if excluded else positive


@dataclass(frozen=True)
class Highlight:
    title: SafeString
    excerpt: SafeString


def highlighted(articles, query: str) -> list[tuple]:
    """Return ``(article, Highlight)`` pairs: each title and a short excerpt with the matched words marked.

    One query for the page of results (never for every match): highlighting reads the text.
    """
    articles = list(articles)
    query = clean_query(query)
    revision_ids = [article.published_revision_id for article in articles]
    if not revision_ids:
        rows = []
    elif connection.vendor == "postgresql":
        rows = _postgres_highlights(revision_ids, query)
    elif match := fts_query(query):
        rows = _sqlite_highlights(revision_ids, match)
    else:
        rows = []
    by_revision = {revision_id: (title, excerpt) for revision_id, title, excerpt in rows}
    pairs = []
    for article in articles:
        title, excerpt = by_revision.get(article.published_revision_id, ("", ""))
        revision = article.published_revision
        pairs.append(
            (
                article,
                Highlight(
                    title=marked(title) if START in title else escape(revision.title),
                    excerpt=marked(plain_text(excerpt)) if START in excerpt else escape(plain_text(revision.summary)),
                ),
            )
        )
    return pairs


def _postgres_highlights(revision_ids, query):
    options = (
        f"StartSel={START}, StopSel={STOP}, MaxWords={HIGHLIGHT_WORDS}, MinWords=12, MaxFragments=2,"
        ' FragmentDelimiter=" … "'
    )
    sql = (
        "WITH q AS (SELECT websearch_to_tsquery(%s::regconfig, %s) AS query)"
        " SELECT id, ts_headline(%s::regconfig, title, q.query, %s),"
        " ts_headline(%s::regconfig, concat_ws(E'\\n\\n', summary, body, professional_summary, professional_body,"
        " (SELECT string_agg(value ->> 'title', ' ') FROM jsonb_array_elements(\"references\"))), q.query, %s)"
        " FROM articles_revision, q WHERE id = ANY(%s)"
    )
    whole_title = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
    with connection.cursor() as cursor:
        cursor.execute(sql, [CONFIG, query, CONFIG, whole_title, CONFIG, options, list(revision_ids)])
        return cursor.fetchall()


def _sqlite_highlights(revision_ids, match):
    placeholders = ", ".join("%s" for _ in revision_ids)
    # One excerpt per text column (the title is shown highlighted anyway): the first with a match
    # is shown, in reading order: summary, body, then the professional text and reference titles.
    excerpts = ", ".join(f"snippet({FTS_TABLE}, {column}, %s, %s, '…', %s)" for column in range(1, len(FTS_WEIGHTS)))
    sql = (
        f"SELECT rowid, highlight({FTS_TABLE}, 0, %s, %s), {excerpts}"  # noqa: S608
        f" FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid IN ({placeholders})"
    )
    params = [START, STOP, *[START, STOP, HIGHLIGHT_WORDS] * (len(FTS_WEIGHTS) - 1), match, *revision_ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            (rowid, title, next((text for text in excerpts if START in (text or "")), ""))
            for rowid, title, *excerpts in cursor.fetchall()
        ]


_MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)


def marked(text: str) -> SafeString:
    """Escape ``text`` and turn the match marks into ``<mark>`` elements (stray marks dropped)."""
    escaped = escape(text)
    html = _MARKED.sub(lambda m: f"<mark>{m.group(1)}</mark>", escaped)
    return mark_safe(html.replace(START, "").replace(STOP, ""))  # noqa: S308 - escaped above


def ensure_sqlite_index(sender=None, using="default", **kwargs):
    """After every migrate on SQLite: the search triggers exist and every version is indexed.

    Django rebuilds a SQLite table to alter it, which drops its triggers; a later migration
    touching ``articles_revision`` would otherwise leave new versions unsearchable.
    """
    db = connections[using]
    if db.vendor != "sqlite" or FTS_TABLE not in db.introspection.table_names():
        return
    frozen = importlib.import_module("articles.migrations.0008_sqlite_search_index")
    missing = (
        f"INSERT INTO {FTS_TABLE} (rowid, {frozen.COLUMNS})"  # noqa: S608 - constants only
        f" SELECT {frozen.NEW_VALUES.replace('new.', 'r.')} FROM articles_revision AS r"
        f" WHERE r.id NOT IN (SELECT rowid FROM {FTS_TABLE})"
    )
    with db.cursor() as cursor:
        for statement in frozen.CREATE:
            if statement.startswith("CREATE TRIGGER"):
                cursor.execute(statement)
        cursor.execute(missing)
