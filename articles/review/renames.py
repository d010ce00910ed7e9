"""Changing a live article's slug: the old address answers 301 for good (``Redirect``).

The slug is not part of a reviewed version (versions are cited by number under whatever the
article's address is); an editor who may edit the article changes it in the working copy and it
takes effect at once, recorded in the article's history and the audit log. Pages under the old
address are purged (``signals.article_changed`` with ``old_slug``).
"""

from django.urls import reverse

from articles.models import Article, Redirect
from articles.operations import audit


def article_path(slug: str) -> str:
    return reverse("articles:detail", kwargs={"slug": slug})


def slug_changed(article: Article, old_slug: str, *, user=None) -> None:
    """A live article's address changed: its old address (and everything under it) answers 301."""
    old, new = article_path(old_slug), article_path(article.slug)
    Redirect.objects.filter(old_path=new, article=article).delete()  # renamed back: no self-redirect
    redirect, created = Redirect.objects.update_or_create(
        old_path=old,
        defaults={"article": article, "target_path": "", "source": Redirect.Source.SLUG_CHANGE, "created_by": user},
    )
    audit.record("redirect.slug_changed", actor=user, target=article, old_slug=old_slug, new_slug=article.slug)
    audit.record(
        "redirect.added", actor=user, target=redirect, old_path=old, target_path=new, source=Redirect.Source.SLUG_CHANGE
    )
