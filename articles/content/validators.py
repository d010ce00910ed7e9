"""Text hygiene shared by forms, models and renderers: control and bidi characters.

A control character stored anywhere breaks XML (the Atom feed) and hides text from editors;
bidi controls make a title or an address read differently from what it is. Models check
every text field in ``full_clean`` (so forms, importers and any other ``full_clean`` caller
refuse them); renderers strip what got stored some other way.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models

# C0 controls except tab, newline and carriage return; DEL; C1 controls.
# A DOI as references carry it (no "https://doi.org/" prefix): 10.<registrant>/<suffix>.
DOI_RE = re.compile(r"^10\.\d{4,9}/[^\s\"<>]+$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), marks (LRM, RLM, ALM).
BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# Fields that name something (titles, addresses): one visible line, read as written.
NAME_FIELDS = frozenset({"title", "slug", "name", "display_name", "credentials"})


def strip_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text or "")


def validate_no_control_characters(value: str) -> None:
    match = CONTROL_CHARACTERS.search(value or "")
    if match:
        raise ValidationError(
            "Remove the invisible control character (U+%(code)04X) from this text.",
            code="control_character",
            params={"code": ord(match.group())},
        )


def validate_no_bidi_controls(value: str) -> None:
    match = BIDI_CONTROLS.search(value or "")
    if match:
        raise ValidationError(
            "Remove the invisible text-direction character (U+%(code)04X): it makes the text read "
            "differently from what it is.",
            code="bidi_control",
            params={"code": ord(match.group())},
        )


def text_field_errors(instance: models.Model, exclude=None) -> dict:
    """Return {field name: [ValidationError]} for control characters in ``instance``'s text fields."""
    errors = {}
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField) or field.name in (exclude or ()):
            continue
        value = getattr(instance, field.attname)
        if not isinstance(value, str):
            continue
        checks = [validate_no_control_characters]
        if field.name in NAME_FIELDS:
            checks.append(validate_no_bidi_controls)
        for check in checks:
            try:
                check(value)
            except ValidationError as error:
                errors.setdefault(field.name, []).append(error)
    return errors


class CleanTextMixin:
    """Refuse control characters in every text field (and bidi controls in names) in ``full_clean``."""

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for name, field_errors in text_field_errors(self, exclude).items():
            if name not in errors:
                errors[name] = field_errors
        if errors:
            raise ValidationError(errors)
