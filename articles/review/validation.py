"""What the board may be handed: content the site can show as written, and clean public notes.

Pure checks over a content snapshot or a form's words; each raises ``ValidationError`` naming
the field or the problem, so forms, the importer and the workflow report it the same way.
"""

from django.core.exceptions import ValidationError

from articles.content.rendering import citation_problems, markdown_problems
from articles.content.validators import CONTROL_CHARACTERS
from articles.models import Revision, hash_content, max_reference_number
from articles.models.figures import figure_problems

from . import checks

CHANGE_NOTE_MAX_LENGTH = 300


def validate_for_review(snapshot: dict, *, draft: bool = False) -> None:
    """Refuse content the site cannot show as written: Markdown beyond the rendering limits,
    control characters, figures of images not in the library (or without alt text), images that
    are not from the library, too many references, citations and references that do not match,
    or text the editorial checklist blocks (``checks``: a sentence above the reading grade, an
    uncited claim, an inaccessible heading, link, image, table or capitals, as configured).

    A ``draft`` (the importer's check) may still hold references it does not cite yet, and
    figures of images this library does not have (yet); a citation of a reference that does not
    exist is refused either way.
    """
    problems = []
    for field in ("title", "summary", "body", "professional_summary", "professional_body"):
        label = field.replace("_", " ")
        if field != "title":
            problems += [f"The {label}: {problem}" for problem in markdown_problems(snapshot.get(field) or "")]
            if not draft:  # an imported draft keeps its figures as written; submitting it checks them
                problems += figure_problems(snapshot.get(field) or "", label=f"The {label}")
        if CONTROL_CHARACTERS.search(snapshot.get(field) or ""):
            problems.append(f"The {label} contains an invisible control character; remove it.")
    references = snapshot.get("references", [])
    if len(references) > max_reference_number():
        problems.append(
            f"An article can have at most {max_reference_number()} references; this one has {len(references)}."
        )
    if problems:
        raise ValidationError(problems, code="markdown")
    problems = citation_problems(snapshot, uncited=not draft)
    if problems:
        raise ValidationError(problems, code="citations")
    if not draft:  # the editorial checklist's blocking checks (an imported draft is checked when submitted)
        problems = checks.blocking_problems(snapshot)
        if problems:
            raise ValidationError(problems, code="checks")


def clean_change_note(*, change_note: str, change_kind: str) -> tuple[str, str]:
    """Return the public note and kind of an update, or raise naming the missing field."""
    note = " ".join((change_note or "").split())
    errors = {}
    if not note:
        errors["change_note"] = ValidationError(
            "An update needs a short public change note saying what changed (readers see it).", code="required"
        )
    elif len(note) > CHANGE_NOTE_MAX_LENGTH:
        errors["change_note"] = ValidationError(
            f"Keep the change note to {CHANGE_NOTE_MAX_LENGTH} characters (it has {len(note)}).", code="max_length"
        )
    elif CONTROL_CHARACTERS.search(note):
        errors["change_note"] = ValidationError("The change note contains an invisible control character.")
    if change_kind not in Revision.ChangeKind.values:
        choices = ", ".join(f"“{value}”" for value in Revision.ChangeKind.values)
        errors["change_kind"] = ValidationError(
            f"Say what kind of change this update is: one of {choices}.", code="required"
        )
    if errors:
        raise ValidationError(errors)
    return note, change_kind


def clean_conflicts(conflicts: str) -> str:
    text = (conflicts or "").strip()
    if CONTROL_CHARACTERS.search(text):
        raise ValidationError({"conflicts": "The declaration contains an invisible control character."})
    return text


def snapshot_hash_equal(snapshot: dict, revision: Revision) -> bool:
    return hash_content(snapshot) == revision.content_hash
