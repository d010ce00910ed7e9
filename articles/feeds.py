"""The Atom feed of approved articles, newest approval first."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Min
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from .models import Article
from .rendering import plain_text


class LatestArticlesFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        return f"{settings.EDITORIAL_SITE_NAME}: reviewed articles"

    def subtitle(self):
        return "Articles approved by our Medical Advisory Board."

    def link(self):
        return reverse("articles:home")

    def items(self):
        return (
            Article.objects.public()
            .select_related("published_revision__specialty")
            .annotate(first_approved_at=Min("revisions__approved_at"))
            .order_by("-published_revision__approved_at")[:50]
        )

    def item_title(self, item):
        return item.published_revision.title

    def item_description(self, item):
        return plain_text(item.published_revision.summary)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_updateddate(self, item):
        return item.published_revision.approved_at

    def item_pubdate(self, item):
        return item.first_approved_at

    def item_categories(self, item):
        specialty = item.published_revision.specialty or item.specialty
        return [specialty.name]
