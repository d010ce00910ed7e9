"""The "compare two versions" picker and the list of versions, for the history page and the review screen.

Inclusion tags rather than view context, so that any admin page showing an article can offer the
comparison with one line (``{% load compare_tags %}{% compare_picker article %}``).
"""

from django import template
from django.urls import reverse

from articles.review import comparing

register = template.Library()


@register.inclusion_tag("admin/articles/_compare_picker.html", takes_context=True)
def compare_picker(context, article):
    """Two lists of the article's versions, the pair worth a look chosen, and a "Compare" button."""
    if article is None or not comparing.may_compare(context["request"].user):
        return {"versions": []}
    versions = comparing.listed_versions(article)
    selected_from, selected_to = comparing.default_pair(article, versions)
    return {"article": article, "versions": versions, "selected_from": selected_from, "selected_to": selected_to}


@register.inclusion_tag("admin/articles/article/_versions.html", takes_context=True)
def version_list(context, article):
    """Every version, newest first, with its state and links comparing it with the previous and the live one."""
    if article is None or not comparing.may_compare(context["request"].user):
        return {"versions": []}
    versions = comparing.listed_versions(article)
    if not versions:  # a draft never submitted: no versions yet
        return {"versions": []}
    live = next((v.number for v in versions if v.pk == article.published_revision_id), None)
    url = reverse("admin:articles_article_compare", args=[article.pk])
    for older, version in zip([*versions[1:], None], versions, strict=True):
        version.previous = older.number if older else None
        version.live = live if live not in (None, version.number) else None
        version.compare_previous_url = f"{url}?from={older.number}&to={version.number}" if older else ""
        low, high = sorted([version.number, live]) if version.live else (None, None)
        version.compare_live_url = f"{url}?from={low}&to={high}" if version.live else ""
    selected_from, selected_to = comparing.default_pair(article, versions)
    return {
        "article": article,
        "versions": versions,
        "selected_from": selected_from,
        "selected_to": selected_to,
        "request": context["request"],
    }
