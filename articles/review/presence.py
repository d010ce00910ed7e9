"""Who has an article open for editing right now: lightweight, expiring, in the shared cache.

A hint for editors ("Dr X is editing this article"), not a lock: saves are protected by
the workflow's edit check (``editing.check_edit_base``) whatever this says. With the
cache down, nobody is shown.
"""

import logging
import time

from django.core.cache import cache

from articles.models import person_name

logger = logging.getLogger(__name__)

# An open form counts as "editing" this long after it was last loaded or saved.
EXPIRES_SECONDS = 10 * 60


def _key(article_id) -> str:
    return f"editing:{article_id}"


def touch(article, user) -> None:
    """Record that ``user`` has ``article`` open in the change form now."""
    try:
        editors = _fresh(cache.get(_key(article.pk)) or {})
        editors[user.pk] = (person_name(user), time.time())
        cache.set(_key(article.pk), editors, timeout=EXPIRES_SECONDS)
    except Exception:
        logger.warning("editing presence unavailable (cache down)", extra={"outage": "cache"})


def leave(article, user) -> None:
    try:
        editors = _fresh(cache.get(_key(article.pk)) or {})
        editors.pop(user.pk, None)
        cache.set(_key(article.pk), editors, timeout=EXPIRES_SECONDS)
    except Exception:
        logger.warning("editing presence unavailable (cache down)", extra={"outage": "cache"})


def others(article, user) -> list[tuple[str, float]]:
    """Return (name, since) for everyone else with the article open, longest first."""
    try:
        editors = _fresh(cache.get(_key(article.pk)) or {})
    except Exception:
        return []
    return sorted(((name, since) for pk, (name, since) in editors.items() if pk != user.pk), key=lambda e: e[1])


def _fresh(editors: dict) -> dict:
    cutoff = time.time() - EXPIRES_SECONDS
    return {pk: entry for pk, entry in editors.items() if entry[1] >= cutoff}
