"""The ``Generator``: writes each planned article's story as the workflow would have, in bulk batches."""

from datetime import timedelta
from functools import partial
from random import Random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone
from django.utils.text import slugify

from articles.models import (
    Article,
    BoardMember,
    ReviewDecision,
    Revision,
    Specialty,
    hash_content,
)
from articles.review import workflow

from . import extras, text
from .plans import DAY, LIVE_STATES, STATES, Plan, S


class Generator:
    def __init__(self, counts: dict, *, seed: int, batch_size: int):
        self.counts = counts
        self.rng = Random(seed)
        self.batch_size = batch_size
        self.now = timezone.now()
        self.approvals_needed = workflow.required_approvals()

    def run(self) -> dict:
        self.editors, self.reviewers = self._people()
        self.specialties = self._specialties()
        plans = [self._plan() for _ in range(self.counts["articles"])]
        self._distribute(plans)
        history, decisions = [], []
        for plan, article_id in zip(plans, self._ids(Article, len(plans)), strict=True):
            self._build(plan, article_id, history, decisions)
        revisions = [revision for plan in plans for revision in plan.revisions]
        for revision, revision_id in zip(revisions, self._ids(Revision, len(revisions)), strict=True):
            revision.pk = revision_id
        for plan in plans:  # the article row points at its revisions, known only now
            article = plan.article
            article.pending_revision_id = article.pending_revision.pk if article.pending_revision else None
            article.published_revision_id = article.published_revision.pk if article.published_revision else None
        for row in history:
            row.pending_revision_id = row.pending_revision.pk if row.pending_revision else None
            row.published_revision_id = row.published_revision.pk if row.published_revision else None
        for decision in decisions:
            decision.revision_id = decision.revision.pk
        history = self._trim(history, self.counts["history"], keep_ends_of=lambda row: row.id)
        decisions = self._trim(decisions, self.counts["decisions"])

        self._insert(Article, [plan.article for plan in plans])
        self._insert(Revision, revisions)
        self._insert(
            Revision.authors.through,
            [Revision.authors.through(revision_id=r.pk, user_id=r.submitted_by_id) for r in revisions],
        )
        self._insert(HistoricalArticle, history)
        self._insert(ReviewDecision, decisions)
        references = extras.references(self, plans)
        questions = extras.questions(self, plans)
        self._reset_sequences()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics after a bulk load
        return {
            "articles": len(plans),
            "revisions": len(revisions),
            "history rows": len(history),
            "review decisions": len(decisions),
            "references": len(references),
            "questions": len(questions),
        }

    # --- Who and where ---------------------------------------------------------------

    def _people(self):
        User = get_user_model()
        editors = list(User.objects.filter(groups__name="Editors", is_active=True).order_by("pk")[:5])
        if not editors:
            group = Group.objects.filter(name="Editors").first()
            for n in range(1, 4):
                user, created = User.objects.get_or_create(
                    username=f"synthetic-editor-{n}", defaults={"is_staff": True, "first_name": f"Editor {n}"}
                )
                if created:
                    user.set_unusable_password()
                    user.save()
                    if group:
                        user.groups.add(group)
                editors.append(user)
        members = list(BoardMember.objects.filter(is_active=True).select_related("user").order_by("pk"))
        if len(members) < max(3, self.approvals_needed):
            group = Group.objects.filter(name="Medical Advisory Board").first()
            for n in range(1, 7):
                user, created = User.objects.get_or_create(
                    username=f"synthetic-reviewer-{n}", defaults={"is_staff": True}
                )
                if created:
                    user.set_unusable_password()
                    user.save()
                    if group:
                        user.groups.add(group)
                member, _ = BoardMember.objects.get_or_create(
                    user=user,
                    defaults={
                        "display_name": f"Dr Synthetic Reviewer {n}",
                        "slug": f"synthetic-reviewer-{n}",
                        "credentials": "MD",
                        "conflicts_of_interest": "None declared.",
                    },
                )
                if member not in members:
                    members.append(member)
        return editors, members

    def _specialties(self) -> dict:
        result = {}
        for name in text.TOPICS:
            slug = slugify(name)
            result[name] = Specialty.objects.filter(slug=slug).first() or Specialty.objects.create(name=name, slug=slug)
        return result

    # --- Planning ----------------------------------------------------------------------

    def _plan(self) -> Plan:
        rng = self.rng
        state = rng.choices(list(STATES), weights=list(STATES.values()))[0]
        topic = rng.choice(list(text.TOPICS))
        approved = 0
        if state in LIVE_STATES or state == "archived":
            approved = rng.choices([1, 2, 3, 4], weights=[50, 30, 15, 5])[0]
        return Plan(
            state=state,
            topic=topic,
            content=text.article(rng, topic),
            approved_versions=approved,
            rejected_before=[rng.random() < 0.2 for _ in range(approved)],
            pending=state not in ("approved", "archived", "draft"),
        )

    def _distribute(self, plans: list) -> None:
        """Spread the decisions and history rows the stories do not use as re-reviews and edits."""
        baseline_decisions = sum(
            p.approved_versions * self.approvals_needed + sum(p.rejected_before) + (p.state == "changes_requested")
            for p in plans
        )
        live = [p for p in plans if p.state in LIVE_STATES]
        for plan in self.rng.choices(live, k=max(0, self.counts["decisions"] - baseline_decisions)) if live else []:
            plan.confirmations += 1
        baseline_history = sum(self._baseline_history(p) for p in plans)
        for plan in self.rng.choices(plans, k=max(0, self.counts["history"] - baseline_history)) if plans else []:
            plan.extra_edits += 1

    def _baseline_history(self, p: Plan) -> int:
        """History rows the story itself writes, before any extra edits."""
        rows = 1 + p.approved_versions * (2 + self.approvals_needed) + 4 * sum(p.rejected_before) + p.confirmations
        if p.pending:
            rows += {"submitted": 1, "update_submitted": 1, "changes_requested": 3}.get(p.state, 2)
        return rows + (p.state == "archived")

    def _ids(self, model, count: int) -> range:
        # Ids are chosen here so rows can point at each other before they are inserted.
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        return range(last + 1, last + 1 + count)

    # --- Building one article's rows --------------------------------------------------------

    def _build(self, plan: Plan, article_id: int, history: list, decisions: list) -> None:
        rng, content, now = self.rng, plan.content, self.now
        editor = rng.choice(self.editors)
        live = plan.state in LIVE_STATES
        # Count back from the last review so most live articles are not yet due again.
        if live:
            overdue = rng.random() < 0.04
            last_reviewed = now - DAY * (rng.uniform(335, 420) if overdue else rng.uniform(1, 330))
            last_approval = last_reviewed - DAY * 365 * plan.confirmations
        else:
            last_approval = now - DAY * rng.uniform(20, 900)
        total = plan.approved_versions + sum(plan.rejected_before) + plan.pending
        # Approved versions half a year or so apart, the last one at ``last_approval``.
        approved_at = [
            last_approval - DAY * 200 * (plan.approved_versions - 1 - v) for v in range(plan.approved_versions)
        ]
        first_submit = (approved_at[0] if approved_at else last_approval) - DAY * rng.uniform(60, 90)
        created = first_submit - DAY * rng.uniform(1, 3) * (plan.extra_edits + 1)
        if plan.state == "draft":
            created = now - DAY * rng.uniform(2, 400)
        article = Article(
            pk=article_id,
            title=content["title"],
            slug=f"{slugify(content['title'])[:180]}-{article_id}",
            specialty=self.specialties[plan.topic],
            summary=content["summary"],
            body=content["body"],
            professional_summary=content["professional_summary"],
            professional_body=content["professional_body"],
            status=S.DRAFT,
            created_by=editor,
            created_at=created,
        )
        article.pending_revision = article.published_revision = None
        article._synthetic_references = content["references"]
        plan.article = article
        record = partial(self._record, history, article)
        # Drafting: the first save, then the editors' edits before the first submission.
        record(created, editor, "+", "Created")
        if total > 1:
            article.summary = content["summary"].split(". ")[0].rstrip(".") + "."  # the first wording
        step = ((first_submit if total else now) - created) / (plan.extra_edits + 1)
        for n in range(1, plan.extra_edits + 1):
            record(created + step * n, editor, "~", rng.choice(text.EDIT_REASONS))

        def submit(at, kind):
            number = len(plan.revisions) + 1
            if number == total:
                article.summary = content["summary"]  # the wording that stands
            revision = self._revision(article, number, kind, editor, at)
            plan.revisions.append(revision)
            article.pending_revision, article.status = revision, S.SUBMITTED
            record(at, editor, "~", f"Submitted version {number} for review")
            return revision

        def start_review(at, member):
            article.status, article.claimed_by, article.claimed_at = S.IN_REVIEW, member.user, at
            record(at, member.user, "~", f"Review started by {member.user.get_username()}")

        def reject(at, revision, member):
            comment, reason = rng.choice(text.COMMENTS), rng.choice(ReviewDecision.Reason.values)
            decision = self._decision(article, revision, member, ReviewDecision.Decision.REQUEST_CHANGES, at)
            decision.reason, decision.comment = reason, comment
            decisions.append(decision)
            article.status, article.pending_revision = S.CHANGES_REQUESTED, None
            article.claimed_by = article.claimed_at = None
            record(at, member.user, "~", f"Changes requested ({decision.get_reason_display()}): {comment}")

        for version, at in enumerate(approved_at):
            kind = Revision.Kind.UPDATE if article.published_revision else Revision.Kind.FIRST
            if plan.rejected_before[version]:
                sent = at - DAY * rng.uniform(50, 60)
                revision = submit(sent, kind)
                member = rng.choice(self.reviewers)
                start_review(sent + DAY * rng.uniform(0.1, 2), member)
                reject(sent + DAY * rng.uniform(3, 6), revision, member)
                record(sent + DAY * rng.uniform(8, 20), editor, "~", "Addressed the board's comments")
            sent = at - DAY * rng.uniform(3, 20)
            revision = submit(sent, kind)
            approvers = rng.sample(self.reviewers, self.approvals_needed)
            start_review(sent + DAY * rng.uniform(0.1, 2), approvers[0])
            for n, member in enumerate(approvers, start=1):
                when = at + timedelta(minutes=5 * (n - 1))
                decisions.append(self._decision(article, revision, member, ReviewDecision.Decision.APPROVE, when))
                reason = f"Approved version {revision.number} ({n} of {len(approvers)} approvals)"
                if n == len(approvers):
                    revision.approved_at = when
                    article.published_revision, article.pending_revision, article.status = revision, None, S.APPROVED
                    article.claimed_by = article.claimed_at = None
                    article.last_reviewed_at, article.next_review_due = when, when + workflow.review_interval()
                    reason += ": published"
                record(when, member.user, "~", reason)
        for n in range(1, plan.confirmations + 1):
            at = last_approval + DAY * 365 * n
            member = rng.choice(self.reviewers)
            decisions.append(
                self._decision(article, article.published_revision, member, ReviewDecision.Decision.CONFIRM_CURRENT, at)
            )
            article.last_reviewed_at, article.next_review_due = at, at + workflow.review_interval()
            record(at, member.user, "~", f"Re-reviewed by {member.user.get_username()}: still accurate")
        # What happened last: a version with the board now, or a withdrawal.
        since = article.last_reviewed_at or first_submit
        if plan.pending:
            kind = Revision.Kind.UPDATE if article.published_revision else Revision.Kind.FIRST
            sent = first_submit if not article.published_revision else since + (now - since) * rng.uniform(0.3, 0.8)
            revision = submit(sent, kind)
            if plan.state in ("in_review", "update_in_review", "changes_requested"):
                member = rng.choice(self.reviewers)
                started = sent + (now - sent) * rng.uniform(0.1, 0.5)
                start_review(started, member)
                if plan.state == "changes_requested":
                    reject(started + (now - started) * 0.5, revision, member)
        if plan.state == "archived":
            article.status, article.published_revision = S.ARCHIVED, None
            record(since + (now - since) * rng.uniform(0.2, 0.9), editor, "~", "Archived: Superseded by newer advice")

    def _revision(self, article: Article, number: int, kind: str, editor, submitted_at) -> Revision:
        content = {name: getattr(article, name) for name in Article.CONTENT_FIELDS}
        content["references"] = article._synthetic_references
        revision = Revision(
            article_id=article.pk,
            number=number,
            kind=kind,
            content_hash=hash_content(content),
            submitted_by=editor,
            submitted_at=submitted_at,
            **content,
        )
        return revision

    def _decision(self, article, revision, member, decision, at) -> ReviewDecision:
        return ReviewDecision(
            article_id=article.pk,
            revision=revision,
            reviewer=member.user,
            reviewer_name=member.display_name,
            reviewer_credentials=member.credentials,
            reviewer_slug=member.slug,
            decision=decision,
            comment="Accurate and clear." if decision == ReviewDecision.Decision.APPROVE else "",
            created_at=at,
        )

    def _record(self, history: list, article: Article, at, user, kind: str, reason: str) -> None:
        row = HistoricalArticle(
            **{name: getattr(article, name) for name in HISTORY_FIELDS},
            history_date=at,
            history_type=kind,
            history_change_reason=reason[:1000],
            history_user_id=user.pk,
        )
        row.pending_revision, row.published_revision = article.pending_revision, article.published_revision
        history.append(row)

    def _trim(self, rows: list, target: int, *, keep_ends_of=None) -> list:
        """Keep ``target`` rows when the stories need more than asked for (small runs).

        With ``keep_ends_of`` (a row's owner), each owner's first and last rows go last:
        an article's history still starts with its creation and ends in its current state.
        """
        if len(rows) <= target:
            return rows
        ends = set()
        if keep_ends_of:
            first = {}
            for n, row in enumerate(rows):
                first.setdefault(keep_ends_of(row), n)
            last = {keep_ends_of(row): n for n, row in enumerate(rows)}
            ends = set(first.values()) | set(last.values())
        others = [n for n in range(len(rows)) if n not in ends]
        if target >= len(ends):
            keep = ends | set(self.rng.sample(others, target - len(ends)))
        else:
            keep = set(self.rng.sample(sorted(ends), target))
        return [row for n, row in enumerate(rows) if n in keep]

    # --- The rest -------------------------------------------------------------------------

    def _insert(self, model, rows: list) -> None:
        for start in range(0, len(rows), self.batch_size):
            model.objects.bulk_create(rows[start : start + self.batch_size])

    def _reset_sequences(self) -> None:
        # Rows were inserted with chosen ids: move PostgreSQL's sequences past them.
        statements = connection.ops.sequence_reset_sql(no_style(), [Article, Revision])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


HistoricalArticle = Article.history.model  # looked up once: the history manager is costly to reach
HISTORY_FIELDS = [
    f.attname
    for f in HistoricalArticle._meta.fields
    if not f.attname.startswith("history_") and f.attname not in ("pending_revision_id", "published_revision_id")
]
