"""An article's references: the sources its text cites by number (``[1]``), kept with the working
copy and frozen into each version as plain data (``Revision.references``).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from articles.content.rendering import MAX_CITABLE_NUMBER, http_url
from articles.content.validators import CleanTextMixin


def max_reference_number() -> int:
    """The most references an article may have, and so the highest number one may carry."""
    return min(settings.EDITORIAL_MAX_REFERENCES, MAX_CITABLE_NUMBER)


class Reference(CleanTextMixin, models.Model):
    class Kind(models.TextChoices):
        GUIDELINE = "guideline", "Guideline"
        RESEARCH = "research", "Research"
        OTHER = "other", "Other"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="references")
    number = models.PositiveSmallIntegerField(
        help_text="The number the text cites, e.g. 1 for [1]. Readers see references renumbered "
        "in order of first citation."
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RESEARCH)
    title = models.CharField(max_length=500)
    source = models.CharField(max_length=300, blank=True, help_text="Journal or issuing body.")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    doi = models.CharField(max_length=200, blank=True, verbose_name="DOI")
    pmid = models.CharField(max_length=20, blank=True, verbose_name="PubMed ID")

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_reference_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="reference_number_positive"),
        ]

    def __str__(self):
        return f"[{self.number}] {self.title}"

    def clean(self):
        errors = {}
        # Stored URLs become links on public pages: only web addresses, whatever wrote the row.
        if self.url and not http_url(self.url):
            errors["url"] = ValidationError("Enter a web address starting with http:// or https://.", code="scheme")
        if self.number and self.number > max_reference_number():
            errors["number"] = ValidationError(
                "Reference numbers go up to %(max)d: an article has at most %(max)d references.",
                code="max_number",
                params={"max": max_reference_number()},
            )
        if errors:
            raise ValidationError(errors)

    def as_dict(self):
        return {
            "number": self.number,
            "kind": self.kind,
            "title": self.title,
            "source": self.source,
            "year": self.year,
            "url": self.url,
            "doi": self.doi,
            "pmid": self.pmid,
        }
