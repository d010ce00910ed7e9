"""Sitemaps: approved articles only, with lastmod the date of their last approval.

``/sitemap.xml`` is a sitemap index (the protocol's way past 50,000 URLs): it lists one
sitemap per section below, ``/sitemap-<section>.xml``, split into pages of ``limit`` URLs
(``?p=2``...), each with the section's latest change. Every figure the index needs is one
query per section, so neither the index nor a page of a section costs more queries
as articles are added.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse

from articles.models import Article, AuthorProfile, Page, Revision, Specialty


def _latest_approval(*conditions):
    """Return when the newest live version was approved: an index walk from the newest approval."""
    live = Article.objects.public().filter(published_revision=OuterRef("pk"))
    return (
        Revision.objects.filter(Exists(live), *conditions, approved_at__isnull=False)
        .order_by("-approved_at")
        .values_list("approved_at", flat=True)
        .first()
    )


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8
    limit = 50_000  # the protocol's maximum per file

    def items(self):
        # Only what a URL and its lastmod need: never the text of thousands of articles.
        return (
            Article.objects.public()
            .select_related("published_revision")
            .only("slug", "published_revision__approved_at")
            .order_by("slug")
        )

    def lastmod(self, item):
        return item.published_revision.approved_at

    def get_latest_lastmod(self):
        return _latest_approval()


class ProfessionalArticleSitemap(ArticleSitemap):
    priority = 0.6

    def items(self):
        # Versions with a professional text come from their partial index, not a read of every version.
        with_professional = Revision.objects.filter(~Q(professional_body="")).values("pk")
        return super().items().filter(published_revision__in=with_professional)

    def location(self, item):
        return reverse("articles:detail_professional", args=[item.slug])

    def get_latest_lastmod(self):
        return _latest_approval(~Q(professional_body=""))


class TopicSitemap(Sitemap):
    changefreq = "weekly"
    limit = 50_000

    def items(self):
        # Per topic, its newest approvals first until one is live: an index walk, not a scan.
        live = Article.objects.public().filter(published_revision=OuterRef("pk"))
        latest = (
            Revision.objects.filter(Exists(live), specialty=OuterRef("pk"), approved_at__isnull=False)
            .order_by("-approved_at")
            .values("approved_at")[:1]
        )
        return (
            Specialty.objects.annotate(latest_approval=Subquery(latest))
            .filter(latest_approval__isnull=False)
            .order_by("slug")
        )

    def lastmod(self, item):
        return item.latest_approval

    def get_latest_lastmod(self):
        return _latest_approval()


class AuthorSitemap(Sitemap):
    """Public author profiles with at least one published article (the others are empty pages)."""

    changefreq = "monthly"
    priority = 0.4
    limit = 50_000

    def items(self):
        wrote = Revision.objects.filter(
            authors=OuterRef("user"), approved_at__isnull=False, article__in=Article.objects.public()
        )
        return AuthorProfile.objects.filter(Exists(wrote), is_public=True).only("slug").order_by("slug")


class StaticSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return ["articles:home", "articles:board", "articles:editorial_policy"]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        if item == "articles:home":
            return self._latest_approval()
        if item == "articles:editorial_policy":
            return Page.objects.filter(slug="editorial-policy").values_list("updated_at", flat=True).first()
        return None  # the board page changes with profiles, which carry no date

    def _latest_approval(self):
        if not hasattr(self, "_latest"):
            self._latest = _latest_approval()
        return self._latest

    def get_latest_lastmod(self):
        dates = [date for date in (self.lastmod(item) for item in self.items()) if date is not None]
        return max(dates, default=None)


SITEMAPS = {
    "articles": ArticleSitemap,
    "professional": ProfessionalArticleSitemap,
    "topics": TopicSitemap,
    "authors": AuthorSitemap,
    "pages": StaticSitemap,
}
