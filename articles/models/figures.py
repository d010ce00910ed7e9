"""The images a version shows, frozen when it is submitted, and the library's images for drafts.

A figure's alt text and caption are words in the version's Markdown (``content.figures``), so
they are frozen with the text. What the library says about the image (which bytes, their size,
the credit, the licence, whether it is decorative) would change under an approved version when
someone edits the library; so ``freeze`` records it per version (``RevisionImage``) when the
version is submitted, and every rendering of a submitted version reads those records. The file
they name is content-addressed and never overwritten (``images``), so a permalink of an old
version shows its old image for ever.

Drafts and the editors' live preview show the library as it is now (``library_images``).
"""

import re

from django.db import models

from articles.content.figure_html import MAX_FIGURES, FigureImage
from articles.content.figures import figure_refs, image_ids

from .images import LICENCE_URLS, Image, ImageFile


class RevisionImage(models.Model):
    """What one submitted version shows of one library image: frozen at submission, never changed."""

    # By name: ``content.Revision`` reads its frozen images through this module.
    revision = models.ForeignKey("articles.Revision", on_delete=models.CASCADE, related_name="images")
    # The library entry ("where used": ``image.version_uses``); PROTECT: an image a version shows
    # cannot be deleted.
    image = models.ForeignKey(Image, on_delete=models.PROTECT, related_name="version_uses")
    file = models.ForeignKey(ImageFile, on_delete=models.PROTECT, related_name="+")
    alt_text = models.CharField(max_length=500, blank=True, help_text="The library's alt text at submission.")
    caption = models.TextField(blank=True, help_text="The library's caption at submission.")
    decorative = models.BooleanField(default=False)
    credit = models.CharField(max_length=300, blank=True)
    source_url = models.URLField(blank=True, max_length=500)
    licence = models.CharField(max_length=20)
    licence_url = models.URLField(blank=True, max_length=500)
    licence_note = models.TextField(blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["revision", "image"], name="one_frozen_image_per_version")]

    def __str__(self):
        return f"{self.revision}: image {self.image_id} ({self.file.sha256[:12]}…)"

    def figure_image(self) -> FigureImage:
        return FigureImage(
            image_id=self.image_id,
            sha256=self.file.sha256,
            format=self.file.format,
            width=self.width,
            height=self.height,
            has_alpha=self.file.has_alpha,
            decorative=self.decorative,
            alt_text=self.alt_text,
            credit=self.credit,
            source_url=self.source_url,
            licence=self.licence,
            licence_url=self.licence_url,
        )


def figure_image(image: Image) -> FigureImage:
    """What a page shows of a library image as it is now."""
    return FigureImage(
        image_id=image.pk,
        sha256=image.file.sha256,
        format=image.file.format,
        width=image.file.width,
        height=image.file.height,
        has_alpha=image.file.has_alpha,
        decorative=image.decorative,
        alt_text=image.alt_text,
        credit=image.credit,
        source_url=image.source_url,
        licence=image.licence,
        licence_url=LICENCE_URLS.get(image.licence, ""),
    )


def texts_of(revision) -> list[str]:
    return [revision.summary, revision.body, revision.professional_summary, revision.professional_body]


def library_images(*texts: str) -> dict[int, FigureImage | None]:
    """The library's images as they are now, for every figure in ``texts`` (None: not in the library)."""
    ids = image_ids(*texts)
    if not ids:
        return {}
    found = {image.pk: figure_image(image) for image in Image.objects.filter(pk__in=ids).select_related("file")}
    return {image_id: found.get(image_id) for image_id in ids}


def frozen_images(revision) -> dict[int, FigureImage | None]:
    """What a submitted ``revision`` shows of each image: as frozen at submission.

    A version submitted before figures were frozen (none had figures then) falls back on the
    library for any image it has no record of.
    """
    ids = image_ids(*texts_of(revision))
    if not ids:
        return {}
    frozen = {row.image_id: row.figure_image() for row in revision.images.select_related("file")}
    missing = [image_id for image_id in ids if image_id not in frozen]
    fallback = library_images(*(f"![](image:{image_id})" for image_id in missing)) if missing else {}
    return {image_id: frozen.get(image_id, fallback.get(image_id)) for image_id in ids}


def images_for(revision) -> dict[int, FigureImage | None]:
    """The images ``revision`` shows: frozen if it was submitted (it has a number), else the library's."""
    if revision.pk is None:
        return library_images(*texts_of(revision))
    return frozen_images(revision)


def library_changed_since(revision) -> bool:
    """Whether the library now shows ``revision``'s figures differently from what it froze (a new
    file, credit or licence): a working copy with the same text is then still a change to review."""
    texts = texts_of(revision)
    return bool(image_ids(*texts)) and library_images(*texts) != frozen_images(revision)


def freeze(revision) -> list[RevisionImage]:
    """Record what ``revision`` shows of each library image, now (called when it is submitted).

    Images its text names that are not in the library are not recorded (the checks refuse such
    a version; one stored anyway shows "Image not available").
    """
    ids = image_ids(*texts_of(revision))
    images = Image.objects.filter(pk__in=ids).select_related("file")
    rows = [
        RevisionImage(
            revision=revision,
            image=image,
            file=image.file,
            alt_text=image.alt_text,
            caption=image.caption,
            decorative=image.decorative,
            credit=image.credit,
            source_url=image.source_url,
            licence=image.licence,
            licence_url=LICENCE_URLS.get(image.licence, ""),
            licence_note=image.licence_note,
            width=image.file.width,
            height=image.file.height,
        )
        for image in images
    ]
    return RevisionImage.objects.bulk_create(rows)


def figure_problems(text: str, *, label: str = "The text") -> list[str]:
    """Why the figures of ``text`` cannot be shown: images not in the library, a missing alt text,
    or image syntax that is not a library figure (a URL, a data: URI)."""
    refs = figure_refs(text)
    problems = []
    if not refs:  # no query for text without figures (the live preview checks every keystroke's text)
        strays = other_images(text)
        return [_stray_problem(label, strays[0])] if strays else []
    if len(refs) > MAX_FIGURES:
        problems.append(f"{label} has {len(refs)} figures; the most is {MAX_FIGURES}.")
        refs = refs[:MAX_FIGURES]
    known = {image.pk: image for image in Image.objects.filter(pk__in={ref.image_id for ref in refs})}
    for ref in refs:
        image = known.get(ref.image_id)
        if image is None:
            problems.append(
                f"{label} shows image {ref.image_id} (“{ref.alt[:60]}”), which is not in the image library: "
                "insert an image from the library, or remove this figure."
            )
        elif not image.decorative and not ref.alt.strip():
            problems.append(
                f"{label} shows image {ref.image_id} (“{image.title}”) without alt text: say what it shows "
                f"between the square brackets, ![like this](image:{ref.image_id})."
            )
    strays = other_images(text)
    if strays:
        problems.append(_stray_problem(label, strays[0]))
    return problems


def _stray_problem(label: str, markdown: str) -> str:
    return (
        f"{label} has an image that is not from the image library ({markdown[:60]}): "
        "upload it to the library and insert it from there."
    )


def other_images(text: str) -> list[str]:
    """Markdown images in ``text`` that are not library figures (``![alt](http://…)``, data: URIs)."""
    figures_at = {ref.start for ref in figure_refs(text)}
    return [m.group(0) for m in _ANY_IMAGE.finditer(text or "") if m.start() not in figures_at]


_ANY_IMAGE = re.compile(r"!\[[^\]\n]*\]\((?!image:[0-9])[^)\n]*\)|!\[[^\]\n]*\]\[[^\]\n]*\]")
