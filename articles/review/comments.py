"""Reviewers' comments on passages of the version under review: add, reply, resolve, reopen.

Comments are internal: no public view reads them. A comment points at one passage of the
rendered text (a paragraph, list item, heading) as the reviewer read it, optionally at words
selected within it; editors see it in the change form, reply and mark it resolved.
Every change is kept (django-simple-history); nothing is deleted.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from articles.content.validators import CONTROL_CHARACTERS
from articles.content.versions import has_professional_version, rendered_revision
from articles.models import Article, PassageComment, PassageCommentReply, Revision

from . import board, notifications
from .diffing import passages

MAX_TEXT = 5000
REVIEW_PERMISSION = "articles.review_article"


@dataclass
class Part:
    """One commentable part of a version: its passages as readers see them."""

    name: str  # a PassageComment.Part value
    label: str
    passages: list  # plain text of each passage, in reading order


def may_comment(user) -> bool:
    """Board members comment on passages; one who has left the board no longer does (``board``)."""
    return user.has_perm(REVIEW_PERMISSION) and board.holds_board_powers(user)


def may_answer(user) -> bool:
    """Editors and board members answer comments, resolve them and open them again."""
    return user.has_perm("articles.change_article") or may_comment(user)


def parts_of(revision: Revision) -> list[Part]:
    """The passages of each part of ``revision`` (the professional parts only where it has them)."""
    patient = rendered_revision(revision, "patient")
    html = {"summary": patient.summary_html, "body": patient.body_html}
    if has_professional_version(revision):
        professional = rendered_revision(revision, "professional")
        html |= {"professional_summary": professional.summary_html, "professional_body": professional.body_html}
    labels = dict(PassageComment.Part.choices)
    return [Part(name, labels[name], [p.text for p in passages(text)]) for name, text in html.items()]


def _squashed(text: str) -> str:
    # Selections differ from the stored passage only in spacing (around citation marks, line ends).
    return "".join(text.split())


def _clean_text(text: str, *, field: str, label: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: f"Write the {label}."}, code="required")
    if len(text) > MAX_TEXT:
        raise ValidationError({field: f"Keep the {label} to {MAX_TEXT:,} characters."}, code="max_length")
    if CONTROL_CHARACTERS.search(text.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise ValidationError({field: f"The {label} contains an invisible control character."}, code="invalid")
    return text


def add(
    article: Article, revision: Revision, *, user, part: str, passage_index: int, text: str, quote: str = ""
) -> PassageComment:
    """Attach a reviewer's comment to passage ``passage_index`` of ``part`` of ``revision``."""
    if not may_comment(user):
        raise PermissionDenied("Only members of the Medical Advisory Board comment on passages.")
    if revision is None or revision.article_id != article.pk:
        raise ValidationError("There is no version of this article to comment on.")
    parts = {p.name: p for p in parts_of(revision)}
    if part not in parts:
        raise ValidationError({"passage": "Choose a passage of this version."}, code="invalid")
    if not 0 <= passage_index < len(parts[part].passages):
        raise ValidationError({"passage": "That passage is not in this version; choose one from the list."})
    passage = parts[part].passages[passage_index]
    quote = " ".join((quote or "").split())
    if len(quote) > 500:
        raise ValidationError({"quote": "Quote at most 500 characters; the comment can say more."})
    if quote and _squashed(quote) not in _squashed(passage):
        raise ValidationError({"quote": "The quoted words are not in the chosen passage."}, code="not_found")
    text = _clean_text(text, field="text", label="comment")
    comment = PassageComment(
        article=article,
        revision=revision,
        part=part,
        passage_index=passage_index,
        passage_text=passage,
        quote=quote,
        text=text,
        author=user,
    )
    _saved(comment, user)
    transaction.on_commit(lambda: notifications.comment_added(comment))
    return comment


def _saved(instance, user):
    instance._history_user = user  # the history row says who, whatever the request
    instance.save()
    return instance


def reply(comment: PassageComment, *, user, text: str) -> PassageCommentReply:
    if not may_answer(user):
        raise PermissionDenied("You cannot answer comments on this article.")
    text = _clean_text(text, field="text", label="reply")
    reply = _saved(PassageCommentReply(comment=comment, text=text, author=user), user)
    transaction.on_commit(lambda: notifications.reply_added(reply))
    return reply


def set_resolved(comment: PassageComment, *, user, resolved: bool) -> PassageComment:
    """Mark ``comment`` resolved (or open again); who and when are kept in its history."""
    if not may_answer(user):
        raise PermissionDenied("You cannot resolve comments on this article.")
    with transaction.atomic():
        comment = PassageComment.objects.select_for_update().get(pk=comment.pk)
        if comment.is_resolved == resolved:
            return comment
        comment.resolved_at = timezone.now() if resolved else None
        comment.resolved_by = user if resolved else None
        comment._history_user = user
        comment.save(update_fields=["resolved_at", "resolved_by"])
    return comment


def for_article(article: Article, *, unresolved_only: bool = False):
    """The article's comments with their replies and authors, unresolved first, oldest first."""
    comments = (
        article.passage_comments.select_related("author__board_profile", "revision", "resolved_by")
        .prefetch_related(Prefetch("replies", queryset=PassageCommentReply.objects.select_related("author")))
        .order_by(F("resolved_at").asc(nulls_first=True), "created_at", "pk")
    )
    if unresolved_only:
        comments = comments.filter(resolved_at__isnull=True)
    return comments
