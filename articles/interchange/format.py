"""The article interchange format: one Markdown file per article with a YAML front matter block.

Pure functions, no database: ``parse`` turns a file's bytes into an ``ArticleFile`` or raises
``FormatError`` naming the line; ``serialise`` turns an ``ArticleFile`` back into bytes, so that
serialise(parse(x)) == x for every file this module wrote. The front matter's fields are
specified in ``articles/interchange/schema.json`` (JSON Schema) and the README.

    ---
    title: What causes gout?
    slug: what-causes-gout
    topic: rheumatology
    flags: [mentions-medicines]    (optional)
    redirect_from: [/old/gout.html] (optional: old paths that answer 301 to this article)
    summary: |-
      Uric acid crystals in a joint [1].
    professional_summary: ...      (optional)
    professional_body: |-          (optional)
      ...
    references:
    - kind: guideline
      title: ...
      source: ...
      year: 2020
      url: https://...
      doi: 10.1000/xyz
      pmid: '31778400'
    images:                        (optional: the figures' image files and what the library says of them)
    - file: images/1f2e3d4c5b6a-knee-diagram.png
      title: Knee diagram
      alt_text: ...
      caption: ...
      credit: ...
      licence: own-work
    ---

    The body in Markdown, citing references by their position in the list: [1].

    ![Alt text](images/1f2e3d4c5b6a-knee-diagram.png "Caption")

A figure names its image file (a path in the ``images/`` folder beside the file, listed under
``images``) where the site's own text says ``image:ID`` (``articles.content.figures``).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import yaml
from django.core.exceptions import ValidationError

from articles.content import figures, times
from articles.content.rendering import http_url
from articles.content.validators import DOI_RE

from . import figures as figure_files
from .errors import FormatError  # noqa: F401 - part of the format's interface
from .errors import check_text as _check_text
from .front_matter import MAX_DEPTH, load_front_matter, positions_of  # noqa: F401 - MAX_DEPTH is part of the format

FRONT_MATTER = "---"
# Timing the editors ask for (``Article``'s fields of these names, frozen into the version submitted):
# times in the site's time zone as ``YYYY-MM-DD HH:MM`` (an offset may follow), ``end_reason`` text.
TIMING_KEYS = ("not_before", "requested_go_live_at", "ends_at", "end_reason")
TIME_KEYS = TIMING_KEYS[:3]
REQUIRED = ("title", "slug", "topic", "summary")
OPTIONAL = (
    "professional_summary",
    "professional_body",
    "references",
    "flags",
    "redirect_from",
    "images",
    *TIMING_KEYS,
)
TEXT_FIELDS = ("summary", "body", "professional_summary", "professional_body")
REFERENCE_KINDS = ("guideline", "research", "other")
REFERENCE_FIELDS = ("kind", "title", "source", "year", "url", "doi", "pmid")
SLUG_RE = re.compile(r"^[-a-z0-9_]+$")
# The model's column sizes: a longer value is refused here, with its line, not by the database.
MAX_LENGTHS = {"end_reason": 300, "title": 200, "slug": 200}
REFERENCE_MAX_LENGTHS = {"title": 500, "source": 300, "url": 500, "doi": 200, "pmid": 20}
MAX_YEAR = 32767


@dataclass
class ArticleFile:
    title: str
    slug: str
    topic: str
    summary: str
    body: str
    professional_summary: str = ""
    professional_body: str = ""
    references: list[dict] = field(default_factory=list)  # in citation-number order, numbered from 1
    flags: list[str] = field(default_factory=list)  # slugs of the article's flags ("mentions-medicines"), sorted
    images: list[dict] = field(default_factory=list)  # the figures' files, in order of first figure
    # Old paths on this site that answer 301 to the article (``Redirect``), sorted; not content.
    redirect_from: list[str] = field(default_factory=list)
    # Timing (``TIMING_KEYS``): aware datetimes, and the reason shown after the end date; not content.
    not_before: datetime | None = None
    requested_go_live_at: datetime | None = None
    ends_at: datetime | None = None
    end_reason: str = ""
    # The line each front matter field was read from ({name: line}), for messages; not content.
    lines: dict = field(default_factory=dict, compare=False, repr=False)
    # Export only: the stored file to write at each image's path ({path: ImageFile}); not content.
    files: dict = field(default_factory=dict, compare=False, repr=False)

    def timing(self) -> dict:
        """The timing fields, as the model names them."""
        return {name: getattr(self, name) for name in TIMING_KEYS}

    def content(self) -> dict:
        """The article's content fields, as the model names them (without the topic)."""
        return {
            "title": self.title,
            "slug": self.slug,
            "summary": self.summary,
            "body": self.body,
            "professional_summary": self.professional_summary,
            "professional_body": self.professional_body,
        }


def parse(data: bytes, *, max_bytes: int) -> ArticleFile:
    """Parse one article file, or raise ``FormatError`` saying what is wrong and on which line."""
    if len(data) > max_bytes:
        raise FormatError(f"the file is {len(data):,} bytes; at most {max_bytes:,} are accepted")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FormatError(f"not UTF-8 text (byte 0x{data[error.start]:02x} cannot be read)", line) from error
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != FRONT_MATTER:
        raise FormatError("the file must start with a front matter block: a line '---', the fields, then '---'", 1)
    try:
        closing = next(i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER)
    except StopIteration:
        raise FormatError("the front matter block is never closed by a line '---'", 1) from None
    try:
        node, meta = load_front_matter("\n".join(lines[1:closing]) + "\n")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "it is not valid YAML"
        raise FormatError(
            f"broken front matter: {problem}", min(mark.line + 2, max(closing, 2)) if mark else 2
        ) from error
    if not isinstance(meta, dict):
        raise FormatError("the front matter must be fields (name: value), one per line", 2)
    positions = positions_of(node)
    body_lines = lines[closing + 1 :]
    positions["fields"]["body"] = closing + 2
    if body_lines and body_lines[0] == "":
        body_lines = body_lines[1:]  # the blank line after the front matter
        positions["fields"]["body"] += 1
    body = "\n".join(body_lines)
    body = body.removesuffix("\n")
    return _article(meta, body, positions, closing)


def _line_of(positions: dict, key: str) -> int:
    return positions["fields"].get(key, 2)


def _text(meta: dict, key: str, positions, *, required: bool) -> str:
    value = meta.get(key)
    if value is None or value == "":
        if required:
            raise FormatError(f"the field '{key}' is missing", _line_of(positions, key))
        return ""
    if not isinstance(value, str):
        raise FormatError(f"the field '{key}' must be text", _line_of(positions, key))
    _check_text(value, f"the field '{key}'", _line_of(positions, key), MAX_LENGTHS.get(key), name=key == "title")
    return value


def _article(meta: dict, body: str, positions: dict, closing: int) -> ArticleFile:
    unknown = sorted(set(meta) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise FormatError(
            f"unknown field '{unknown[0]}' (expected: {', '.join(REQUIRED + OPTIONAL)})",
            _line_of(positions, unknown[0]),
        )
    values = {key: _text(meta, key, positions, required=True) for key in REQUIRED}
    values["images"] = figure_files.images(meta.get("images"), positions)
    values |= {key: _text(meta, key, positions, required=False) for key in OPTIONAL[:2]}
    values |= {key: _time(meta, key, positions) for key in TIME_KEYS}
    values["end_reason"] = _text(meta, "end_reason", positions, required=False)
    if not SLUG_RE.match(values["slug"]):
        raise FormatError(
            "the slug may hold only lower-case letters, digits, hyphens and underscores", _line_of(positions, "slug")
        )
    if not body.strip():
        raise FormatError("the article has no body after the front matter", closing + 1)
    _check_text(body, "the body", closing + 2, None)
    references = meta.get("references") or []
    if not isinstance(references, list):
        raise FormatError(
            "'references' must be a list (one '- kind: ...' item per reference)", _line_of(positions, "references")
        )
    lines = positions["references"]
    article = ArticleFile(
        **values,
        flags=_flags(meta.get("flags"), _line_of(positions, "flags")),
        redirect_from=_redirect_from(meta.get("redirect_from"), _line_of(positions, "redirect_from")),
        body=body,
        lines=dict(positions["fields"]) | {f"images.{n}": line for n, line in positions["images"].items()},
        references=[
            _reference(r, n, lines.get(n, _line_of(positions, "references"))) for n, r in enumerate(references, 1)
        ],
    )
    _check_figures(article)
    return article


def text_line(article: ArticleFile, name: str, offset: int) -> int:
    """The file line of character ``offset`` of the text ``name`` (the body, or a front matter field)."""
    text = getattr(article, name)
    start = article.lines.get(name, 2)
    if name != "body" and "\n" in text:
        start += 1  # a block of several lines starts below its field's name
    return start + text[:offset].count("\n")


def _check_figures(article: ArticleFile) -> None:
    """Every figure names a file listed under ``images``, and every listed file is shown."""
    listed = {image["file"] for image in article.images}
    shown = set()
    for name in TEXT_FIELDS:
        text = getattr(article, name)
        for target in figures.image_targets(text):
            raise FormatError(
                f"the figure 'image:{target.value}' in the {name.replace('_', ' ')} names an image of the library "
                "it was written in; in a file a figure names its image file (images/<name>), listed under 'images'",
                text_line(article, name, target.start),
            )
        for target in figures.file_targets(text):
            if target.value not in listed:
                raise FormatError(
                    f"the figure '{target.value}' in the {name.replace('_', ' ')} is not listed under 'images' "
                    "(each image file needs an entry with its title, alt text and licence)",
                    text_line(article, name, target.start),
                )
            shown.add(target.value)
    for n, image in enumerate(article.images, start=1):
        if image["file"] not in shown:
            raise FormatError(
                f"image {n} ('{image['file']}') is not shown by any figure; remove it or add a figure "
                f"![alt text]({image['file']})",
                article.lines.get(f"images.{n}"),
            )


def _flags(value, line: int) -> list[str]:
    """The article's flags: a list of flag slugs (whether each exists is the importer's question)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(flag, str) and SLUG_RE.match(flag) for flag in value):
        raise FormatError("'flags' must be a list of flag slugs, e.g. [mentions-medicines]", line)
    return sorted(set(value))


def _redirect_from(value, line: int) -> list[str]:
    """Old paths of the article (each checked against the site by the importer), sorted."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(path, str) and path.startswith("/") for path in value):
        raise FormatError("'redirect_from' must be a list of old paths on this site, e.g. [/old/gout.html]", line)
    for path in value:
        _check_text(path, "'redirect_from'", line, 500)
    return sorted(set(value))


def _time(meta: dict, key: str, positions) -> datetime | None:
    """A time in the site's zone (YAML may have read it as a date or datetime already)."""
    value = meta.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        value = value.isoformat(sep=" ") if value.tzinfo else f"{value:%Y-%m-%d %H:%M}"
    elif isinstance(value, date):
        value = f"{value:%Y-%m-%d} 00:00"
    try:
        return times.parse(str(value), field_label=key)
    except ValidationError as error:
        raise FormatError(f"'{key}': {' '.join(error.messages)}", _line_of(positions, key)) from None


def _reference(item, number: int, line: int) -> dict:
    where = f"reference {number}"
    if not isinstance(item, dict):
        raise FormatError(f"{where} must be fields (kind, title, source, year, url, doi, pmid)", line)
    unknown = sorted(set(item) - set(REFERENCE_FIELDS))
    if unknown:
        raise FormatError(f"{where} has an unknown field '{unknown[0]}'", line)
    kind = item.get("kind")
    if not kind:
        raise FormatError(f"{where} has no kind (expected: {', '.join(REFERENCE_KINDS)})", line)
    if kind not in REFERENCE_KINDS:
        raise FormatError(f"{where} has an unknown kind '{kind}' (expected: {', '.join(REFERENCE_KINDS)})", line)
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        raise FormatError(f"{where} has no title", line)
    year = item.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 0 <= year <= MAX_YEAR):
        raise FormatError(f"{where} has a year that is not a whole number from 0 to {MAX_YEAR}: {year!r}", line)
    strings = {}
    for name in ("source", "url", "doi", "pmid"):
        value = item.get(name)
        if value is None:
            value = ""
        if isinstance(value, int) and name == "pmid":
            value = str(value)
        if not isinstance(value, str):
            raise FormatError(f"{where}: '{name}' must be text", line)
        strings[name] = value
    for name, value in {"title": title, **strings}.items():
        _check_text(value, f"{where}: '{name}'", line, REFERENCE_MAX_LENGTHS[name], name=name == "title")
    if strings["url"] and not http_url(strings["url"]):
        raise FormatError(f"{where} has a URL that is not a web address starting with http:// or https://", line)
    if strings["doi"] and not DOI_RE.match(strings["doi"]):
        raise FormatError(f"{where} has a DOI that is not one ('{strings['doi']}'; expected like 10.1000/xyz123)", line)
    if strings["pmid"] and not strings["pmid"].isdigit():
        raise FormatError(f"{where} has a PubMed ID that is not digits ('{strings['pmid']}')", line)
    return {"number": number, "kind": kind, "title": title, "year": year, **strings}


class _Dumper(yaml.SafeDumper):
    """Safe YAML with multi-line text as literal blocks, keys in the order written."""


def _represent_text(dumper, value: str):
    style = "|" if "\n" in value and not _needs_quoting(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _needs_quoting(value: str) -> bool:
    # Literal blocks cannot carry trailing spaces on a line, tabs or a leading space reliably.
    return any(line != line.rstrip() for line in value.split("\n")) or value.startswith(" ") or "\t" in value


_Dumper.add_representer(str, _represent_text)


def _lf(value):
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def serialise(article: ArticleFile) -> bytes:
    """Return the file for ``article``: front matter, a blank line, the body, a final newline.

    Line endings are written as LF (a browser's CRLF in stored text comes out as LF), so an
    exported file imports to the same text and exports again byte for byte.
    """
    article = ArticleFile(
        **{
            name: _lf(value) if isinstance(value, str) else value
            for name, value in vars(article).items()
            if name not in ("references", "lines", "flags", "images", "files", "redirect_from")
        },
        flags=list(article.flags),
        redirect_from=list(article.redirect_from),
        references=[{name: _lf(value) for name, value in reference.items()} for reference in article.references],
        images=[{name: _lf(value) for name, value in image.items()} for image in article.images],
    )
    meta = {
        "title": article.title,
        "slug": article.slug,
        "topic": article.topic,
    }
    if article.flags:
        meta["flags"] = sorted(article.flags)
    if article.redirect_from:
        meta["redirect_from"] = sorted(article.redirect_from)
    meta["summary"] = article.summary
    if article.professional_summary:
        meta["professional_summary"] = article.professional_summary
    if article.professional_body:
        meta["professional_body"] = article.professional_body
    for key in TIME_KEYS:
        if getattr(article, key) is not None:
            meta[key] = times.as_input(getattr(article, key))
    if article.end_reason:
        meta["end_reason"] = article.end_reason
    if article.references:
        meta["references"] = [
            {name: reference.get(name) for name in REFERENCE_FIELDS if reference.get(name) not in (None, "")}
            for reference in article.references
        ]
    if article.images:
        meta["images"] = [
            {name: image.get(name) for name in figure_files.IMAGE_FIELDS if image.get(name) not in (None, "", False)}
            for image in article.images
        ]
    front = yaml.dump(meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return f"{FRONT_MATTER}\n{front}{FRONT_MATTER}\n\n{article.body}\n".encode()
