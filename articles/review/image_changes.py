"""A change to a library image, carried to the articles that show it, never to what readers see.

Editing a library entry (its alt text, caption, credit, licence, or replacing its file) never
changes a live page silently. For each article whose live version shows the image:

- its working copy takes the change: figures that followed the library's alt text or caption
  (written as the library had them) are rewritten to the new words (``figure_markdown``); the
  file, credit and licence are not in the text and need no rewriting;
- it becomes a draft to review (``editing.library_image_changed``; ``images.changed_since`` keeps
  it one until a version submitted after the change is approved), with who and why in its history;
- an article with the board (submitted or under review) is read-only: its text is not touched, a
  line in its history says what changed, and the change comes with its next draft (after the
  board's decision the working copy shows the new image and is a draft; see ``workflow.approve``).

Causing drafts is editing articles: a user without permission to edit articles may not change an
image that live articles show (``check``), here and in the admin's form.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction

from articles.content.figures import figure_markdown, figure_refs
from articles.models import Article, Image, person_name
from articles.models import images as library

from . import editing, steps

# Library fields and how a history line names their change.
DESCRIBED = {
    "alt_text": "alt text",
    "decorative": "decorative setting",
    "caption": "caption",
    "credit": "credit",
    "source_url": "source URL",
    "licence": "licence",
    "licence_note": "licence note",
    "file_id": "file (replaced)",
}


@dataclass
class Outcome:
    """What a library change did: articles with a new draft to review, and those with the board."""

    drafted: list[Article] = field(default_factory=list)
    under_review: list[Article] = field(default_factory=list)


def changed_fields(before: dict, image: Image) -> list[str]:
    """The reviewed fields of ``image`` that differ from ``before`` ({field: value} as it was)."""
    return [name for name in DESCRIBED if name in before and before[name] != getattr(image, name)]


def snapshot(image: Image) -> dict:
    """The reviewed fields of ``image`` as they are now (pass it back as ``before`` after editing)."""
    return {name: getattr(image, name) for name in DESCRIBED}


def affected(image_id: int) -> tuple[list[Article], list[Article]]:
    """(live articles whose working copy may take the change, articles with the board) showing the image."""
    editable, locked = [], []
    for use in library.uses(image_id):
        if use.live is None and use.pending is None:
            continue  # a draft never submitted with it: it will be submitted showing the library as it is
        article = Article.objects.get(pk=use.article.pk)
        if article.is_locked:
            locked.append(article)
        elif use.live is not None and article.status in editing.EDITABLE_STATES:
            editable.append(article)
    return editable, locked


def check(image_id: int, user) -> None:
    """Refuse a user who may not edit articles when live articles show the image (a change makes drafts)."""
    if user.has_perm("articles.change_article"):
        return
    editable, locked = affected(image_id)
    if editable or locked:
        titles = ", ".join(f"“{article.title}”" for article in [*editable, *locked][:5])
        raise PermissionDenied(
            f"Articles that readers see show this image ({titles}); changing it makes a draft of each for the "
            "board to review, which needs permission to edit articles. Ask an editor to make this change."
        )


def follow(text: str, image_id: int, before: dict, image: Image) -> str:
    """``text`` with the figures of ``image_id`` that followed the library's old alt text or caption
    rewritten to the new ones; figures with words of their own are left as the editors wrote them."""
    refs = [ref for ref in figure_refs(text) if ref.image_id == image_id]
    for ref in reversed(refs):
        alt, caption = ref.alt, ref.caption
        if "alt_text" in before and alt == before["alt_text"]:
            alt = "" if image.decorative else image.alt_text
        if "caption" in before and caption == before["caption"]:
            caption = image.caption
        if (alt, caption) != (ref.alt, ref.caption):
            text = text[: ref.start] + figure_markdown(image_id, alt, caption) + text[ref.end :]
    return text


def library_changed(image: Image, *, before: dict, user) -> Outcome:
    """Carry the change of ``image`` (``before``: ``snapshot`` taken before editing) to the articles
    that show it, as drafts to review; with the board, a history line and the next draft."""
    outcome = Outcome()
    changed = changed_fields(before, image)
    if not changed:
        return outcome
    check(image.pk, user)
    what = " and ".join(DESCRIBED[name] for name in changed)
    reason = f"Image “{image.title}” {what} changed in the library by {person_name(user)}"
    editable, locked = affected(image.pk)
    with transaction.atomic():
        for article in editable:
            old = {name: getattr(article, name) for name in library.TEXT_FIELDS}
            new = {name: follow(text, image.pk, before, image) for name, text in old.items()}
            texts = {name: text for name, text in new.items() if text != old[name]}
            try:
                editing.library_image_changed(article, user=user, texts=texts, reason=reason + ": a draft to review")
            except steps.WorkflowError:  # sent to the board since it was listed: the next draft takes it
                locked.append(article)
            else:
                outcome.drafted.append(article)
        for article in locked:
            steps.lock(article)
            steps.save(
                article,
                user=user,
                reason=reason + " while the article is with the board: its version keeps the image as "
                "submitted; the change comes with the next draft",
                public=False,
            )
            outcome.under_review.append(article)
    return outcome
