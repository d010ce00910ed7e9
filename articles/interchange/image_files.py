"""Image files in the interchange: reading and checking an article file's images on import, adding
them to the library when it is written, and naming and writing them on export.

A figure's ``image:ID`` is written as the path of its image file (``image_path``) and the library's
words about it go in the front matter's ``images``; importing checks every image as an upload is
checked before anything is written, stores the bytes as they are when they carry no metadata (so
the round trip is byte for byte; the same bytes already stored are reused), matches a library
entry with the same file and words or makes one, and points the figures at it (``image:ID``).
"""

import hashlib
from dataclasses import dataclass, replace
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from articles.content import figures
from articles.content import images as pixels
from articles.models import Image, ImageFile
from articles.models import images as library

from .format import TEXT_FIELDS, ArticleFile
from .sources import MissingFile, Source

# The library's words about an image, as the front matter's ``images`` items carry them.
LIBRARY_FIELDS = ("title", "alt_text", "decorative", "caption", "credit", "source_url", "licence", "licence_note")


@dataclass
class PlannedImage:
    """An image file of an import, checked: its front matter entry, line, and the bytes to store."""

    entry: dict
    line: int | None
    image: pixels.CleanImage

    def existing(self) -> Image | None:
        """The library image with these bytes and these words, if there is one (reused, not copied)."""
        fields = {name: self.entry[name] for name in LIBRARY_FIELDS}
        return Image.objects.filter(file__sha256=self.image.sha256, **fields).order_by("pk").first()


def with_image_ids(article: ArticleFile, ids: dict) -> dict:
    """The file's texts with each figure's file path replaced by ``image:ID`` (``ids``: {path: id})."""
    texts = {}
    for name in TEXT_FIELDS:
        text = getattr(article, name)
        texts[name] = figures.retarget(text, figures.file_targets(text), lambda t: f"image:{ids[t.value]}")
    return texts


def read_images(article: ArticleFile, source: Source) -> tuple[list[PlannedImage], tuple[str, int | None] | None]:
    """Read and check each image file ``article`` names, as an upload is checked; nothing is stored.

    Returns the checked images, and (problem, line) for the first that cannot be imported.
    """
    planned = []
    for n, entry in enumerate(article.images, start=1):
        line, path = article.lines.get(f"images.{n}"), entry["file"]
        try:
            data = source.files.read(path)
        except MissingFile as missing:
            return planned, (f"image {n}: {missing}", line)
        try:
            image = checked(path, data)
        except pixels.ImageRejected as rejected:
            return planned, (f"image {n}: '{path}' {rejected}", line)
        described = Image(**{name: entry[name] for name in LIBRARY_FIELDS})
        try:
            described.clean()
        except ValidationError as error:
            return planned, (f"image {n} ('{path}'): " + " ".join(error.messages), line)
        planned.append(PlannedImage(entry, line, image))
    return planned, None


def checked(path: str, data: bytes) -> pixels.CleanImage:
    """The bytes to store for an imported image: these very bytes when the library holds them or they
    carry no metadata (byte-identical round trips), else the cleaned ones (EXIF and the like removed)."""
    stored = ImageFile.objects.filter(sha256=hashlib.sha256(data).hexdigest()).first()
    if stored is not None:  # cleaned when first stored
        return pixels.CleanImage(data, stored.format, stored.width, stored.height, stored.has_alpha)
    cleaned = library.check_upload(path, data)
    if cleaned.data == data or not pixels.carries_metadata(data):
        return replace(cleaned, data=data)
    return cleaned


def library_images(images: list[PlannedImage], user, reason: str) -> dict:
    """{path: library image id} for checked images: the matching entry, or a new one (bytes stored once)."""
    ids = {}
    for planned in images:
        image = planned.existing()
        if image is None:
            blob = library.store(planned.image)
            library.renditions_after_commit(blob)
            image = Image(**{name: planned.entry[name] for name in LIBRARY_FIELDS}, file=blob, uploaded_by=user)
            image.full_clean()
            image._history_user, image._change_reason = user, reason
            image.save()
        ids[planned.entry["file"]] = image.pk
    return ids


def image_path(image: Image) -> str:
    """Where an exported image file goes: ``images/<first 12 of its SHA-256>-<its title>.<ext>``."""
    name = slugify(image.title)[:60].strip("-") or "image"
    return f"images/{image.file.sha256[:12]}-{name}.{pixels.FORMATS[image.file.format][0]}"


def portable(texts: dict, revision=None) -> tuple[dict, list[dict], dict]:
    """Texts with figures naming image files, the ``images`` entries, and {path: ImageFile} to write.

    A working copy's figures are the library's entries as they are now; a submitted ``revision``'s
    are what it froze at submission (``RevisionImage``: the file, credit and licence readers of that
    version see), even if the library's entry has changed since.
    """
    ids = figures.image_ids(*texts.values())
    found = Image.objects.select_related("file").in_bulk(ids)
    if revision is not None and revision.pk is not None:
        for frozen in revision.images.select_related("file").filter(image_id__in=ids):
            library_entry = found.get(frozen.image_id)
            title = library_entry.title if library_entry is not None else "image"
            found[frozen.image_id] = SimpleNamespace(
                title=title, file=frozen.file, **{name: getattr(frozen, name) for name in LIBRARY_FIELDS[1:]}
            )
    paths, images, files = {}, [], {}
    for image_id in ids:
        image = found.get(image_id)
        if image is None:
            continue  # not in the library (images in use cannot be deleted): the figure stays as it is
        path = image_path(image)
        if path in files:  # another library entry of the same file and title: a name of its own
            stem, _, ext = path.rpartition(".")
            path = next(f"{stem}-{n}.{ext}" for n in range(2, len(ids) + 2) if f"{stem}-{n}.{ext}" not in files)
        paths[image_id], files[path] = path, image.file
        images.append({"file": path} | {name: getattr(image, name) for name in LIBRARY_FIELDS})
    texts = {
        name: figures.retarget(
            text,
            [t for t in figures.image_targets(text) if int(t.value) in paths],
            lambda t: paths[int(t.value)],
        )
        for name, text in texts.items()
    }
    return texts, images, files
