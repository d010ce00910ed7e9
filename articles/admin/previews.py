"""Staff previews: any version, or the editors' working copy, exactly as the public page shows it."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.views.decorators.clickjacking import xframe_options_sameorigin

from articles.models import Article, Revision, hash_content
from articles.review.screen import may_review_screens
from articles.site.pages import make_page, render_article


@xframe_options_sameorigin
def preview_view(model_admin, request, object_id, number):
    """Render any version exactly as the public page would, for staff only."""
    if not may_review_screens(request.user):
        raise PermissionDenied
    article = get_object_or_404(Article, pk=object_id)
    revision = get_object_or_404(article.revisions, number=number)
    audience = "professional" if request.GET.get("audience") == "professional" else "patient"
    page = make_page(article, revision, pending=not revision.is_approved, audience=audience)
    return render_article(request, page, preview=True)


@xframe_options_sameorigin
def draft_preview_view(model_admin, request, object_id):
    """Render the editors' working copy as readers would see it, before it is submitted."""
    if not may_review_screens(request.user):
        raise PermissionDenied
    article = get_object_or_404(Article.objects.select_related("specialty", "published_revision"), pk=object_id)
    snapshot = article.content_snapshot()
    draft = Revision(article=article, number=0, content_hash=hash_content(snapshot), **snapshot)
    audience = "professional" if request.GET.get("audience") == "professional" else "patient"
    return render_article(request, make_page(article, draft, pending=True, audience=audience), preview=True)
