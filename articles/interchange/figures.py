"""The front matter's ``images``: the image files an article file's figures show, and what the
library says of each. Pure, like ``format`` (which reads the rest of the file and calls this)."""

import re

from articles.content.rendering import http_url
from articles.models.images import Licence

from .errors import FormatError, check_text

IMAGE_FIELDS = ("file", "title", "alt_text", "decorative", "caption", "credit", "source_url", "licence", "licence_note")
IMAGE_MAX_LENGTHS = {"title": 200, "alt_text": 500, "caption": 1000, "credit": 300, "source_url": 500}
IMAGE_MAX_LENGTHS["licence_note"] = 1000
# An image file sits in the ``images/`` folder beside the article file (or beside it in a zip).
IMAGE_FOLDER = "images/"
IMAGE_NAME_RE = re.compile(r"^images/[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")


def images(items, positions: dict) -> list[dict]:
    """The ``images`` entries, each with every field (empty text, ``decorative`` false), or ``FormatError``."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise FormatError(
            "'images' must be a list (one '- file: ...' item per image)", positions["fields"].get("images", 2)
        )
    images, files = [], {}
    for n, item in enumerate(items, start=1):
        line = positions["images"].get(n, positions["fields"].get("images", 2))
        image = _image(item, n, line)
        if image["file"] in files:
            raise FormatError(f"image {n} names the same file as image {files[image['file']]}", line)
        files[image["file"]] = n
        images.append(image)
    return images


def image_path_problem(path: str) -> str | None:
    """Why ``path`` cannot name an image file of an article file, or ``None``."""
    if path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":"):
        return "is an absolute path"
    if ".." in path.replace("\\", "/").split("/"):
        return "climbs out of the article's folder or archive ('..')"
    if not IMAGE_NAME_RE.match(path):
        return (
            f"is not a file in the {IMAGE_FOLDER} folder beside the article file (images/<name>.<ext>: "
            "letters, digits, '.', '-' and '_')"
        )
    return None


def _image(item, n: int, line: int) -> dict:
    where = f"image {n}"
    if not isinstance(item, dict):
        raise FormatError(f"{where} must be fields ({', '.join(IMAGE_FIELDS)})", line)
    unknown = sorted(set(item) - set(IMAGE_FIELDS))
    if unknown:
        raise FormatError(f"{where} has an unknown field '{unknown[0]}'", line)
    path = item.get("file")
    if not isinstance(path, str) or not path:
        raise FormatError(f"{where} has no file (images/<name>.<ext>)", line)
    if problem := image_path_problem(path):
        raise FormatError(f"{where}: the file '{path}' {problem}", line)
    values = {"file": path}
    for name in IMAGE_FIELDS[1:]:
        value = item.get(name)
        if name == "decorative":
            if value is not None and not isinstance(value, bool):
                raise FormatError(f"{where}: 'decorative' must be true or false", line)
            values[name] = bool(value)
            continue
        value = "" if value is None else value
        if not isinstance(value, str):
            raise FormatError(f"{where}: '{name}' must be text", line)
        check_text(value, f"{where}: '{name}'", line, IMAGE_MAX_LENGTHS.get(name), name=name == "title")
        values[name] = value
    if not values["title"].strip():
        raise FormatError(f"{where} has no title", line)
    if values["licence"] not in Licence.values:
        raise FormatError(f"{where} has no licence or an unknown one (expected: {', '.join(Licence.values)})", line)
    if values["source_url"] and not http_url(values["source_url"]):
        raise FormatError(f"{where} has a source URL that is not a web address starting with http(s)://", line)
    return values
