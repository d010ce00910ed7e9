"""The editor's "Insert image…": the image library as JSON for the dialog, and the figure to insert.

The dialog (``static/articles/image_picker.js``, markup in ``_image_picker.html``) searches the
library page by page, shows each image's thumbnail, alt text (or "decorative") and licence, lets
the editor adjust the alt text and caption for this article, and inserts the figure Markdown this
module writes with ``figures.figure_markdown``, the one writer of the syntax. Staff who may edit
articles and see the library only; every answer is JSON (a script never gets a login page).
"""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.urls import reverse

from articles.content.figures import figure_markdown
from articles.models import Image

from .images import FORMAT_NAMES, _small_url

PER_PAGE = 12
MAX_QUERY = 200


def may_pick(model_admin, request) -> bool:
    """Whether the user may insert images: edit (or add) articles and see the library."""
    editor = model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
    return editor and request.user.has_perm("articles.view_image")


def _describe(image: Image) -> dict:
    blob = image.file
    return {
        "id": image.pk,
        "title": image.title,
        "alt_text": image.alt_text,
        "decorative": image.decorative,
        "caption": image.caption,
        "credit": image.credit,
        "licence": image.get_licence_display(),
        "format": FORMAT_NAMES[blob.format],
        "width": blob.width,
        "height": blob.height,
        "thumbnail": _small_url(blob, 320),
    }


def library_view(model_admin, request):
    """A page of the library, newest first, optionally searched (``q``) over title, alt text, caption, credit."""
    if not may_pick(model_admin, request):
        raise PermissionDenied
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY]
    images = Image.objects.select_related("file")
    for word in query.split():
        images = images.filter(
            Q(title__icontains=word)
            | Q(alt_text__icontains=word)
            | Q(caption__icontains=word)
            | Q(credit__icontains=word)
        )
    page = Paginator(images, PER_PAGE).get_page(request.GET.get("page"))
    return JsonResponse(
        {
            "query": query,
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "results": [_describe(image) for image in page.object_list],
            "upload_url": reverse("admin:articles_image_add") if request.user.has_perm("articles.add_image") else "",
        }
    )


def figure_view(model_admin, request):
    """The Markdown of a figure of library image ``id`` with the editor's ``alt`` and ``caption``."""
    if not may_pick(model_admin, request):
        raise PermissionDenied
    image = Image.objects.filter(pk=request.GET.get("id", "") if request.GET.get("id", "").isdigit() else None).first()
    if image is None:
        return JsonResponse({"error": "That image is not in the library (any more): search again."}, status=404)
    alt = "" if image.decorative else request.GET.get("alt", "")[:500]
    if not image.decorative and not alt.strip():
        return JsonResponse({"error": "Describe what the image shows: alt text is needed.", "field": "alt"}, status=422)
    return JsonResponse({"markdown": figure_markdown(image.pk, alt, request.GET.get("caption", "")[:1000])})
