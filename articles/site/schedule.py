"""Scheduled changes seen at request time: apply what has come due before a request reads anything.

What readers see is decided when they ask, with no cron job needed: a request first applies
any go-live or end date whose instant has passed (``articles.review.schedule.apply_due``, once
per version under the row lock), then reads. Article pages check their own row, which they read
anyway (``settle``: no extra query); every other request that reaches the app (lists, sitemaps,
feed, search, the admin) asks for the next scheduled instant of any article (one small indexed
query, ``ScheduledChangesMiddleware``). No stored copy outlives that instant: article pages are
kept no longer than their own next change, lists no longer than anyone's (``request.
next_scheduled_change``), in the page cache, ``Cache-Control`` and at the edge alike.
"""

import logging

from django.db import DatabaseError
from django.utils import timezone

from articles.models import Article
from articles.review import schedule as review_schedule
from articles.review import scheduling

from . import caching

logger = logging.getLogger(__name__)

# Pages that check their own article's row instead (``settle``), and pages no schedule changes.
SELF_SETTLING = {"articles:detail", "articles:detail_professional", "articles:version", "articles:version_professional"}
UNSCHEDULED_PREFIXES = ("/healthz", "/readyz", "/static/", "/media/", "/robots.txt", "/editorial-policy/")


def catch_up():
    """Apply scheduled changes that have come due; return the next scheduled instant, or None."""
    try:
        upcoming = Article.objects.next_scheduled_change()
        if upcoming is not None and upcoming <= timezone.now():
            review_schedule.apply_due()
            upcoming = Article.objects.next_scheduled_change()
    except DatabaseError:
        logger.warning("schedule: could not check for scheduled changes (database unavailable)")
        return None
    return upcoming


def settle(article: Article) -> bool:
    """Apply ``article``'s own due go-live or end date (read from the row the page has); True if it changed."""
    when = article.next_scheduled_change()
    if when is None or when > timezone.now():
        return False
    return scheduling.publish_due(article, now=timezone.now()) is not None


class ScheduledChangesMiddleware:
    """Apply scheduled go-lives and end dates that have come before the request is handled (``catch_up``).

    Sits inside the page cache: a stored page never outlives the next scheduled change, so a hit
    needs no check. Catalog pages (home, topics, sitemaps, feed, board and author pages) are kept
    no longer than the next change of any article (``request.next_scheduled_change``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.next_scheduled_change = None
        path = request.path_info
        page = caching._page_for_path(path) if request.method in ("GET", "HEAD") else None
        if not path.startswith(UNSCHEDULED_PREFIXES) and (page is None or page[0] not in SELF_SETTLING):
            request.next_scheduled_change = catch_up()
        return self.get_response(request)
