"""Uploaded images for readers and editors: only content-addressed names, with immutable caching.

Whitenoise serves static files, not uploads, so this view serves ``MEDIA_URL`` on one machine
and on many (it reads the configured storage: the local folder or the S3 bucket). It answers
only names this app makes, ``images/ab/<sha256>.<ext>`` for a stored file and
``images/ab/<sha256>/w<width>.<ext>`` for a rendition, matched by the URL pattern itself, so no
path from a request ever reaches the storage (no traversal, no other files). The bytes behind a
name never change, so responses may be cached for a year (``immutable``); a rendition not made
yet is made on this first request, once (``articles.models.images.ensure_rendition``).
"""

import logging

from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse

from articles.content import images as pixels
from articles.models.images import ImageFile, ensure_rendition

logger = logging.getLogger(__name__)
IMMUTABLE = "public, max-age=31536000, immutable"
PATTERN = (
    r"^media/images/(?P<prefix>[0-9a-f]{2})/(?P<sha256>[0-9a-f]{64})"
    r"(?:/w(?P<width>[1-9][0-9]{0,4}))?\.(?P<ext>jpg|png|webp|avif)$"
)


def serve(request, prefix, sha256, ext, width=None):
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    if prefix != sha256[:2]:
        raise Http404("No such image.")
    blob = ImageFile.objects.filter(sha256=sha256).first()
    if blob is None:
        raise Http404("No such image.")
    if width is None and ext != pixels.FORMATS[blob.format][0]:
        raise Http404("No such image.")
    try:
        name = blob.name if width is None else _rendition(blob, int(width), ext)
        with default_storage.open(name, "rb") as stored:
            data = stored.read()
    except FileNotFoundError:
        # A row without its file: the storage lost it (a restore without the media folder?).
        logger.warning("media: %s is recorded but missing from the storage", blob.name)
        raise Http404("No such image.") from None
    response = HttpResponse(data, content_type=pixels.CONTENT_TYPES[ext])
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _rendition(blob, width: int, ext: str) -> str:
    """The stored name of a rendition this file should have (made now if missing); 404 for any other."""
    fmt = next((fmt for fmt, spec in pixels.FORMATS.items() if spec[0] == ext), None)
    if (width, fmt) not in blob.rendition_specs():
        raise Http404("No such rendition.")
    return ensure_rendition(blob, width, fmt).name
