"""The image library: images with their alt text, caption, credit and licence, and their files.

Files are stored content-addressed and never overwritten (README, "Images"):

- ``ImageFile`` is one set of cleaned bytes, named by their SHA-256
  (``images/ab/abcdef….jpg``). Uploading the same bytes twice reuses the row and the file.
- ``Image`` is a library entry. It points at its current ``ImageFile``; replacing the file
  points it at a new one and leaves the old bytes where they were, so anything that recorded
  the old file (an article version frozen before the change, in part 2) keeps showing it.
  Its history (simple-history) records every file, alt text, caption, credit and licence it had.
- ``ImageRendition`` is a resized copy of a file, made once and named after it
  (``images/ab/abcdef…/w640.webp``): the source bytes never change, so neither does it.

The admin's form runs ``articles.content.images.clean`` before anything is stored, so a refused
upload leaves nothing behind.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords

from articles.content import figures
from articles.content import images as pixels
from articles.operations.tasks import background, enqueue_after_commit


class Licence(models.TextChoices):
    CC_BY = "cc-by-4.0", "CC BY 4.0"
    CC_BY_SA = "cc-by-sa-4.0", "CC BY-SA 4.0"
    CC0 = "cc0-1.0", "CC0 1.0 (no rights reserved)"
    PUBLIC_DOMAIN = "public-domain", "Public domain"
    OWN_WORK = "own-work", "Own work (made for this site)"
    PERMISSION = "permission", "Used with permission"


LICENCE_URLS = {
    Licence.CC_BY: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC_BY_SA: "https://creativecommons.org/licenses/by-sa/4.0/",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
    Licence.PUBLIC_DOMAIN: "https://creativecommons.org/publicdomain/mark/1.0/",
}
# Licences whose terms require the author to be credited.
CREDIT_REQUIRED = {Licence.CC_BY, Licence.CC_BY_SA}

FORMAT_CHOICES = [(fmt, fmt) for fmt in pixels.FORMATS]


def _name(sha256: str, suffix: str) -> str:
    return f"images/{sha256[:2]}/{sha256}{suffix}"


class ImageFile(models.Model):
    """One stored, cleaned image file, named by the SHA-256 of its bytes; never changed or deleted."""

    sha256 = models.CharField(max_length=64, unique=True)
    format = models.CharField(max_length=4, choices=FORMAT_CHOICES)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField(help_text="Bytes.")
    has_alpha = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "image file"

    def __str__(self):
        return f"{self.sha256[:12]}… ({self.format}, {self.width} x {self.height})"

    @property
    def name(self) -> str:
        """The file's name in the media storage (and its URL path under ``MEDIA_URL``)."""
        return _name(self.sha256, f".{pixels.FORMATS[self.format][0]}")

    @property
    def url(self) -> str:
        return settings.MEDIA_URL + self.name

    def read(self) -> bytes:
        with default_storage.open(self.name, "rb") as stored:
            return stored.read()

    def rendition_name(self, width: int, fmt: str) -> str:
        return _name(self.sha256, f"/w{width}.{pixels.FORMATS[fmt][0]}")

    def rendition_specs(self) -> list[tuple[int, str]]:
        """(width, format) of every rendition this file should have: WebP and a fallback at each width."""
        fallback = pixels.fallback_format(self.format, self.has_alpha)
        return [(width, fmt) for width in pixels.rendition_widths(self.width) for fmt in ("WEBP", fallback)]


class ImageRendition(models.Model):
    """A resized copy of an ``ImageFile`` (made once; its name derives from the file's hash)."""

    file = models.ForeignKey(ImageFile, on_delete=models.PROTECT, related_name="renditions")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=4, choices=FORMAT_CHOICES)
    size = models.PositiveIntegerField(help_text="Bytes.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["file", "width", "format"], name="one_rendition_per_width_and_format")
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.file.rendition_name(self.width, self.format)

    @property
    def url(self) -> str:
        return settings.MEDIA_URL + self.name


class Image(models.Model):
    """An entry in the image library: a file plus what readers are told about it."""

    title = models.CharField(max_length=200, help_text="For finding it in the library; readers do not see it.")
    alt_text = models.CharField(
        "alt text",
        max_length=500,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. Required unless the image is decorative.",
    )
    decorative = models.BooleanField(
        default=False,
        help_text="Tick only if the image adds nothing to the text (screen readers then skip it).",
    )
    caption = models.TextField(blank=True, max_length=1000)
    credit = models.CharField(
        max_length=300, blank=True, help_text="Who made it or where it comes from, as readers should see it."
    )
    source_url = models.URLField("source URL", blank=True, max_length=500)
    licence = models.CharField(max_length=20, choices=Licence.choices)
    licence_note = models.TextField(
        blank=True,
        max_length=1000,
        help_text="For “Used with permission”: who granted it, when, and for what use.",
    )
    file = models.ForeignKey(ImageFile, on_delete=models.PROTECT, related_name="images")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.title

    @property
    def licence_url(self) -> str:
        return LICENCE_URLS.get(self.licence, "")

    def frozen(self) -> dict:
        """What a version of an article shows of this image, as JSON: exactly these bytes and words.

        An article version stores this (part 2 of issue 20), so later edits to the library entry
        (a new file, new alt text) never change what an approved version shows.
        """
        return {
            "image": self.pk,
            "file": self.file.sha256,
            "alt_text": self.alt_text,
            "decorative": self.decorative,
            "caption": self.caption,
            "credit": self.credit,
            "source_url": self.source_url,
            "licence": self.licence,
            "licence_note": self.licence_note,
        }

    def delete(self, *args, **kwargs):
        """Delete an image nothing shows; one an article's text or any of its versions shows is refused
        (approved versions keep their images for ever: permalinks)."""
        in_use = uses(self)
        if in_use:
            raise ImageInUse(refusal(self, in_use), in_use)
        return super().delete(*args, **kwargs)

    def clean(self):
        errors = {}
        self.alt_text = self.alt_text.strip()
        if self.decorative and self.alt_text:
            errors["alt_text"] = "A decorative image has no alt text: clear it, or untick “Decorative”."
        elif not self.decorative and not self.alt_text:
            errors["alt_text"] = "Describe what the image shows, or tick “Decorative” if it adds nothing to the text."
        if self.licence == Licence.PERMISSION and not self.licence_note.strip():
            errors["licence_note"] = "Say who gave permission, when, and for what use."
        if self.licence in CREDIT_REQUIRED and not self.credit.strip():
            errors["credit"] = f"{self.get_licence_display()} requires crediting the author."
        if errors:
            raise ValidationError(errors)


def check_upload(name: str, data: bytes) -> pixels.CleanImage:
    """Clean an upload (or an imported file) within this site's limits; raises ``ImageRejected`` naming why."""
    return pixels.clean(name, data, max_bytes=settings.EDITORIAL_IMAGE_MAX_BYTES)


def store(cleaned: pixels.CleanImage) -> ImageFile:
    """The ``ImageFile`` for cleaned bytes: the existing one, or a new file written once and never overwritten."""
    existing = ImageFile.objects.filter(sha256=cleaned.sha256).first()
    if existing is not None:
        return existing
    blob = ImageFile(
        sha256=cleaned.sha256,
        format=cleaned.format,
        width=cleaned.width,
        height=cleaned.height,
        size=len(cleaned.data),
        has_alpha=cleaned.has_alpha,
    )
    _write_once(blob.name, cleaned.data)
    try:
        with transaction.atomic():
            blob.save()
    except IntegrityError:  # the same bytes uploaded at the same moment: theirs is ours
        return ImageFile.objects.get(sha256=cleaned.sha256)
    return blob


def ensure_rendition(blob: ImageFile, width: int, fmt: str) -> ImageRendition:
    """The rendition of ``blob`` at ``width`` in ``fmt``, made and stored now if it was not yet."""
    found = ImageRendition.objects.filter(file=blob, width=width, format=fmt).select_related("file").first()
    if found is not None:
        return found
    made = pixels.render(blob.read(), width, fmt)
    rendition = ImageRendition(file=blob, width=made.width, height=made.height, format=fmt, size=len(made.data))
    _write_once(blob.rendition_name(width, fmt), made.data)
    try:
        with transaction.atomic():
            rendition.save()
    except IntegrityError:  # another worker made it meanwhile: same bytes, keep theirs
        return ImageRendition.objects.select_related("file").get(file=blob, width=width, format=fmt)
    return rendition


def ensure_renditions(blob: ImageFile) -> list[ImageRendition]:
    return [ensure_rendition(blob, width, fmt) for width, fmt in blob.rendition_specs()]


@background(attempts=5, backoff=30, max_backoff=600)
def make_renditions(file_id: int) -> int:
    """Task: make every rendition of an uploaded file (the media view makes a missing one on request too)."""
    blob = ImageFile.objects.filter(pk=file_id).first()
    return len(ensure_renditions(blob)) if blob is not None else 0


def renditions_after_commit(blob: ImageFile) -> None:
    """Queue the renditions of ``blob`` once the upload's transaction has committed."""
    enqueue_after_commit(make_renditions, blob.pk)


def _write_once(name: str, data: bytes) -> None:
    """Write ``data`` at ``name`` unless a file is there already (same name, same bytes: never overwrite)."""
    if default_storage.exists(name):
        return
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:  # written meanwhile by someone else; the storage picked another name for ours
        default_storage.delete(saved)


# --- Where an image is used -------------------------------------------------------

# The article texts a figure can stand in (``Article`` and ``Revision`` share these fields).
TEXT_FIELDS = ("summary", "body", "professional_summary", "professional_body")


def mentioning(image_ids) -> models.Q:
    """A cheap prefilter: texts containing ``image:ID`` (``image:1`` also matches ``image:12``;
    ``showing`` confirms each hit with the figure syntax itself)."""
    condition = models.Q(pk__in=[])
    for image_id in image_ids:
        for name in TEXT_FIELDS:
            condition |= models.Q(**{f"{name}__contains": f"image:{int(image_id)}"})
    return condition


def _articles():
    # Articles and their versions, by name: ``content`` builds on this module (figures), not the reverse.
    return apps.get_model("articles", "Article"), apps.get_model("articles", "Revision")


def showing(row, image_ids=None) -> set[int]:
    """The library images ``row`` (an article's working copy or a version) shows as figures, of ``image_ids``."""
    shown = set(figures.image_ids(*(getattr(row, name) or "" for name in TEXT_FIELDS)))
    return shown if image_ids is None else shown & set(image_ids)


def used_image_ids(image_ids=None) -> set[int]:
    """Of ``image_ids`` (every image when ``None``), those a working copy or any version shows."""
    Article, Revision = _articles()
    if image_ids is not None:
        image_ids = [int(i) for i in image_ids]
        if not image_ids:
            return set()
        prefilter = mentioning(image_ids)
    else:
        prefilter = models.Q(pk__in=[])
        for name in TEXT_FIELDS:
            prefilter |= models.Q(**{f"{name}__contains": "image:"})
    used = set()
    for model in (Article, Revision):
        for row in model.objects.filter(prefilter).only(*TEXT_FIELDS).iterator(chunk_size=200):
            used |= showing(row, image_ids)
    return used


@dataclass
class Use:
    """How one article uses an image: in its live version, the version with the board, its working
    copy, and earlier versions (permalinks keep showing it)."""

    article: object
    live: object = None  # the published Revision, if it shows the image
    pending: object = None  # the Revision with the board, if it shows the image
    working_copy: bool = False
    earlier: list = field(default_factory=list)  # numbers of other versions showing it

    @property
    def label(self) -> str:
        parts = []
        if self.live is not None:
            parts.append(f"live version {self.live.number}")
        if self.pending is not None:
            parts.append(f"version {self.pending.number} with the board")
        if self.working_copy:
            parts.append(f"working copy ({self.article.get_status_display().lower()})")
        if self.earlier:
            numbers = ", ".join(map(str, self.earlier))
            parts.append(f"earlier version{'s' if len(self.earlier) > 1 else ''} {numbers}")
        return "; ".join(parts)


def uses(image) -> list[Use]:
    """Every article showing ``image`` anywhere (working copy or any version): live ones first."""
    Article, Revision = _articles()
    image_id = int(getattr(image, "pk", image))
    found: dict[int, Use] = {}
    articles = Article.objects.filter(mentioning([image_id])).only(
        "pk", "title", "slug", "status", "published_revision", "pending_revision", *TEXT_FIELDS
    )
    for article in articles:
        if showing(article, [image_id]):
            found[article.pk] = Use(article=article, working_copy=True)
    revisions = Revision.objects.filter(mentioning([image_id])).only("pk", "article_id", "number", *TEXT_FIELDS)
    versions = [revision for revision in revisions if showing(revision, [image_id])]
    missing = {revision.article_id for revision in versions} - set(found)
    for article in Article.objects.filter(pk__in=missing).only(
        "pk", "title", "slug", "status", "published_revision", "pending_revision"
    ):
        found[article.pk] = Use(article=article)
    for revision in sorted(versions, key=lambda r: r.number):
        use = found[revision.article_id]
        if revision.pk == use.article.published_revision_id:
            use.live = revision
        elif revision.pk == use.article.pending_revision_id:
            use.pending = revision
        else:
            use.earlier.append(revision.number)
    # What readers see first, then what the board has, then drafts and old versions; by title within each.
    return sorted(
        found.values(),
        key=lambda use: (use.live is None, use.pending is None, use.article.title.lower(), use.article.pk),
    )


class ImageInUse(models.ProtectedError):
    """Refused: deleting an image that an article's working copy or any of its versions shows."""

    def __init__(self, message: str, in_use: list):
        super().__init__(message, [use.article for use in in_use])


def refusal(image, in_use: list[Use]) -> str:
    """Why ``image`` cannot be deleted, naming the articles that show it."""
    named = "; ".join(f"“{use.article.title}” ({use.label})" for use in in_use[:10])
    more = f" and {len(in_use) - 10} more" if len(in_use) > 10 else ""
    return (
        f"“{image.title}” cannot be deleted: {named}{more} show it, and approved versions keep their "
        "images for ever. Remove it from the working copies instead; it stays in the library."
    )
