"""Assigning named board members to review queue items, and releasing them.

The workflow's companion for "who reviews this": the rules (who may assign whom, who may
release) are checked here, inside the service, whatever screen calls it. Assignments do
not change an article's status; claims (``workflow.start_review``/``claim``) still say who
is handling it now. An assignment ends when its reviewer (or someone who may assign)
releases it, or by itself when the item leaves the queue (decided, withdrawn, archived:
``steps.save``).
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from articles.models import Article, ReviewAssignment, person_name

from . import board, notifications, steps

ASSIGN_PERMISSION = "articles.assign_reviewers"


@dataclass(frozen=True)
class Candidate:
    """A board member who may be assigned, with what helps choose: specialty and open load."""

    user: object
    matches_specialty: bool
    open_load: int

    @property
    def label(self) -> str:
        profile = self.user.board_profile
        specialty = profile.specialty.name if profile.specialty_id else "no specialty"
        match = " (matches this article)" if self.matches_specialty else ""
        reviews = "review" if self.open_load == 1 else "reviews"
        return f"{profile.name_with_credentials} · {specialty}{match} · {self.open_load} open {reviews}"


def may_assign(user) -> bool:
    """Board members assign reviewers and release others' claims; one who has left no longer does."""
    return user.has_perm(ASSIGN_PERMISSION) and board.holds_board_powers(user)


def _board_users():
    """Active users with a board profile who may review, directly, through a group or as superuser."""
    perm = Q(groups__permissions__codename="review_article") | Q(user_permissions__codename="review_article")
    ids = (
        get_user_model()
        .objects.filter(is_active=True, board_profile__is_active=True)
        .filter(perm | Q(is_superuser=True))
        .values("pk")
    )
    return get_user_model().objects.filter(pk__in=ids).select_related("board_profile__specialty")


def open_loads(user_ids) -> dict[int, int]:
    """Count, per user, the queue items they are assigned to or have claimed (each item once)."""
    queue = Article.objects.review_queue().order_by().values("pk")
    items = {pk: set() for pk in user_ids}
    assigned = ReviewAssignment.objects.open().filter(reviewer__in=user_ids, article__in=queue)
    for reviewer_id, article_id in assigned.values_list("reviewer_id", "article_id"):
        items[reviewer_id].add(article_id)
    claimed = Article.objects.filter(pk__in=queue, claimed_by__in=user_ids)
    for reviewer_id, article_id in claimed.values_list("claimed_by_id", "pk"):
        items[reviewer_id].add(article_id)
    return {pk: len(articles) for pk, articles in items.items()}


def candidates(article: Article) -> list[Candidate]:
    """Return who may be assigned to ``article``: matching specialty first, then the least loaded.

    Authors of the version under review are left out: they could not review it (four-eyes rule).
    """
    revision = steps.revision_under_decision("approve", article)
    authors = set(revision.authors.values_list("pk", flat=True)) if revision else set()
    users = [u for u in _board_users() if u.pk not in authors]
    loads = open_loads([u.pk for u in users])
    found = [Candidate(u, u.board_profile.specialty_id == article.specialty_id, loads.get(u.pk, 0)) for u in users]
    return sorted(found, key=lambda c: (not c.matches_specialty, c.open_load, c.user.board_profile.display_name))


def open_assignments(article: Article):
    return article.assignments.open().select_related("reviewer__board_profile", "assigned_by")


def _who(user) -> str:
    profile = getattr(user, "board_profile", None)
    return profile.display_name if profile else person_name(user)


def assign(article: Article, *, user, reviewers, seen: str | None = None) -> list[ReviewAssignment]:
    """Ask ``reviewers`` by name to review ``article``; email each of them.

    Refused unless ``user`` may assign, the article waits in the queue, and every reviewer
    is an active board member who did not write the version under review.
    """
    if not may_assign(user):
        raise PermissionDenied("You do not have permission to assign reviewers.")
    reviewers = list(reviewers)
    if not reviewers:
        raise ValidationError({"reviewers": "Choose at least one reviewer."}, code="required")
    with transaction.atomic():
        article = steps.lock(article)
        steps.require_unchanged(article, seen, user)
        if not steps.in_queue(article):
            raise steps.WorkflowError("Only articles waiting in the review queue can be assigned.")
        eligible = {c.user.pk for c in candidates(article)}
        refused = [_who(r) for r in reviewers if r.pk not in eligible]
        if refused:
            raise ValidationError(
                {
                    "reviewers": f"Cannot assign {', '.join(refused)}: only active board members who did not "
                    "write this version can review it."
                },
                code="ineligible",
            )
        already = set(open_assignments(article).values_list("reviewer_id", flat=True))
        new = [r for r in reviewers if r.pk not in already]
        if not new:
            raise steps.WorkflowError("Everyone you chose is already assigned to this article.")
        created = []
        for reviewer in new:
            assignment = ReviewAssignment(article=article, reviewer=reviewer, assigned_by=user)
            assignment._history_user = user
            assignment._change_reason = f"Assigned by {_who(user)}"
            assignment.save()
            created.append(assignment)
        names = ", ".join(_who(r) for r in new)
        steps.save(article, user=user, reason=f"Assigned to {names} by {_who(user)}", public=False, event="assign")
    transaction.on_commit(lambda: notifications.assigned(article, created))
    return created


def release(article: Article, *, user, reviewer, seen: str | None = None) -> ReviewAssignment:
    """End ``reviewer``'s assignment to ``article``: their own choice, or that of someone who may assign."""
    if not user.is_active or (user.pk != reviewer.pk and not may_assign(user)):
        raise PermissionDenied("You can release only your own assignment.")
    with transaction.atomic():
        article = steps.lock(article)
        steps.require_unchanged(article, seen, user)
        assignment = article.assignments.open().filter(reviewer=reviewer).first()
        if assignment is None:
            raise steps.WorkflowError(f"{_who(reviewer)} is not assigned to this article.")
        who = "themselves" if user.pk == reviewer.pk else f"by {_who(user)}"
        reason = f"Assignment of {_who(reviewer)} released {who}"
        steps.end_assignment(assignment, user=user, reason=reason)
        steps.save(article, user=user, reason=reason, public=False, event="release_assignment")
    return assignment
