"""Approved versions' rendered text, stored with them: rendered once, at approval or on first use.

An approved version never changes, so what readers see of its own text (summary, body,
headings, and the references section with its backlinks, as HTML) is rendered once and kept
here, one row per version and audience, with the stamp of the renderer that made it
(``renderer_stamp``). A row made by another renderer is rendered again on first use (or ahead of
time by ``manage.py rerender_versions``). Only the version's own text is stored: who wrote,
approved or confirmed it, and the topic's name (profiles that change) are assembled into the page
when it is served.

A version not approved (a draft, one with the board) is never stored: it is rendered on demand
(``rendered_revision``, kept in the cache by content hash).
"""

import functools
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError, models, transaction
from django.db.models import FilteredRelation, Q
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from articles.content.rendering import RenderedText
from articles.content.versions import (
    AUDIENCES,
    RENDERER_VERSION,
    dump_extras,
    has_professional_version,
    load_rendering,
    plain_summary,
    render_revision,
    rendered_revision,
    served_audience,
)

from .content import Revision

logger = logging.getLogger(__name__)

REFERENCES_TEMPLATE = "articles/partials/references.html"
_REFERENCE_TAGS = Path(__file__).resolve().parent.parent / "templatetags" / "articles_tags.py"


@functools.cache
def _references_fingerprint() -> str:
    """A digest of what renders the stored references section: its template and template tags.
    Editing either makes every stored rendering stale without anyone remembering to bump a number."""
    source = get_template(REFERENCES_TEMPLATE).template.source + _REFERENCE_TAGS.read_text(encoding="utf-8")
    return hashlib.blake2b(source.encode(), digest_size=4).hexdigest()


def renderer_stamp() -> str:
    """What a stored rendering was made by: ``RENDERER_VERSION`` and the references section's fingerprint."""
    return f"{RENDERER_VERSION}.{_references_fingerprint()}"


class RenderedVersion(models.Model):
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="renderings")
    audience = models.CharField(max_length=12, choices=[(a, a.capitalize()) for a in AUDIENCES])
    renderer = models.CharField(max_length=40, help_text="The renderer_stamp() that made this rendering.")
    summary_html = models.TextField()
    body_html = models.TextField()
    references_html = models.TextField(help_text="The references section, as the article page shows it.")
    plain_summary = models.TextField(help_text="The summary as one line of plain text (meta tags, structured data).")
    # JSON text, decoded on use: references (display number, data, backlinks), headings, citation checks.
    extras = models.TextField()
    rendered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["revision", "audience"], name="unique_rendering_per_audience"),
        ]

    def __str__(self):
        return f"{self.revision} ({self.audience}, renderer {self.renderer})"

    @property
    def text(self) -> RenderedText:
        return load_rendering(self.summary_html, self.body_html, self.extras)


@dataclass
class ReaderText:
    """What a page shows of a version's own text, for one audience."""

    rendered: RenderedText
    plain_summary: str
    references_html: str | None  # None: not stored (a version not approved); the page renders the section


def render_fields(revision, audience) -> dict:
    """Render one audience of ``revision``: the fields of its ``RenderedVersion`` (and "text", the ``RenderedText``)."""
    rendered = render_revision(revision, audience)
    return {
        "text": rendered,
        "renderer": renderer_stamp(),
        "summary_html": rendered.summary_html,
        "body_html": rendered.body_html,
        "references_html": render_to_string(REFERENCES_TEMPLATE, {"references": rendered.reference_groups}),
        "plain_summary": plain_summary(revision, audience),
        "extras": dump_extras(rendered),
        "rendered_at": timezone.now(),
    }


def _row_fields(fields: dict) -> dict:
    return {name: value for name, value in fields.items() if name != "text"}


def audiences_of(revision) -> list[str]:
    return ["patient", "professional"] if has_professional_version(revision) else ["patient"]


def store_renderings(revision, *, existing=None) -> int:
    """Render and store every audience of an approved ``revision`` whose stored rendering is
    missing or made by another renderer; return how many were (re)rendered.

    ``existing``: its stored renderings by audience, if the caller has them (saves a query).
    """
    if revision.approved_at is None:
        raise ValueError(f"{revision} is not approved: only approved versions' renderings are stored.")
    if existing is None:
        existing = {row.audience: row for row in RenderedVersion.objects.filter(revision=revision)}
    count = 0
    for audience in audiences_of(revision):
        row = existing.get(audience)
        if row is not None and row.renderer == renderer_stamp():
            continue
        save_rendering(revision, audience, row, render_fields(revision, audience))
        count += 1
    return count


def save_rendering(revision, audience, row, fields) -> None:
    """Insert (``row`` None) or update one rendering from ``render_fields``. Two workers rendering
    the same version at once store the same thing: the insert ignores a conflicting row."""
    if row is None:
        RenderedVersion.objects.bulk_create(
            [RenderedVersion(revision=revision, audience=audience, **_row_fields(fields))], ignore_conflicts=True
        )
    else:
        RenderedVersion.objects.filter(pk=row.pk).update(**_row_fields(fields))


_NOT_JOINED = object()


def _joined_audiences(audience: str) -> list[str]:
    return ["patient", "professional"] if audience == "professional" else ["patient"]


def with_renderings(queryset, path: str, audience: str):
    """Join to ``queryset`` the stored renderings of the version at ``path`` ("published_revision",
    or "" for a queryset of versions) that a page for ``audience`` may show: no query of their own.
    Read them back with ``attach_renderings``."""
    relation = f"{path}__renderings" if path else "renderings"
    aliases = {
        f"rendering_{joined}": FilteredRelation(relation, condition=Q(**{f"{relation}__audience": joined}))
        for joined in _joined_audiences(audience)
    }
    return queryset.annotate(**aliases).select_related(*aliases)


def attach_renderings(revision, row, audience: str) -> None:
    """Keep on ``revision`` the renderings ``with_renderings`` joined to ``row`` (the article or the
    version itself) for ``audience``, for ``reader_text`` to use instead of querying. A joined
    rendering that is missing is kept as None (render it and store it)."""
    revision.joined_renderings = {
        joined: getattr(row, f"rendering_{joined}", None) for joined in _joined_audiences(audience)
    }


def stored_rendering(revision, audience: str = "patient") -> ReaderText:
    """One audience of an approved ``revision``, as stored.

    No query when joined to the query that loaded the version (``with_renderings``), one
    otherwise, when stored by this renderer; else rendered now and stored for next time
    (a failure to store, e.g. a read-only database, is logged and the page still served).
    """
    audience = served_audience(revision, audience)
    row = getattr(revision, "joined_renderings", {}).get(audience, _NOT_JOINED)
    if row is _NOT_JOINED:
        row = RenderedVersion.objects.filter(revision=revision, audience=audience).first()
    if row is not None and row.renderer == renderer_stamp():
        return ReaderText(row.text, row.plain_summary, row.references_html)
    fields = render_fields(revision, audience)
    try:
        with transaction.atomic():
            save_rendering(revision, audience, row, fields)
    except DatabaseError:
        logger.warning("could not store the rendering of %s; served it rendered", revision.pk, exc_info=True)
    return ReaderText(fields["text"], fields["plain_summary"], fields["references_html"])


def reader_text(revision, audience: str = "patient") -> ReaderText:
    """What readers see of ``revision``'s own text: stored if it is approved, rendered (and kept in
    the cache by content hash) if it is not."""
    if revision.pk is not None and revision.approved_at is not None:
        return stored_rendering(revision, audience)
    return ReaderText(rendered_revision(revision, audience), plain_summary(revision, audience), None)
