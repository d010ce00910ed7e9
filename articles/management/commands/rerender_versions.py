"""Render and store every approved version whose stored rendering is missing or made by another renderer.

Run after a deploy that bumps ``RENDERER_VERSION`` (pages also re-render lazily, on first use),
or once after upgrading to stored renderings, so that no reader waits for a first rendering.
"""

import hashlib
import json

from django.core.management.base import BaseCommand
from django.db import transaction

from articles.models import RenderedVersion, Revision
from articles.models.rendered import audiences_of, render_fields, renderer_stamp, save_rendering

BATCH = 200


def _text_key(revision, audience):
    """What a rendering depends on: the same texts and references render the same HTML."""
    texts = [revision.summary, revision.body, revision.references]
    if audience == "professional":
        texts += [revision.professional_summary, revision.professional_body]
    return audience, hashlib.sha256(json.dumps(texts, sort_keys=True).encode()).hexdigest()


class Command(BaseCommand):
    help = "Render and store approved versions whose stored rendering is missing or from another renderer."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Render every approved version again, current or not.")

    def handle(self, *args, all=False, **options):
        approved = Revision.objects.filter(approved_at__isnull=False)
        ids = set(approved.values_list("pk", flat=True))
        if not all:
            # A version needs work unless each of its audiences has a current rendering.
            current = RenderedVersion.objects.filter(renderer=renderer_stamp())
            patient = set(current.filter(audience="patient").values_list("revision", flat=True))
            professional = set(current.filter(audience="professional").values_list("revision", flat=True))
            with_professional = set(approved.exclude(professional_body="").values_list("pk", flat=True))
            ids = {pk for pk in ids if pk not in patient or (pk in with_professional and pk not in professional)}
        ids = sorted(ids)
        seen, rendered = {}, 0
        for start in range(0, len(ids), BATCH):
            batch = Revision.objects.filter(pk__in=ids[start : start + BATCH]).prefetch_related("renderings")
            with transaction.atomic():
                for revision in batch:
                    existing = {row.audience: row for row in revision.renderings.all()}
                    for audience in audiences_of(revision):
                        row = existing.get(audience)
                        if row is not None and row.renderer == renderer_stamp() and not all:
                            continue
                        key = _text_key(revision, audience)
                        if key not in seen:
                            seen[key] = render_fields(revision, audience)
                        save_rendering(revision, audience, row, seen[key])
                        rendered += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Stored {rendered:,} rendering(s) of {len(ids):,} approved version(s) "
                f"({len(seen):,} distinct text(s)) with renderer {renderer_stamp()}."
            )
        )
