"""The Atom feed: new articles, updates (with their public change note) and withdrawals, newest first.

XML cannot carry control characters; whatever got stored, the feed strips them rather than fail.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from articles.content.rendering import plain_text
from articles.content.validators import strip_control_characters
from articles.models import Article, Revision, Withdrawal

FEED_ENTRIES = 50


@dataclass
class Entry:
    title: str
    description: str
    link: str
    guid: str
    updated: datetime
    category: str


def _revision_entry(revision: Revision) -> Entry:
    article = revision.article
    specialty = revision.specialty or article.specialty
    if revision.kind == Revision.Kind.UPDATE:
        kind = revision.get_change_kind_display() or "Update"
        title = f"Updated: {revision.title}"
        description = f"{kind}: {revision.change_note}" if revision.change_note else kind
        link = revision.get_absolute_url()
    else:
        title, description, link = revision.title, plain_text(revision.summary), article.get_absolute_url()
    return Entry(title, description, link, revision.get_absolute_url(), revision.approved_at, specialty.name)


def _withdrawal_entry(withdrawal: Withdrawal) -> Entry:
    article = withdrawal.article
    return Entry(
        title=f"Withdrawn: {withdrawal.revision.title}",
        description=withdrawal.reason,
        link=article.get_absolute_url(),
        guid=f"{article.get_absolute_url()}#withdrawn-{withdrawal.pk}",
        updated=withdrawal.withdrawn_at,
        category=(withdrawal.revision.specialty or article.specialty).name,
    )


class LatestArticlesFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        return f"{settings.EDITORIAL_SITE_NAME}: reviewed articles"

    def subtitle(self):
        return "Articles approved by our Medical Advisory Board, their updates and withdrawals."

    def link(self):
        return reverse("articles:home")

    def items(self):
        # Versions of live articles only: a withdrawn article's entries give way to its withdrawal.
        revisions = (
            Revision.objects.filter(article__in=Article.objects.public(), approved_at__isnull=False)
            .select_related("article__specialty", "specialty")
            .defer("body", "professional_body", "professional_summary", "references")
            .order_by("-approved_at")[:FEED_ENTRIES]
        )
        withdrawals = (
            Withdrawal.objects.filter(article__in=Article.objects.withdrawn())
            .select_related("article__specialty", "revision__specialty")
            .order_by("-withdrawn_at")[:FEED_ENTRIES]
        )
        entries = [_revision_entry(r) for r in revisions] + [_withdrawal_entry(w) for w in withdrawals]
        return sorted(entries, key=lambda e: e.updated, reverse=True)[:FEED_ENTRIES]

    def item_title(self, item):
        return strip_control_characters(item.title)

    def item_description(self, item):
        return strip_control_characters(item.description)

    def item_link(self, item):
        return item.link

    def item_guid(self, item):
        return item.guid

    def item_guid_is_permalink(self, item):
        return False

    def item_updateddate(self, item):
        return item.updated

    def item_pubdate(self, item):
        return item.updated

    def item_categories(self, item):
        return [strip_control_characters(item.category)]
