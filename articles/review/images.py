"""Library images in the workflow: when a change to a library entry must be reviewed.

A version shows each library image as it was when the version was submitted (its file, alt text,
caption, credit and licence). When a library entry changes after the live version was submitted,
readers keep seeing the version as approved, and the article's working copy shows the change: it
is a draft to review, even though its text did not change. ``changed_since`` finds such changes
from the library's own history; ``editing.status_after_edit`` and ``workflow.submit`` and
``approve`` honour it. ``image_changes`` (beside it) carries a library edit to the articles.
"""

from articles.models import Article, Image, Revision
from articles.models import images as library

# What a reader is shown of a library image, or what is reviewed with it.
REVIEWED_FIELDS = ("file_id", "alt_text", "decorative", "caption", "credit", "source_url", "licence", "licence_note")


def changed_since(article: Article, revision: Revision | None) -> list[Image]:
    """The library images the working copy shows that changed after ``revision`` was submitted."""
    if revision is None:
        return []
    image_ids = library.showing(article)
    if not image_ids:
        return []
    when = revision.submitted_at
    moved = set(Image.history.filter(id__in=image_ids, history_date__gt=when).values_list("id", flat=True))
    changed = []
    for image in Image.objects.filter(pk__in=moved).order_by("pk"):
        before = Image.history.filter(id=image.pk, history_date__lte=when).order_by("-history_date", "-history_id")
        before = before.first()
        if before is None or any(getattr(before, name) != getattr(image, name) for name in REVIEWED_FIELDS):
            changed.append(image)
    return changed
