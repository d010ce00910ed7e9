"""Public pages about provenance: the withdrawal notice (410) and authors' profile pages."""

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from . import provenance, structured_data
from .models import AuthorProfile, Withdrawal


def withdrawn(request, withdrawal: Withdrawal):
    """Answer a withdrawn article's address: 410 Gone, saying what was withdrawn, when and why."""
    versions = provenance.approved_history(withdrawal.article)
    canonical = request.build_absolute_uri(withdrawal.article.get_absolute_url())
    data = structured_data.withdrawn_page(withdrawal, url=canonical, site_name=settings.EDITORIAL_SITE_NAME)
    context = {
        "withdrawal": withdrawal,
        "versions": versions,
        "canonical": canonical,
        "json_ld": structured_data.to_script(data),
        "noindex": True,
    }
    response = render(request, "articles/withdrawn.html", context, status=410)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def author(request, slug):
    profile = get_object_or_404(AuthorProfile.objects.select_related("user"), slug=slug, is_public=True)
    articles = provenance.published_articles_by(profile.user)
    return render(request, "articles/author.html", {"profile": profile, "articles": articles})
