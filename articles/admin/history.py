"""How the admin's history page shows changes: labels instead of codes, short plain-text excerpts.

simple-history's default shows stored values (``in_review``, Markdown cut to ``## Wh[222 chars]``).
Here each change names the field by its verbose name, choices by their label, people and versions
by name, and long texts by the few words around what changed, Markdown stripped.
"""

import difflib
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from simple_history.template_utils import HistoricalRecordContextHelper

from articles.content.rendering import plain_text
from articles.models import Revision, person_name
from articles.review import comparing

EXCERPT_CHARS = 90
CONTEXT_WORDS = 4
EMPTY = "(empty)"


def shorten(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Cut ``text`` at a word boundary to at most ``limit`` characters, marking the cut with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,.;:") + "…"


def changed_excerpts(old: str, new: str) -> tuple[str, str]:
    """Return the words around the first difference between two texts, Markdown stripped."""
    old_words, new_words = plain_text(old or "").split(), plain_text(new or "").split()
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if not changes:
        return shorten(" ".join(old_words)) or EMPTY, shorten(" ".join(new_words)) or EMPTY
    _, a_start, a_end, b_start, b_end = changes[0]
    return _excerpt(old_words, a_start, a_end), _excerpt(new_words, b_start, b_end)


def _excerpt(words: list[str], start: int, end: int) -> str:
    if not words:
        return EMPTY
    begin, stop = max(0, start - CONTEXT_WORDS), end + CONTEXT_WORDS
    text = shorten(" ".join(words[begin:stop]))
    prefix = "…" if begin > 0 else ""
    suffix = "…" if stop < len(words) and not text.endswith("…") else ""
    return prefix + text + suffix


def display_value(field: models.Field, value) -> str:
    """Return one stored value as a person reads it."""
    if value is None or value == "":
        return EMPTY
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, Revision):
        return f"Version {value.number}"  # str(revision) would fetch its article on every row
    if isinstance(value, get_user_model()):
        return person_name(value)
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%d %b %Y %H:%M}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, models.Model):
        return shorten(str(value))
    return shorten(plain_text(str(value)) if isinstance(field, models.TextField) else str(value))


class ReadableChanges(HistoricalRecordContextHelper):
    """simple-history's context helper, with labels and excerpts instead of stored values."""

    def format_delta_change(self, change):
        field = self.model._meta.get_field(change.field)
        if isinstance(field, models.TextField):
            old, new = changed_excerpts(change.old or "", change.new or "")
        else:
            old, new = display_value(field, change.old), display_value(field, change.new)
        return type(change)(field=capfirst(field.verbose_name), old=old, new=new)


def attach_diff_links(records, *, article, user) -> None:
    """Give the records that submitted a version its number and links comparing it with the
    previous version and the live one; the record that submitted the version now with the board
    also links to the review screen, which shows exactly what changed against the live version."""
    if not comparing.may_compare(user):
        return
    _attach_compare_links(records, article)
    if not article.is_locked or article.pending_revision_id is None:
        return
    url = reverse("admin:articles_reviewqueueitem_review", args=[article.pk])
    for record in records:
        if record.pending_revision_id == article.pending_revision_id and record.status == article.Status.SUBMITTED:
            record.diff_url = url


def _attach_compare_links(records, article) -> None:
    # A version was submitted by the oldest record naming it as pending (one query, whatever the page).
    submissions = (
        article.history.filter(pending_revision__isnull=False)
        .values("pending_revision_id", "pending_revision__number")
        .annotate(first=Min("history_id"))
        .order_by()
    )
    numbers = {row["pending_revision_id"]: row["pending_revision__number"] for row in submissions}
    submitted_by = {row["first"]: row["pending_revision__number"] for row in submissions}
    if not submitted_by:
        return
    url = reverse("admin:articles_article_compare", args=[article.pk])
    live = numbers.get(article.published_revision_id)
    for record in records:
        number = submitted_by.get(record.history_id)
        if number is None:
            continue
        record.version_number = number
        previous = max((n for n in numbers.values() if n < number), default=None)
        record.compare_links = []
        if previous is not None:
            label = "previous, live" if previous == live else "previous"
            record.compare_links.append((f"{url}?from={previous}&to={number}", previous, label))
        if live is not None and live not in (number, previous):
            low, high = sorted([number, live])
            record.compare_links.append((f"{url}?from={low}&to={high}", live, "live"))
