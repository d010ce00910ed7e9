"""Approved versions' rendered text, stored with them: rendered once, at approval or on first use.

An approved version never changes, so the HTML readers see of it (summary, body, references with
their backlinks, headings) is rendered once and kept here, one row per version and audience,
with the stamp of the renderer that made it (``RENDERER_VERSION``). A row made by another
renderer is rendered again on first use (or by ``manage.py rerender_versions``). Only the
version's own text is stored: who wrote, approved or confirmed it (profiles that change) is
assembled into the page when it is served.

A version not approved (a draft, one with the board) is never stored: it is rendered on demand
(``rendered_revision``, kept in the cache by content hash).
"""

import logging

from django.db import DatabaseError, models, transaction
from django.utils import timezone

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


class RenderedVersion(models.Model):
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="renderings")
    audience = models.CharField(max_length=12, choices=[(a, a.capitalize()) for a in AUDIENCES])
    renderer = models.PositiveIntegerField(help_text="The RENDERER_VERSION that made this rendering.")
    summary_html = models.TextField()
    body_html = models.TextField()
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
    def text(self):
        return load_rendering(self.summary_html, self.body_html, self.extras)


def render_fields(revision, audience) -> dict:
    """Render one audience of ``revision``: the fields of its ``RenderedVersion``."""
    rendered = render_revision(revision, audience)
    return {
        "text": rendered,
        "renderer": RENDERER_VERSION,
        "summary_html": rendered.summary_html,
        "body_html": rendered.body_html,
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
        if row is not None and row.renderer == RENDERER_VERSION:
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


def stored_rendering(revision, audience: str = "patient") -> tuple:
    """Return (``RenderedText``, plain summary) of one audience of an approved ``revision``.

    One query when stored by this renderer; otherwise rendered now and stored for next time
    (a failure to store, e.g. a read-only database, is logged and the page still served).
    """
    audience = served_audience(revision, audience)
    row = RenderedVersion.objects.filter(revision=revision, audience=audience).first()
    if row is not None and row.renderer == RENDERER_VERSION:
        return row.text, row.plain_summary
    fields = render_fields(revision, audience)
    try:
        with transaction.atomic():
            save_rendering(revision, audience, row, fields)
    except DatabaseError:
        logger.warning("could not store the rendering of %s; served it rendered", revision.pk, exc_info=True)
    return fields["text"], fields["plain_summary"]


def reader_text(revision, audience: str = "patient") -> tuple:
    """Return (``RenderedText``, plain summary) of what readers see of ``revision``: stored if it is
    approved, rendered (and kept in the cache by content hash) if it is not."""
    if revision.pk is not None and revision.approved_at is not None:
        return stored_rendering(revision, audience)
    return rendered_revision(revision, audience), plain_summary(revision, audience)
