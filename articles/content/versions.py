"""A frozen version's text as readers see it: rendered, and turned to and from what is stored.

Approved versions never change, so their rendering is stored with them
(``articles.models.rendered``); versions still in review are rendered here and kept in the cache.
"""

import hashlib
import json
import logging

from django.core.cache import cache

from .rendering import RenderedReference, RenderedText, plain_text, render

logger = logging.getLogger(__name__)

# The renderer's version stamp. Bump it whenever a change to the rendering (Markdown rules,
# citations, sanitising, headings) changes its output: every stored rendering made under another
# stamp is then rendered again on first use (or ahead of time: ``manage.py rerender_versions``).
# 4: citations numbered in reading order. 5: figures (``figure_html``).
RENDERER_VERSION = 5
RENDER_CACHE_VERSION = RENDERER_VERSION  # the cache keys of versions in review use the same stamp

AUDIENCES = ("patient", "professional")


def has_professional_version(revision) -> bool:
    return bool(revision.professional_body.strip())


def served_audience(revision, audience: str) -> str:
    """The audience whose text is shown: the professional one only if the version has it."""
    return "professional" if audience == "professional" and has_professional_version(revision) else "patient"


def figure_images(revision) -> dict:
    """The images the revision's figures show (``Revision.figure_images``; none for anything else)."""
    method = getattr(revision, "figure_images", None)
    return method() if method is not None else {}


def render_revision(revision, audience: str = "patient") -> RenderedText:
    """Render one audience's text of a revision afresh (no cache, nothing stored)."""
    images = figure_images(revision)
    if served_audience(revision, audience) == "professional":
        return render(
            revision.professional_summary or revision.summary,
            revision.professional_body,
            revision.references,
            images=images,
        )
    return render(revision.summary, revision.body, revision.references, images=images)


def images_fingerprint(images: dict) -> str:
    """A digest of what figures show (a draft's come from the library, which may change under it)."""
    if not images:
        return "-"
    data = json.dumps({str(k): v.as_dict() if v else None for k, v in images.items()}, sort_keys=True)
    return hashlib.blake2b(data.encode(), digest_size=8).hexdigest()


def plain_summary(revision, audience: str = "patient") -> str:
    """The summary this audience reads, as plain text without citation marks (meta, og, JSON-LD)."""
    if served_audience(revision, audience) == "professional":
        return plain_text(revision.professional_summary or revision.summary)
    return plain_text(revision.summary)


def rendered_revision(revision, audience: str = "patient") -> RenderedText:
    """Render one audience's text of a revision; revisions never change, so the cache never goes stale."""
    professional = served_audience(revision, audience) == "professional"
    figures = images_fingerprint(figure_images(revision))
    key = f"rendered:{RENDER_CACHE_VERSION}:{revision.pk}:{revision.content_hash}:{int(professional)}:{figures}"
    try:
        rendered = cache.get(key)
    except Exception:  # the cache is down: render, as if it were empty
        rendered = None
    if rendered is None:
        rendered = render_revision(revision, audience)
        try:
            cache.set(key, rendered, timeout=None)
        except Exception:
            logger.warning(
                "render cache unavailable; rendered revision %s without it", revision.pk, extra={"outage": "cache"}
            )
    return rendered


def dump_extras(rendered: RenderedText) -> str:
    """The parts of a rendering besides its HTML (references, headings, citation checks), as JSON text."""
    return json.dumps(
        {
            "references": [[ref.display_number, ref.data, ref.backlinks] for ref in rendered.references],
            "headings": [list(heading) for heading in rendered.headings],
            "unknown_citations": rendered.unknown_citations,
            "uncited": rendered.uncited,
            "figures": rendered.figures,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def load_rendering(summary_html: str, body_html: str, extras: str) -> RenderedText:
    """Rebuild the ``RenderedText`` that ``dump_extras`` and the two HTML texts were stored from."""
    data = json.loads(extras)
    return RenderedText(
        summary_html=summary_html,
        body_html=body_html,
        references=[RenderedReference(number, ref, backlinks) for number, ref, backlinks in data["references"]],
        unknown_citations=data["unknown_citations"],
        uncited=data["uncited"],
        headings=[tuple(heading) for heading in data["headings"]],
        figures=data.get("figures", []),
    )
