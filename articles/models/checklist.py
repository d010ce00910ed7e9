"""The site's editorial checklist: for each check of ``articles.content.checks``, off, a warning,
or a block on submission and approval.

One row (``Checklist.current()``), edited in the admin. The defaults (every check a warning,
nothing blocking) let a site see what the checks find before it makes any of them binding; the
README ("Editorial checks") lists them.
"""

from django.db import models

from articles.content.checks import CHECKS


class Level(models.TextChoices):
    OFF = "off", "Off"
    WARN = "warn", "Warning"
    BLOCK = "block", "Blocks submission and approval"


LEVEL_HELP = {
    "readability": "The patient summary and body graded (Flesch-Kincaid and SMOG) against "
    "EDITORIAL_PATIENT_READING_GRADE; the professional text is exempt.",
    "claims": "A sentence with a percentage, rate, dose, frequency or count of people and no citation in it "
    "or in its paragraph.",
    "headings": "A heading that skips a level (## then ####).",
    "link_text": "Links reading “click here”, “read more” or a web address, and bare web addresses.",
    "image_alt": "Images whose alt text is empty, a file name or a placeholder such as “image”.",
    "table_headers": "Tables without a header row.",
    "all_caps": "Three or more words in a row in capitals.",
}


def _level_field(check: str) -> models.CharField:
    return models.CharField(
        CHECKS[check], max_length=5, choices=Level.choices, default=Level.WARN, help_text=LEVEL_HELP[check]
    )


class Checklist(models.Model):
    """The site's checklist (a single row): how much each editorial check counts."""

    readability = _level_field("readability")
    claims = _level_field("claims")
    headings = _level_field("headings")
    link_text = _level_field("link_text")
    image_alt = _level_field("image_alt")
    table_headers = _level_field("table_headers")
    all_caps = _level_field("all_caps")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "editorial checklist"
        verbose_name_plural = "editorial checklist"

    def __str__(self):
        return "Editorial checklist"

    @classmethod
    def current(cls) -> "Checklist":
        """The site's checklist; an unsaved one with the defaults until someone saves it."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def levels(self) -> dict[str, str]:
        return {check: getattr(self, check) for check in CHECKS}
