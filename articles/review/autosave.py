"""Autosaves of the change form: an editor's unsaved text, kept on the server for its author only.

The browser keeps the text too (``static/articles/autosave.js``, every few seconds); the server
copy outlives the browser (another computer, cleared storage). The rules live here, not in the
admin: only someone who may edit the article's content now may keep an autosave of it, the
fields kept are the change form's and nothing else, the size is capped, and each author sees
and discards only their own. Saving the article through the workflow clears the author's copy.
"""

import json
import re
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles.models import Article, AutosaveDraft

from . import editing

# The change form's field names: its own fields, and the reference rows of its inline formset.
FIELD_NAME = re.compile(
    r"^(?:[a-z_]{1,40}|references-(?:TOTAL_FORMS|INITIAL_FORMS|MIN_NUM_FORMS|MAX_NUM_FORMS|\d{1,4}-[a-zA-Z_]{1,20}))$"
)
# Never kept: the CSRF token, and the submit buttons' names (``_save``, ``_continue``...).
SKIPPED = frozenset({"csrfmiddlewaretoken"})
# More than any article the editor can save (text and 200 references) and small enough to hold
# for every editor: an autosave over it is refused with a message, the browser copy stays.
MAX_BYTES = 2_000_000
# An autosave nobody came back to within this long is forgotten (the text was never saved, and
# the browser's copy outlives it where it matters); each new autosave clears the expired ones.
KEEP_DAYS = 30


def _kept_fields(data) -> dict[str, str]:
    """The change form's fields from ``data`` (a QueryDict or dict), refusing anything else."""
    fields = {}
    for name in data:
        if name in SKIPPED or name.startswith("_"):
            continue
        if not FIELD_NAME.match(name):
            raise ValidationError(f"“{name[:40]}” is not a field of the article form.", code="unknown_field")
        value = data.get(name)
        if not isinstance(value, str):
            raise ValidationError(f"“{name}” must be text.", code="invalid")
        fields[name] = value
    return fields


def keep(article: Article, *, user, data, base: str = "") -> AutosaveDraft:
    """Keep ``user``'s unsaved change form for ``article``, replacing their previous autosave.

    Refused (``PermissionDenied``) unless ``user`` may edit the article's content now: a
    read-only article (with the board, archived) has nothing to autosave.
    """
    if not editing.can_edit_content(article, user):
        raise PermissionDenied("You may not edit this article now, so nothing was kept.")
    fields = _kept_fields(data)
    size = len(json.dumps(fields).encode())
    if size > MAX_BYTES:
        raise ValidationError(
            f"The text is too long to keep on the server ({size // 1000:,} kB, at most {MAX_BYTES // 1000:,} kB); "
            "this browser still keeps it.",
            code="too_large",
        )
    now = timezone.now()
    AutosaveDraft.objects.filter(saved_at__lt=now - timedelta(days=KEEP_DAYS)).delete()
    draft, _ = AutosaveDraft.objects.update_or_create(
        article=article, user=user, defaults={"fields": fields, "base": base[:80], "saved_at": now}
    )
    return draft


def mine(article: Article, user) -> AutosaveDraft | None:
    """``user``'s own autosave of ``article``, if any; never anyone else's."""
    if article.pk is None or not user.is_authenticated:
        return None
    expired = timezone.now() - timedelta(days=KEEP_DAYS)
    return AutosaveDraft.objects.filter(article=article, user=user, saved_at__gte=expired).first()


def discard(article: Article, user) -> None:
    """Forget ``user``'s autosave of ``article`` (saved, or discarded by its author)."""
    if article.pk is not None and user.is_authenticated:
        AutosaveDraft.objects.filter(article=article, user=user).delete()
