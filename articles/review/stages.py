"""Review stages: which stages a version goes through, who may decide at each, and where it stands.

A version's stages are planned when it is submitted, from the active ``Workflow``: every stage
whose rule applies to the version as submitted (its topic, its flags) is frozen into a
``RevisionStage`` with its name, who decides and its quorum. From then on the version follows that
frozen list, whatever happens to the workflow: an edit in the admin changes what the *next*
submission needs, never strands or publishes a version already with the board. ``replan`` (an
admin action) moves a pending version onto the current workflow, keeping approvals only for
stages that still exist.

The rules, read by ``workflow.check`` and ``workflow.approve`` under the article's row lock:

- approvals count only at the version's current stage, and only from people allowed to decide
  there (``refusal``); a stage with nobody named is open to any board member;
- a stage is complete when it has its quorum of distinct approvers; the version then waits at
  the next stage, and is approved (published by ``workflow.approve``) only after the last;
- a person who approved one stage of a version may not approve another stage of it, unless
  that stage says "earlier approvers may approve";
- with no workflow configured, or none of its stages applying, a version gets one stage,
  "Medical review": any board member, ``EDITORIAL_REQUIRED_APPROVALS`` approvals (today's rule).
"""

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from articles.models import DEFAULT_STAGE_NAME, ReviewDecision, Revision, RevisionStage, Stage, Workflow

FROZEN_FIELDS = ("name", "credit", "group_id", "specialty_id", "allow_earlier_approvers")


def site_quorum() -> int:
    return max(1, settings.EDITORIAL_REQUIRED_APPROVALS)


def active_workflow() -> Workflow | None:
    return Workflow.objects.filter(is_active=True).first()


def applies(stage: Stage, snapshot: dict) -> bool:
    """Whether ``stage``'s rule takes in a version with this content (its topic and flags)."""
    if stage.applies_to == Stage.AppliesTo.TOPICS:
        return snapshot.get("specialty_id") in {topic.pk for topic in stage.topics.all()}
    if stage.applies_to == Stage.AppliesTo.FLAG:
        return stage.flag is not None and stage.flag.slug in (snapshot.get("flags") or [])
    return True


def plan(snapshot: dict, workflow: Workflow | None = None) -> list[RevisionStage]:
    """The stages (unsaved, numbered from 1) a version with this content goes through now."""
    workflow = workflow or active_workflow()
    chosen = []
    if workflow is not None:
        configured = workflow.stages.select_related("flag", "group", "specialty").prefetch_related("topics")
        chosen = [stage for stage in configured.order_by("position", "pk") if applies(stage, snapshot)]
    if not chosen:
        return [RevisionStage(position=1, name=DEFAULT_STAGE_NAME, required_approvals=site_quorum())]
    return [
        RevisionStage(
            position=number,
            required_approvals=max(1, stage.required_approvals or site_quorum()),
            **{field: getattr(stage, field) for field in FROZEN_FIELDS},
        )
        for number, stage in enumerate(chosen, start=1)
    ]


def freeze(revision: Revision, planned: list[RevisionStage], *, first: int = 1) -> list[RevisionStage]:
    """Store ``planned`` as ``revision``'s stages, numbered from ``first``; the version waits at the first."""
    for offset, stage in enumerate(planned):
        stage.revision = revision
        stage.position = first + offset
    RevisionStage.objects.bulk_create(planned)
    revision.current_stage = first
    revision.save(update_fields=["current_stage"])
    return planned


def stages_of(revision: Revision) -> list[RevisionStage]:
    """``revision``'s stages in play, in order. A version submitted before stages existed has none
    stored: it is shown (and, once decided on, frozen by ``ensure_frozen``) as the default stage."""
    frozen = [s for s in revision.stages.all() if s.superseded_at is None]
    if frozen:
        return sorted(frozen, key=lambda s: s.position)
    return [default_stage(revision)]


def default_stage(revision: Revision) -> RevisionStage:
    return RevisionStage(revision=revision, position=1, name=DEFAULT_STAGE_NAME, required_approvals=site_quorum())


def ensure_frozen(revision: Revision) -> list[RevisionStage]:
    """``stages_of``, stored: call under the article's row lock before recording a stage decision."""
    stages = stages_of(revision)
    if stages[0].pk is None:
        return freeze(revision, stages, first=revision.current_stage)
    return stages


def current(revision: Revision) -> RevisionStage:
    """The stage ``revision`` waits at (the last one once all are complete)."""
    stages = stages_of(revision)
    return next((s for s in stages if s.position == revision.current_stage), stages[-1])


def next_stage(revision: Revision, stage: RevisionStage) -> RevisionStage | None:
    return next((s for s in stages_of(revision) if s.position > stage.position), None)


def approvers_at(revision: Revision, position: int) -> set[int]:
    """Ids of the people who approved ``revision`` at stage ``position``."""
    return set(revision.approvals().filter(stage=position).values_list("reviewer", flat=True))


def refusal(stage: RevisionStage, user) -> str | None:
    """Why ``user`` may not decide at ``stage`` (``None``: they may). Board membership and the
    review permission are checked by the workflow before this."""
    if stage.group_id and not user.groups.filter(pk=stage.group_id).exists():
        return _needs(stage)
    if stage.specialty_id:
        profile = getattr(user, "board_profile", None)
        if profile is None or profile.specialty_id != stage.specialty_id:
            return _needs(stage)
    return None


def _needs(stage: RevisionStage) -> str:
    return f"This stage ({stage.name}) needs {stage.deciders()}; you cannot decide at it."


def earlier_approval(revision: Revision, stage: RevisionStage, user) -> RevisionStage | None:
    """The earlier stage of ``revision`` that ``user`` approved, if that bars them from ``stage``."""
    if stage.allow_earlier_approvers:
        return None
    for earlier in stages_of(revision):
        if earlier.position < stage.position and user.pk in approvers_at(revision, earlier.position):
            return earlier
    return None


# --- Where a version stands ------------------------------------------------------------


class Progress:
    """Each stage of a version with its approvals: "Clinical review 1 of 1 ✓ · Pharmacist sign-off 0 of 1"."""

    def __init__(self, revision: Revision, stages: list[RevisionStage], counts: dict[int, int]):
        self.revision = revision
        self.rows = [
            {
                "stage": stage,
                "count": counts.get(stage.position, 0),
                "needed": stage.required_approvals,
                "done": stage.is_complete,
                "current": stage.position == revision.current_stage and not stage.is_complete,
            }
            for stage in stages
        ]

    @property
    def current(self):
        return next((row for row in self.rows if row["current"]), None)

    def __str__(self):
        return " · ".join(
            f"{row['stage'].name} {row['count']} of {row['needed']}{' ✓' if row['done'] else ''}" for row in self.rows
        )


def progress(revision: Revision) -> Progress:
    counts = dict(
        revision.approvals()
        .order_by()
        .values_list("stage")
        .annotate(people=Count("reviewer", distinct=True))
        .values_list("stage", "people")
    )
    return Progress(revision, stages_of(revision), counts)


def progress_of_many(revisions: list[Revision]) -> dict[int, Progress]:
    """``progress`` of many versions in two queries (the queue's column)."""
    ids = [r.pk for r in revisions]
    counts = {}
    rows = (
        ReviewDecision.objects.filter(revision__in=ids, decision="approve")
        .order_by()
        .values_list("revision", "stage")
        .annotate(people=Count("reviewer", distinct=True))
    )
    for revision_id, stage, people in rows:
        counts.setdefault(revision_id, {})[stage] = people
    frozen = {}
    for stage in RevisionStage.objects.filter(revision__in=ids, superseded_at__isnull=True).order_by("position"):
        frozen.setdefault(stage.revision_id, []).append(stage)
    result = {}
    for revision in revisions:
        stages = frozen.get(revision.pk) or [default_stage(revision)]
        result[revision.pk] = Progress(revision, stages, counts.get(revision.pk, {}))
    return result


def waiting_for(user) -> Q:
    """A filter on articles: those whose version with the board waits at a stage ``user`` may decide at
    (their own authorship and board membership aside: the review screen says those)."""
    specialty = getattr(getattr(user, "board_profile", None), "specialty_id", None)
    allowed = (Q(group__isnull=True) | Q(group__in=user.groups.all())) & (
        Q(specialty__isnull=True) | Q(specialty=specialty)
    )
    in_play = RevisionStage.objects.filter(revision=OuterRef("pending_revision"), superseded_at__isnull=True)
    at_stage = in_play.filter(allowed, position=OuterRef("pending_revision__current_stage"))
    # A version submitted before stages existed waits at the default stage: any board member.
    return Q(pending_revision__isnull=False) & (Exists(at_stage) | ~Exists(in_play))


# --- Re-planning -------------------------------------------------------------------------


def replan(revision: Revision, workflow: Workflow | None = None) -> tuple[list[RevisionStage], list[str], list[str]]:
    """Move a pending version onto the current workflow's stages; return (stages, kept, dropped).

    Approvals are kept only for stages of the same name in the new plan; the old stages stay on
    record, superseded. Stages the kept approvals satisfy are complete, except the last: a
    re-plan never approves a version (someone still decides at its last stage).
    """
    old = [s for s in stages_of(revision) if s.pk is not None]
    now = timezone.now()
    planned = plan(revision.snapshot(), workflow)
    first = max((s.position for s in revision.stages.all()), default=0) + 1
    RevisionStage.objects.filter(pk__in=[s.pk for s in old]).update(superseded_at=now)
    freeze(revision, planned, first=first)
    by_name = {s.name: s for s in planned}
    kept, dropped = [], []
    old_positions = [s.position for s in old] or [revision.current_stage]
    for stage_name, position in [(s.name, s.position) for s in old] or [(DEFAULT_STAGE_NAME, old_positions[0])]:
        approvals = revision.approvals().filter(stage=position)
        if not approvals.exists():
            continue
        target = by_name.get(stage_name)
        if target is None:
            dropped.append(stage_name)
            continue
        approvals.update(stage=target.position)
        kept.append(stage_name)
    for stage in planned[:-1]:
        if len(approvers_at(revision, stage.position)) < stage.required_approvals:
            break
        stage.completed_at = now
        stage.save(update_fields=["completed_at"])
        revision.current_stage = stage.position + 1
    revision.save(update_fields=["current_stage"])
    return planned, kept, dropped
