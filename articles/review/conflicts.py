"""What someone else saved while an editor was editing: the two texts an edit conflict is between.

``editing.check_edit_base`` refuses a save over newer changes (``EditConflict``) and the form
keeps the editor's text; to merge by eye the editor needs the other person's changes, not only
their names. ``theirs`` rebuilds the copy the editor started from (the article's history
record named by the form's base version, with its references as they were then) and the copy
stored now, for the diff engine (``diffing.diff_snapshots``) to compare.
"""

from django.utils import timezone

from articles.models import Article, Reference, with_flags


def _references_as_of(article: Article, when) -> list[dict]:
    rows = Reference.history.as_of(when).filter(article_id=article.pk).order_by("number")
    return [row.as_dict() for row in rows]


def snapshot_at(article: Article, base: str) -> dict | None:
    """The article's content as it was at edit version ``base`` ("<history id>:<hash>"), or None if unknown."""
    history_id = (base or "").partition(":")[0]
    if not history_id.isdigit():
        return None
    record = article.history.filter(history_id=int(history_id)).first()
    if record is None:
        return None
    data = {field: getattr(record, field) for field in Article.CONTENT_FIELDS}
    # The references as they stood until the next save of the article (reference rows are written
    # after their article's record, so an article saved and then given references counts them).
    later = article.history.filter(history_id__gt=record.history_id).order_by("history_id").first()
    data["references"] = _references_as_of(article, later.history_date if later else timezone.now())
    return with_flags(data, record.flags)


def theirs(article: Article, base: str) -> tuple[dict | None, dict]:
    """(the copy the editor started from, the copy stored now) for an edit based on ``base``."""
    stored = Article.objects.get(pk=article.pk)
    return snapshot_at(stored, base), stored.content_snapshot()
