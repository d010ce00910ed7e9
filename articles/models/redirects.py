"""Permanent redirects: old public paths that answer 301 to where the content lives now.

A redirect points at an article (so it follows later renames: never a chain) or, for a path
that is no article's, at another internal path. Redirects are looked up only when a request
would otherwise be a 404 (``articles.site.redirects``): live pages never pay for them.
"""

from django.conf import settings
from django.db import models


class Redirect(models.Model):
    class Source(models.TextChoices):
        SLUG_CHANGE = "slug_change", "Slug change"
        MANUAL = "manual", "Added by hand"
        CSV = "csv", "CSV import"
        IMPORT = "import", "Markdown import (redirect_from)"

    old_path = models.CharField(
        max_length=500, unique=True, help_text="The old path on this site, e.g. /articles/old-name/ (no host)."
    )
    article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="redirects",
        help_text="Where the old path goes: the article's current address, whatever its slug becomes.",
    )
    target_path = models.CharField(
        max_length=500, blank=True, help_text="Or another path on this site (when no article is chosen)."
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["old_path"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(article__isnull=False, target_path="")
                    | models.Q(article__isnull=True) & ~models.Q(target_path="")
                ),
                name="redirect_one_target",
            )
        ]

    def __str__(self):
        return f"{self.old_path} → {self.target()}"

    def target(self) -> str:
        """The path the old one answers with now (the article's current address)."""
        return self.article.get_absolute_url() if self.article_id else self.target_path
