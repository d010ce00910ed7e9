"""The article interchange format: one Markdown file per article with a YAML front matter block.

Pure functions, no database: ``parse`` turns a file's bytes into an ``ArticleFile`` or raises
``FormatError`` naming the line; ``serialise`` turns an ``ArticleFile`` back into bytes, so that
serialise(parse(x)) == x for every file this module wrote. The front matter's fields are
specified in ``articles/interchange/schema.json`` (JSON Schema) and the README.

    ---
    title: What causes gout?
    slug: what-causes-gout
    topic: rheumatology
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
    ---

    The body in Markdown, citing references by their position in the list: [1].
"""

import re
from dataclasses import dataclass, field

import yaml

from articles.validators import DOI_RE

FRONT_MATTER = "---"
REQUIRED = ("title", "slug", "topic", "summary")
OPTIONAL = ("professional_summary", "professional_body", "references")
REFERENCE_KINDS = ("guideline", "research", "other")
REFERENCE_FIELDS = ("kind", "title", "source", "year", "url", "doi", "pmid")
SLUG_RE = re.compile(r"^[-a-z0-9_]+$")


class FormatError(ValueError):
    """A file that is not a valid article file; ``line`` is 1-based where one applies."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self):
        return f"line {self.line}: {self.message}" if self.line else self.message


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
        meta = yaml.safe_load("\n".join(lines[1:closing]))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "it is not valid YAML"
        raise FormatError(f"broken front matter: {problem}", mark.line + 2 if mark else 2) from error
    if not isinstance(meta, dict):
        raise FormatError("the front matter must be fields (name: value), one per line", 2)
    body_lines = lines[closing + 1 :]
    if body_lines and body_lines[0] == "":
        body_lines = body_lines[1:]  # the blank line after the front matter
    body = "\n".join(body_lines)
    body = body.removesuffix("\n")
    return _article(meta, body, lines[:closing])


def _line_of(front_lines: list[str], key: str) -> int:
    for number, line in enumerate(front_lines, start=1):
        if line.startswith(f"{key}:"):
            return number
    return 2


def _text(meta: dict, key: str, front_lines, *, required: bool) -> str:
    value = meta.get(key)
    if value is None or value == "":
        if required:
            raise FormatError(f"the field '{key}' is missing", _line_of(front_lines, key) if key in meta else 2)
        return ""
    if not isinstance(value, str):
        raise FormatError(f"the field '{key}' must be text", _line_of(front_lines, key))
    return value


def _article(meta: dict, body: str, front_lines: list[str]) -> ArticleFile:
    unknown = sorted(set(meta) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise FormatError(
            f"unknown field '{unknown[0]}' (expected: {', '.join(REQUIRED + OPTIONAL)})",
            _line_of(front_lines, unknown[0]),
        )
    values = {key: _text(meta, key, front_lines, required=True) for key in REQUIRED}
    values |= {key: _text(meta, key, front_lines, required=False) for key in OPTIONAL[:2]}
    if not SLUG_RE.match(values["slug"]):
        raise FormatError(
            "the slug may hold only lower-case letters, digits, hyphens and underscores", _line_of(front_lines, "slug")
        )
    if not body.strip():
        raise FormatError("the article has no body after the front matter", len(front_lines) + 1)
    references = meta.get("references") or []
    if not isinstance(references, list):
        raise FormatError(
            "'references' must be a list (one '- kind: ...' item per reference)", _line_of(front_lines, "references")
        )
    line = _line_of(front_lines, "references")
    return ArticleFile(**values, body=body, references=[_reference(r, n, line) for n, r in enumerate(references, 1)])


def _reference(item, number: int, line: int) -> dict:
    where = f"reference {number}"
    if not isinstance(item, dict):
        raise FormatError(f"{where} must be fields (kind, title, source, year, url, doi, pmid)", line)
    unknown = sorted(set(item) - set(REFERENCE_FIELDS))
    if unknown:
        raise FormatError(f"{where} has an unknown field '{unknown[0]}'", line)
    kind = item.get("kind") or "other"
    if kind not in REFERENCE_KINDS:
        raise FormatError(f"{where} has an unknown kind '{kind}' (expected: {', '.join(REFERENCE_KINDS)})", line)
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        raise FormatError(f"{where} has no title", line)
    year = item.get("year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        raise FormatError(f"{where} has a year that is not a whole number: {year!r}", line)
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


def serialise(article: ArticleFile) -> bytes:
    """Return the file for ``article``: front matter, a blank line, the body, a final newline."""
    meta = {
        "title": article.title,
        "slug": article.slug,
        "topic": article.topic,
        "summary": article.summary,
    }
    if article.professional_summary:
        meta["professional_summary"] = article.professional_summary
    if article.professional_body:
        meta["professional_body"] = article.professional_body
    if article.references:
        meta["references"] = [
            {name: reference.get(name) for name in REFERENCE_FIELDS if reference.get(name) not in (None, "")}
            for reference in article.references
        ]
    front = yaml.dump(meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return f"{FRONT_MATTER}\n{front}{FRONT_MATTER}\n\n{article.body}\n".encode()
