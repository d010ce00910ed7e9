"""Review stages configured in the admin: workflows of ordered stages, article flags, and the stages
frozen into each submitted version.

A ``Workflow`` is an ordered list of ``Stage`` rows: who may decide at each (a group, a board
specialty, or any board member), how many distinct approvals it needs, and which articles it
applies to (always, articles in given topics, articles carrying a flag). ``ArticleFlag`` rows are
the flags editors tick on an article ("mentions medicines"); ticked flags are reviewed content.

Submitting a version freezes the stages that apply to it as ``RevisionStage`` rows (their name,
who decides and the quorum, copied): later edits of the workflow never change what an in-flight
version needs. The rules that read them live in ``articles.review.stages`` and ``workflow``.
"""

from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q

from articles.content.validators import CleanTextMixin

from .content import Revision, Specialty

# The stage every site starts with (and the one a version gets when no configured stage applies).
DEFAULT_STAGE_NAME = "Medical review"


class ArticleFlag(CleanTextMixin, models.Model):
    """A property of an article that editors tick on its form, e.g. "mentions medicines".

    Stages can apply only to flagged articles. The flags an article carries are frozen into each
    version: a changed flag is a change the board sees.
    """

    name = models.CharField(max_length=100, unique=True, help_text="As editors see it, e.g. “Mentions medicines”.")
    slug = models.SlugField(
        max_length=100, unique=True, help_text="Stored in each version; keep it stable once articles carry it."
    )
    description = models.CharField(
        max_length=300, blank=True, help_text="When to tick it (shown under the checkbox on the article form)."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Workflow(CleanTextMixin, models.Model):
    """An ordered list of review stages; the active one is what newly submitted versions go through."""

    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(
        "active",
        default=False,
        help_text="The workflow newly submitted versions go through (one at a time). Versions already "
        "with the board keep the stages they were submitted with.",
    )

    class Meta:
        ordering = ["-is_active", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_workflow"),
        ]

    def __str__(self):
        return self.name


class StageRule(models.Model):
    """Who decides at a stage and how many approvals it needs: shared by configured and frozen stages."""

    name = models.CharField(max_length=100, help_text="e.g. “Clinical review”, “Pharmacist sign-off”.")
    credit = models.CharField(
        max_length=100,
        blank=True,
        help_text="How readers see this stage's reviewers credited, e.g. “Medically reviewed by”, "
        "“Pharmacist review by”. Blank: “Content approved by”.",
    )
    group = models.ForeignKey(
        Group,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Only members of this group may decide (leave blank: any board member).",
    )
    specialty = models.ForeignKey(
        Specialty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="board specialty",
        help_text="Only board members of this specialty may decide. With a group as well, both are needed.",
    )
    required_approvals = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Distinct approvals this stage needs. Blank: the site's setting (EDITORIAL_REQUIRED_APPROVALS).",
    )
    allow_earlier_approvers = models.BooleanField(
        default=False,
        verbose_name="earlier approvers may approve",
        help_text="Let someone who approved an earlier stage of the same version approve this one too. "
        "Off: each stage is another person's check.",
    )

    class Meta:
        abstract = True

    def deciders(self) -> str:
        """Who may decide, in words: "any board member", "members of Pharmacists", "Cardiology board members"."""
        if self.group_id and self.specialty_id:
            return f"members of {self.group.name} on the board for {self.specialty.name}"
        if self.group_id:
            return f"members of {self.group.name}"
        if self.specialty_id:
            return f"board members for {self.specialty.name}"
        return "any board member"


class Stage(CleanTextMixin, StageRule):
    """One step of a workflow: who decides, the quorum, and which articles it applies to."""

    class AppliesTo(models.TextChoices):
        ALWAYS = "always", "Every article"
        TOPICS = "topics", "Articles in the topics chosen"
        FLAG = "flag", "Articles carrying the flag chosen"

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveSmallIntegerField(help_text="Stages run in this order, lowest first.")
    applies_to = models.CharField(max_length=10, choices=AppliesTo.choices, default=AppliesTo.ALWAYS)
    topics = models.ManyToManyField(Specialty, blank=True, related_name="+", help_text="For “in the topics chosen”.")
    flag = models.ForeignKey(
        ArticleFlag, on_delete=models.PROTECT, null=True, blank=True, help_text="For “carrying the flag chosen”."
    )

    class Meta:
        ordering = ["workflow", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "position"], name="unique_stage_position"),
            models.UniqueConstraint(fields=["workflow", "name"], name="unique_stage_name"),
        ]

    def __str__(self):
        return self.name


class RevisionStage(StageRule):
    """A stage as frozen into a submitted version: what it needs and when it was completed."""

    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="stages")
    position = models.PositiveSmallIntegerField()
    completed_at = models.DateTimeField(null=True, blank=True)
    # Set when the version was re-planned with a newer workflow: kept as a record, no longer in play.
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["revision", "position"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "position"], name="unique_revision_stage_position"),
        ]

    def __str__(self):
        return f"{self.name} ({self.revision})"

    @property
    def is_complete(self):
        return self.completed_at is not None
