"""A frozen version's text as readers see it, rendered once and kept (versions never change)."""

import logging

from django.core.cache import cache

from .rendering import RenderedText, render

logger = logging.getLogger(__name__)

RENDER_CACHE_VERSION = 4  # 4: citations numbered in reading order

AUDIENCES = ("patient", "professional")


def has_professional_version(revision) -> bool:
    return bool(revision.professional_body.strip())


def rendered_revision(revision, audience: str = "patient") -> RenderedText:
    """Render one audience's text of a revision; revisions never change, so the cache never goes stale."""
    professional = audience == "professional" and has_professional_version(revision)
    key = f"rendered:{RENDER_CACHE_VERSION}:{revision.pk}:{revision.content_hash}:{int(professional)}"
    try:
        rendered = cache.get(key)
    except Exception:  # the cache is down: render, as if it were empty
        rendered = None
    if rendered is None:
        if professional:
            summary = revision.professional_summary or revision.summary
            rendered = render(summary, revision.professional_body, revision.references)
        else:
            rendered = render(revision.summary, revision.body, revision.references)
        try:
            cache.set(key, rendered, timeout=None)
        except Exception:
            logger.warning(
                "render cache unavailable; rendered revision %s without it", revision.pk, extra={"outage": "cache"}
            )
    return rendered
