"""Whether cited sources still stand (README, "Sources still standing").

``SourceCheck``: one per source (a normalised URL, DOI or PubMed ID), whichever articles cite
it, with its latest result and a short history. ``SourceCitation``: which versions (live or under
review) cite it, and as which reference number. ``SourceAlert``: an article sent to early
re-review because a source it cites was retracted or given an expression of concern; unique per
(article, source, status), so repeated checks never send it twice.
"""

from django.db import models


class SourceCheck(models.Model):
    class Kind(models.TextChoices):
        URL = "url", "Web address"
        DOI = "doi", "DOI"
        PMID = "pmid", "PubMed ID"

    class Status(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked yet"
        OK = "ok", "OK"
        REDIRECTED = "redirected", "Redirected"
        DEAD = "dead", "Dead link"
        REFUSED = "refused", "Refused (private address)"
        RETRACTED = "retracted", "Retracted"
        CONCERN = "concern", "Expression of concern"
        CORRECTED = "corrected", "Corrected"

    HISTORY_KEPT = 20
    # The results that send a live article citing the source back to the board.
    ALERTING = (Status.RETRACTED, Status.CONCERN)

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=500, help_text="The source, normalised (lower-case DOI, URL without fragment).")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNCHECKED)
    detail = models.CharField(max_length=500, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # Failed tries in a row of the check under way (reset by any answer).
    failures = models.PositiveSmallIntegerField(default=0)
    # The last ``HISTORY_KEPT`` results: {"at", "status", "detail"}, newest last.
    history = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "source check"
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="unique_source_check")]
        indexes = [models.Index(fields=["status", "checked_at"], name="source_check_status_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.key}"

    @property
    def is_problem(self) -> bool:
        return self.status in (self.Status.DEAD, self.Status.RETRACTED, self.Status.CONCERN, self.Status.CORRECTED)


class SourceCitation(models.Model):
    source = models.ForeignKey(SourceCheck, on_delete=models.CASCADE, related_name="citations")
    revision = models.ForeignKey("articles.Revision", on_delete=models.CASCADE, related_name="source_citations")
    number = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "revision", "number"], name="unique_source_citation"),
        ]

    def __str__(self):
        return f"[{self.number}] {self.source}"


class SourceAlert(models.Model):
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="source_alerts")
    source = models.ForeignKey(SourceCheck, on_delete=models.CASCADE, related_name="alerts")
    status = models.CharField(max_length=20, choices=SourceCheck.Status.choices)
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["article", "source", "status"], name="unique_source_alert"),
        ]

    def __str__(self):
        return self.reason
