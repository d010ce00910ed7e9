"""The clock's part of the workflow: scheduled go-lives and end dates applied when they come.

What readers see is decided at request time: the first request after a version's go-live
(or an article's end date), on any worker, applies it before reading anything
(``articles.site.schedule``), and pages stored before are never kept past that instant
(the page cache and ``Cache-Control`` are capped at it). ``manage.py publish_scheduled``, run from
cron, applies the same changes when no reader comes, so the "now live" emails, edge purges and
history entries do not wait for traffic. Either way each change is applied once, under the
article's row lock (``scheduling.publish_due``): a version goes live once, an article ends once.
"""

import logging

from django.utils import timezone

from articles.models import Article
from articles.operations.tasks import background

from . import scheduling

logger = logging.getLogger(__name__)


def apply_due(now=None) -> list[str]:
    """Apply every go-live and end date that has come; return what was done, one line each."""
    now = now or timezone.now()
    done = []
    for article in Article.objects.due(now).order_by("go_live_at", "expires_at", "pk"):
        try:
            outcome = scheduling.publish_due(article, now=now)
        except Exception:  # one article that cannot change must not hold up the others, nor a reader's page
            logger.exception("schedule: could not apply the scheduled change of article %s", article.pk)
            continue
        if outcome:
            done.append(outcome)
    return done


@background(attempts=5, backoff=10, max_backoff=300)
def apply_due_job() -> int:
    """``apply_due`` on a background worker (``publish_scheduled --enqueue``); returns how many changes it applied."""
    return len(apply_due())
