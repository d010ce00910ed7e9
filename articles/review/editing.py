"""Saves of the editors' working copy: edits, reference changes, restored and renumbered text.

The workflow's rules for editing: content with the board or archived is read-only; editing an
approved article starts a new draft while the approved version stays live; a save based on a
stale copy is refused (``EditConflict``) with the user's text kept by the caller. Admin forms,
the importer and commands all save through here.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F

from articles.content.renumbering import TEXT_FIELDS, renumbering, rewrite_citations
from articles.content.times import describe
from articles.models import Article, AutosaveDraft, Reference, Revision, hash_content, person_name

from . import images, renames, signals, steps
from .validation import snapshot_hash_equal

Status = Article.Status

# What an editor changes that the board reviews: the text fields and the article's flags.
REVIEWED_FIELDS = (*Article.CONTENT_FIELDS, "flags")
WORKFLOW_FIELDS = (
    "status",
    "pending_revision_id",
    "published_revision_id",
    "claimed_by_id",
    "claimed_at",
    "last_reviewed_at",
    "next_review_due",
    "created_by_id",
    "go_live_at",
    "expires_at",
    "expiry_reason",
)

# The timing the editors ask for (frozen into the next version): each change is named in the history.
TIMING_FIELDS = ("not_before", "requested_go_live_at", "ends_at", "end_reason")

# States in which editors may change the working copy.
EDITABLE_STATES = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED, Status.APPROVED})


def can_edit_content(article: Article, user) -> bool:
    return user.has_perm("articles.change_article") and article.status in EDITABLE_STATES


def require_editable(stored: Article) -> None:
    """Refuse changes to content the board has, or that was archived, saying how to edit it."""
    if stored.status not in EDITABLE_STATES:
        hint = "withdraw it to draft to edit it" if stored.is_locked else "restore it to draft to edit it"
        raise steps.WorkflowError(f"This article is {stored.get_status_display().lower()} and read-only; {hint}.")


def status_after_edit(article: Article) -> str:
    """Approved while the working copy equals the live version, a draft as soon as it differs.

    A library image it shows that changed since the live version was submitted is a difference
    too (``images.changed_since``): readers still see the image as approved.
    """
    if article.status in (Status.APPROVED, Status.DRAFT) and article.published_revision_id:
        unchanged = snapshot_hash_equal(article.content_snapshot(), article.published_revision) and not (
            images.changed_since(article, article.published_revision)
        )
        return Status.APPROVED if unchanged else Status.DRAFT
    return article.status


def content_authors(article: Article, since) -> set[int]:
    """Return ids of users who changed content (article fields or references) since ``since``.

    History is the source of truth: workflow saves touch only state fields, so a board
    member moving an article along never counts as one of its authors.
    """
    authors = set()
    records = article.history.order_by("history_date", "history_id")
    if since is not None:
        previous = records.filter(history_date__lte=since).last()
        records = records.filter(history_date__gt=since)
    else:
        previous = None
    for record in records:
        changed = previous is None or any(getattr(record, f) != getattr(previous, f) for f in REVIEWED_FIELDS)
        if changed and record.history_user_id:
            authors.add(record.history_user_id)
        previous = record
    reference_history = article.references.model.history.filter(article_id=article.pk)
    if since is not None:
        reference_history = reference_history.filter(history_date__gt=since)
    authors.update(reference_history.exclude(history_user=None).values_list("history_user_id", flat=True))
    return authors


def edit_version(article: Article) -> str:
    """Return the version of the stored working copy an edit is based on: "<history id>:<content hash>".

    Forms and importers carry it from the moment they read the article; ``save_content``
    refuses a save whose base no longer matches what is stored (optimistic concurrency).
    Only content counts: a reviewer claiming the article in the meantime is no conflict.
    """
    stored = Article.objects.get(pk=article.pk)
    last = stored.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0
    return f"{last}:{hash_content(stored.content_snapshot())[:20]}"


def check_edit_base(article: Article, base: str) -> None:
    """Raise ``EditConflict`` if the stored content changed since ``base`` was read; lock the row.

    Call inside the transaction that saves, so nobody can slip in between check and save.
    """
    list(Article.objects.select_for_update().filter(pk=article.pk).values_list("pk"))
    current = edit_version(article)
    base_history, _, base_hash = (base or "").partition(":")
    if base_hash == current.partition(":")[2]:
        return
    since = int(base_history) if base_history.isdigit() else 0
    raise steps.EditConflict(_changes_since(article, since), current_version=current)


def _changes_since(article: Article, history_id: int) -> str:
    """Describe the content saves after history record ``history_id``: who, when, why, which fields."""
    records = list(
        article.history.filter(history_id__gte=history_id).order_by("history_id").select_related("history_user")
    )
    lines = []
    for previous, record in zip(records, records[1:], strict=False):
        fields = [f.removesuffix("_id") for f in REVIEWED_FIELDS if getattr(record, f) != getattr(previous, f)]
        moved = any(getattr(record, f) != getattr(previous, f) for f in WORKFLOW_FIELDS)
        if not fields and moved:
            continue  # a workflow step, not an edit
        reason = record.history_change_reason or ""
        user = record.history_user
        who = person_name(user) if user else "someone"
        what = ", ".join(fields) if fields else "references"
        lines.append(f"{who} at {record.history_date:%H:%M} ({what}{': ' + reason if reason else ''})")
    saved = "; ".join(lines) or "someone changed its references"
    return (
        f"Someone else saved this article while you were editing it: {saved}. Your text is still in the form below, "
        "not saved. Compare it with theirs (the change form shows their changes as a diff), merge what you need, "
        "and save again: saving again replaces their version with yours."
    )


def save_content(article: Article, *, user, reason: str = "", base: str | None = None) -> Article:
    """Save the editors' working copy; editing an approved article starts a new draft.

    The approved version stays live and unchanged until the new draft is approved. With
    ``base`` (from ``edit_version`` when the copy was read), a save over someone else's
    newer changes is refused with ``EditConflict`` instead of silently overwriting them.
    """
    if not user.has_perm("articles.change_article" if article.pk else "articles.add_article"):
        raise PermissionDenied("You do not have permission to edit articles.")
    with transaction.atomic():
        if article.pk is None:
            article.status = Status.DRAFT
            article.created_by = user
            steps.save(article, user=user, reason=reason or "Created", public=False)
            return article
        current = Article.objects.select_for_update().get(pk=article.pk)
        if base is not None:
            check_edit_base(current, base)
        require_editable(current)
        # Workflow fields always come from the stored row, never from a stale form instance.
        for field in WORKFLOW_FIELDS:
            setattr(article, field, getattr(current, field))
        renamed = bool(current.published_revision_id) and article.slug != current.slug
        article.status = status_after_edit(article)
        timing = timing_changes(current, article)
        reason = "; ".join(part for part in (reason or ("" if timing else "Edited"), timing) if part)
        # Editing the working copy never changes what readers see (the live version stays).
        if renamed:
            # A live article's new address takes effect now; the old one answers 301 (``renames``).
            reason = "; ".join(
                part for part in (reason, f"Address changed from /{current.slug}/ to /{article.slug}/") if part
            )
        steps.save(article, user=user, reason=reason, public=False)
        if renamed:
            renames.slug_changed(article, current.slug, user=user)
            signals.article_changed.send(sender=Article, article=article, old_slug=current.slug)
        # Saved: the author's autosave of it (``autosave``) is no longer unsaved text.
        AutosaveDraft.objects.filter(article=article, user=user).delete()
    return article


def timing_changes(before: Article, after: Article) -> str:
    """Say which of the editors' timing fields a save changes, for the history (e.g. "Embargo set to …")."""
    parts = []
    for field in TIMING_FIELDS:
        old, new = getattr(before, field), getattr(after, field)
        if old == new:
            continue
        label = Article._meta.get_field(field).verbose_name
        label = label[0].upper() + label[1:]
        if field == "end_reason":
            parts.append(f"{label} changed")
        elif new is None:
            parts.append(f"{label} cleared")
        else:
            parts.append(f"{label} set to {describe(new)}")
    return "; ".join(parts)


def references_changed(article: Article, *, user, reason: str = "") -> None:
    """Record a change to the reference list in the article's history (who, when, why).

    Like a text edit, it turns an approved article into a draft, or back when undone.
    """
    with transaction.atomic():
        steps.lock(article)
        require_editable(article)
        article.status = status_after_edit(article)
        steps.save(article, user=user, reason=reason or "References edited", public=False)


def library_image_changed(article: Article, *, user, texts: dict, reason: str) -> Article:
    """Carry a change of a library image into the working copy: ``texts`` ({field: new text}, may be
    empty) rewrite its figures; either way the article is a draft to review if the live version
    shows the image as it was. Same permission and state checks as any edit; history says why."""
    if not user.has_perm("articles.change_article"):
        raise PermissionDenied("You do not have permission to edit articles.")
    with transaction.atomic():
        steps.lock(article)
        require_editable(article)
        for name, text in texts.items():
            setattr(article, name, text)
        article.status = status_after_edit(article)
        steps.save(article, user=user, reason=reason, public=False)
    return article


def restore_version(article: Article, revision: Revision, *, user) -> Article:
    """Copy an earlier version back into the working copy as a new draft.

    It goes through review like any other change; nothing is published by restoring.
    """
    if revision.article_id != article.pk:
        raise steps.WorkflowError("That version belongs to another article.")
    with transaction.atomic():
        steps.lock(article)
        if not user.has_perm("articles.change_article"):
            raise PermissionDenied("You do not have permission to edit articles.")
        require_editable(article)
        for field in Article.CONTENT_FIELDS:
            if field == "specialty_id" and getattr(revision, field) is None:
                continue  # versions frozen before topics were part of the review
            setattr(article, field, getattr(revision, field))
        article.flags = list(revision.flags)
        reason = f"Restored the text of version {revision.number}"
        for reference in article.references.all():
            reference._history_user = user
            reference._change_reason = reason
            reference.delete()
        for data in revision.references:
            reference = Reference(article=article, **data)
            reference._history_user = user
            reference._change_reason = reason
            reference.save()
        article.status = status_after_edit(article)
        steps.save(article, user=user, reason=reason, public=False)
    return article


def renumber_references(article, *, user, reason: str = "") -> dict[int, int]:
    """Renumber ``article``'s references in citation order and rewrite its text to match.

    Returns the mapping applied ({} when the numbers already follow the text). Saved through
    the workflow's save path: the same permission and state checks as any edit, one history
    row for the text and one per moved reference, each saying why.
    """
    with transaction.atomic():
        references = list(article.references.select_for_update().order_by("number"))
        article.refresh_from_db()
        mapping = renumbering([getattr(article, name) for name in TEXT_FIELDS], [r.number for r in references])
        if not mapping:
            return {}
        reason = reason or "References renumbered in order of first citation"
        for name in TEXT_FIELDS:
            setattr(article, name, rewrite_citations(getattr(article, name), mapping))
        save_content(article, user=user, reason=reason)
        moved = [r for r in references if mapping[r.number] != r.number]
        # Two steps past the unique (article, number) constraint: out of the way, then home.
        offset = max(r.number for r in references) + 1
        article.references.filter(pk__in=[r.pk for r in moved]).update(number=F("number") + offset)
        for reference in moved:
            reference.number = mapping[reference.number]
            reference._history_user = user
            reference._change_reason = reason
            reference.save(update_fields=["number"])
    return mapping


def sent_back_change_note(article: Article) -> dict:
    """The change note and kind of the article's last submission if the board sent it back.

    Resubmitting after "changes requested" usually keeps the note (the update is the same
    update), so forms start from it instead of from nothing. ``{}`` otherwise.
    """
    if article.pk is None or article.status not in (Status.CHANGES_REQUESTED, Status.DRAFT):
        return {}
    last = article.revisions.order_by("-number").only("change_note", "change_kind", "approved_at").first()
    if last is None or last.is_approved or not (last.change_note or last.change_kind):
        return {}
    return {"change_note": last.change_note, "change_kind": last.change_kind}
