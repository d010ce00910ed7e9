"""The article file format explained to people: the import page's help, from the same sources the
README and the importer use. The fields and their meaning come from the JSON Schema (``schema.json``),
the complete example is ``example.md`` (the README shows the same file; the tests import it
against the demo's topics). Pure: reads these two package files, no database."""

import json
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent


@cache
def _schema() -> dict:
    return json.loads((HERE / "schema.json").read_text(encoding="utf-8"))


def _fields(spec: dict) -> list[dict]:
    required = set(spec.get("required", ()))
    rows = []
    for name, field in spec["properties"].items():
        description = field.get("description", "")
        if "enum" in field:
            choices = " or ".join(f"“{value}”" for value in field["enum"])
            description = f"{choices}. {description}" if description else choices
        rows.append({"name": name, "required": name in required, "description": description})
    return rows


def overview() -> str:
    """Return the schema's one-paragraph description of a file."""
    return _schema()["description"]


def article_fields() -> list[dict]:
    """Return the front matter's fields: name, whether required, and what each holds."""
    return _fields(_schema())


def reference_fields() -> list[dict]:
    """Return the fields of one item of ``references``."""
    return _fields(_schema()["properties"]["references"]["items"])


def images() -> str:
    """Return how figures and their image files are written (the schema's description of ``images``)."""
    return _schema()["properties"]["images"]["description"]


def image_fields() -> list[dict]:
    """Return the fields of one item of ``images``."""
    return _fields(_schema()["properties"]["images"]["items"])


@cache
def example() -> str:
    """Return a complete article file (the one the README shows)."""
    return (HERE / "example.md").read_text(encoding="utf-8")
