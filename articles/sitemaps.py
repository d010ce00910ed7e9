"""Sitemaps: approved articles only, with lastmod the date of their last approval."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Article, Specialty


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Article.objects.public().select_related("published_revision").order_by("slug")

    def lastmod(self, item):
        return item.published_revision.approved_at


class ProfessionalArticleSitemap(ArticleSitemap):
    priority = 0.6

    def items(self):
        return super().items().exclude(published_revision__professional_body="")

    def location(self, item):
        return reverse("articles:detail_professional", args=[item.slug])


class TopicSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Specialty.objects.filter(
            pk__in=Article.objects.public().values("published_revision__specialty")
        ).order_by("slug")


class StaticSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return ["articles:home", "articles:board", "articles:editorial_policy"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "articles": ArticleSitemap,
    "professional": ProfessionalArticleSitemap,
    "topics": TopicSitemap,
    "pages": StaticSitemap,
}
