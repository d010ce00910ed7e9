# ruff: noqa: S608  (the SQL is built from the models' table and column names, never from input)
"""The public article page's reads, as SQL written once per process: the page's hot path.

A cold article page needs the article with its live version, both topics and the version's
stored renderings, then its approved history (versions, authors, approvals and confirmations).
Built by the ORM, those queries cost more to compile (about 3 ms a page) than to run (a tenth
of a millisecond each on SQLite): here each is one SQL statement, made from the models' own
table and column names the first time it runs, executed as is, its rows read back through the
fields' own converters into model instances (``Model.from_db``) or plain tuples.

What readers may see is not decided here. ``article_with_live_version`` fetches by slug whatever
the article's state; the caller asks ``Article.is_public()`` (the instance twin of
``ArticleQuerySet.public()``). ``approved_versions`` holds the one visibility condition of the
history, "approved" (``approved_at IS NOT NULL``, as ``approved_history`` always filtered): a
new rule for which versions readers see (say, a go-live time) belongs in ``HISTORY_VISIBLE``.
"""

import functools

from django.db import connection

from .content import Article, Revision, Specialty
from .people import AuthorProfile, BoardMember
from .rendered import RenderedVersion
from .review import ReviewDecision
from .workflows import RevisionStage

# What the history list shows of each version; the text of old versions is never loaded.
HISTORY_FIELDS = ("id", "article_id", "number", "title", "approved_at", "kind", "change_kind", "change_note")
# The condition (on the version's alias ``v``) for a version to be in the public history.
HISTORY_VISIBLE = "v.{approved_at} IS NOT NULL"


class _Columns:
    """Fields of ``model`` (all, or those in ``attnames``) under a table alias: their SQL, and how
    to read their values back."""

    def __init__(self, model, alias: str, attnames=None):
        # In the model's order, whatever ``attnames`` says: ``Model.from_db`` expects it.
        fields = [f for f in model._meta.concrete_fields if attnames is None or f.attname in attnames]
        self.model, self.attnames = model, [f.attname for f in fields]
        qn = connection.ops.quote_name
        self.sql = ", ".join(f"{alias}.{qn(f.column)}" for f in fields)
        cols = [f.get_col(alias) for f in fields]
        self.converters = [
            (i, [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)], col)
            for i, col in enumerate(cols)
        ]
        self.converters = [(i, funcs, col) for i, funcs, col in self.converters if funcs]
        self.width = len(fields)

    def values(self, row, start: int) -> list:
        values = list(row[start : start + self.width])
        for i, funcs, col in self.converters:
            for convert in funcs:
                values[i] = convert(values[i], col, connection)
        return values

    def instance(self, row, start: int):
        """The model instance in ``row`` from column ``start``, or None for a LEFT JOIN that found nothing."""
        values = self.values(row, start)
        if values[self.attnames.index("id")] is None:
            return None
        return self.model.from_db(connection.alias, self.attnames, values)


def _tables() -> dict:
    qn = connection.ops.quote_name
    models = {
        "article": Article,
        "revision": Revision,
        "specialty": Specialty,
        "rendering": RenderedVersion,
        "decision": ReviewDecision,
        "member": BoardMember,
        "profile": AuthorProfile,
        "stage": RevisionStage,
    }
    tables = {name: qn(model._meta.db_table) for name, model in models.items()}
    tables["authors"] = qn(Revision.authors.through._meta.db_table)
    return tables


def _cols(model, *names) -> dict:
    qn = connection.ops.quote_name
    return {name: qn(model._meta.get_field(name).column) for name in names}


@functools.cache
def _article_statement(vendor: str, audiences: tuple, pending: bool):
    t = _tables()
    a = _cols(Article, "slug", "published_revision", "pending_revision", "specialty")
    r = _cols(Revision, "id", "specialty")
    s = _cols(Specialty, "id")
    rv = _cols(RenderedVersion, "revision", "audience")
    parts = [_Columns(Article, "a"), _Columns(Revision, "r"), _Columns(Specialty, "rs"), _Columns(Specialty, "s")]
    joins = [
        f"LEFT JOIN {t['revision']} r ON r.{r['id']} = a.{a['published_revision']}",
        f"LEFT JOIN {t['specialty']} rs ON rs.{s['id']} = r.{r['specialty']}",
        f"INNER JOIN {t['specialty']} s ON s.{s['id']} = a.{a['specialty']}",
    ]
    for i in range(len(audiences)):
        parts.append(_Columns(RenderedVersion, f"rv{i}"))
        joins.append(
            f"LEFT JOIN {t['rendering']} rv{i} ON rv{i}.{rv['revision']} = r.{r['id']} AND rv{i}.{rv['audience']} = %s"
        )
    if pending:
        parts += [_Columns(Revision, "p"), _Columns(Specialty, "ps")]
        joins += [
            f"LEFT JOIN {t['revision']} p ON p.{r['id']} = a.{a['pending_revision']}",
            f"LEFT JOIN {t['specialty']} ps ON ps.{s['id']} = p.{r['specialty']}",
        ]
    sql = (
        f"SELECT {', '.join(part.sql for part in parts)} FROM {t['article']} a {' '.join(joins)} "
        f"WHERE a.{a['slug']} = %s"
    )
    return sql, parts


def article_with_live_version(slug: str, audiences: tuple, *, pending: bool = False):
    """Return (article, {audience: stored rendering or None}) for ``slug``, or (None, {}): one query.

    The article comes with its live version (``published_revision``, None if it has none), the
    version's topic and the article's; with ``pending``, its version with the board too. The
    renderings are the live version's for each of ``audiences``, as ``with_renderings`` joins them.
    """
    sql, parts = _article_statement(connection.vendor, audiences, pending)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*audiences, slug])
        row = cursor.fetchone()
    if row is None:
        return None, {}
    objects, start = [], 0
    for part in parts:
        objects.append(part.instance(row, start))
        start += part.width
    article, revision, revision_topic, topic, *rest = objects
    renderings = dict(zip(audiences, rest[: len(audiences)], strict=True))
    Article.specialty.field.set_cached_value(article, topic)
    Article.published_revision.field.set_cached_value(article, revision)
    if revision is not None:
        Revision.specialty.field.set_cached_value(revision, revision_topic)
        Revision.article.field.set_cached_value(revision, article)
    if pending:
        pending_revision, pending_topic = rest[len(audiences) :]
        Article.pending_revision.field.set_cached_value(article, pending_revision)
        if pending_revision is not None:
            Revision.specialty.field.set_cached_value(pending_revision, pending_topic)
            Revision.article.field.set_cached_value(pending_revision, article)
    return article, renderings


@functools.cache
def _history_statements(vendor: str):
    t = _tables()
    v = _cols(Revision, "id", "article", "approved_at", "number")
    au = {"revision": "revision_id", "user": "user_id", "id": "id"}
    au = {name: connection.ops.quote_name(Revision.authors.through._meta.get_field(name).column) for name in au}
    pr = _cols(AuthorProfile, "user", "display_name", "slug", "role", "credentials", "is_public")
    versions = _Columns(Revision, "v", HISTORY_FIELDS)
    profile = _Columns(AuthorProfile, "pr", ("display_name", "slug", "role", "credentials", "is_public"))
    versions_sql = (
        f"SELECT {versions.sql}, au.{au['user']}, {profile.sql} FROM {t['revision']} v "
        f"LEFT JOIN {t['authors']} au ON au.{au['revision']} = v.{v['id']} "
        f"LEFT JOIN {t['profile']} pr ON pr.{pr['user']} = au.{au['user']} "
        f"WHERE v.{v['article']} = %s AND {HISTORY_VISIBLE.format(approved_at=v['approved_at'])} "
        f"ORDER BY v.{v['number']} DESC, au.{au['id']}"
    )
    d = _cols(ReviewDecision, "id", "article", "revision", "reviewer", "decision", "created_at", "stage")
    m = _cols(BoardMember, "user", "specialty")
    s = _cols(Specialty, "id")
    decision = _Columns(
        ReviewDecision,
        "d",
        ("revision_id", "stage", "decision", "created_at", "conflicts", "reviewer_name", "reviewer_credentials")
        + ("reviewer_slug",),
    )
    member = _Columns(BoardMember, "m", ("slug", "is_active"))
    topic = _Columns(Specialty, "s", ("name",))
    rs = _cols(RevisionStage, "revision", "position", "superseded_at", "credit")
    # The stage the decision was made at, as the version froze it (how it credits its reviewers).
    decisions_sql = (
        f"SELECT {decision.sql}, {member.sql}, {topic.sql}, rs.{rs['credit']} FROM {t['decision']} d "
        f"LEFT JOIN {t['member']} m ON m.{m['user']} = d.{d['reviewer']} "
        f"LEFT JOIN {t['specialty']} s ON s.{s['id']} = m.{m['specialty']} "
        f"LEFT JOIN {t['stage']} rs ON rs.{rs['revision']} = d.{d['revision']} "
        f"AND rs.{rs['position']} = d.{d['stage']} AND rs.{rs['superseded_at']} IS NULL "
        f"WHERE d.{d['article']} = %s AND d.{d['decision']} IN (%s, %s) "
        f"ORDER BY d.{d['created_at']}, d.{d['id']}"
    )
    return versions_sql, versions, profile, decisions_sql, decision, member, topic


def approved_versions(article) -> list:
    """Every version of ``article`` in its public history, newest first (``HISTORY_FIELDS`` only),
    each with ``author_rows``: its authors as dicts (user, display_name, slug, role, credentials,
    is_public; None for an author without a profile). One query."""
    versions_sql, columns, profile, *_ = _history_statements(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(versions_sql, [article.pk])
        rows = cursor.fetchall()
    versions, by_pk = [], {}
    for row in rows:
        pk = row[columns.attnames.index("id")]
        version = by_pk.get(pk)
        if version is None:
            version = by_pk[pk] = columns.instance(row, 0)
            Revision.article.field.set_cached_value(version, article)
            version.author_rows = []
            versions.append(version)
        user = row[columns.width]
        if user is not None:
            person = dict(zip(profile.attnames, profile.values(row, columns.width + 1), strict=True))
            version.author_rows.append({"user": user, **person})
    return versions


def approvals_and_confirmations(article) -> list[dict]:
    """The board's approvals and confirmations of ``article``'s versions, in decision order, as
    dicts: the decision's revision_id, decision, created_at, conflicts, reviewer_name,
    reviewer_credentials and reviewer_slug, and the reviewer's board profile as board_slug,
    board_is_active and board_topic (None for a reviewer without one), and the stage it was
    made at with that stage's credit line as stage_credit ("Pharmacist review by"; "" when the
    stage names none). One query."""
    *_, decisions_sql, decision, member, topic = _history_statements(connection.vendor)
    Decision = ReviewDecision.Decision
    with connection.cursor() as cursor:
        cursor.execute(decisions_sql, [article.pk, Decision.APPROVE, Decision.CONFIRM_CURRENT])
        rows = cursor.fetchall()
    names = [*decision.attnames, *(f"board_{name}" for name in member.attnames), "board_topic", "stage_credit"]
    widths = (decision.width, decision.width + member.width, decision.width + member.width + topic.width)
    values = [
        [*decision.values(row, 0), *member.values(row, widths[0]), *topic.values(row, widths[1]), row[widths[2]] or ""]
        for row in rows
    ]
    return [dict(zip(names, row, strict=True)) for row in values]
