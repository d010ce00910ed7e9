"""Random sequences of steps by random people never break the workflow's promises.

A hypothesis state machine lets editors, a board member who also edits, other board
members and a superuser try any step on two articles in any order; refusals are part of
the game. After every step: readers see exactly the last approved version; every
published version has enough approvals and none from its authors; history only grows;
nothing is deleted; an archived article is not public.
"""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.test.client import ClientHandler
from hypothesis import HealthCheck, event
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from articles.models import Article, Reference, ReviewDecision, Revision, hash_content
from articles.review import editing, workflow

from . import factories

S = Article.Status
REFUSALS = (PermissionDenied, workflow.WorkflowError, ValidationError)

PEOPLE = ["editor", "other_editor", "board_editor", "board_1", "board_2", "board_3", "superuser"]
STEPS = [
    "edit_content",
    "edit_references",
    "submit",
    "withdraw",
    "start_review",
    "approve",
    "request_changes",
    "claim",
    "confirm_current",
    "archive",
    "restore",
    "restore_version",
]
# A small choice of texts, so edits sometimes return to the published text.
BODIES = ["Some text [1].", "Other text [1].", "Third text [1]."]
REFERENCE_TITLES = ["A study 1", "A newer study", "A guideline"]

# What an article's state invites next (the happy paths, with their detours).
NEXT = {
    S.DRAFT: ["edit_content", "edit_references", "submit", "submit"],
    S.CHANGES_REQUESTED: ["edit_content", "submit", "restore_version"],
    S.SUBMITTED: ["start_review", "start_review", "withdraw"],
    S.IN_REVIEW: ["approve", "approve", "approve", "request_changes", "withdraw"],
    S.APPROVED: ["edit_content", "edit_references", "claim", "confirm_current", "request_changes", "archive"],
    S.ARCHIVED: ["restore"],
}
ANYONE = st.sampled_from(PEOPLE)
WRITERS = st.sampled_from(["editor", "other_editor", "board_editor", "superuser"])
REVIEWERS = st.sampled_from(["board_editor", "board_1", "board_2", "superuser"])
ARTICLES = st.sampled_from([0, 1])
CHOICES = st.integers(min_value=0, max_value=2)

# Middleware (whitenoise scans the static files) is built once, not once per example.
HANDLER = ClientHandler(enforce_csrf_checks=False)


class EditorialMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Every example starts from the same clean database: its writes are rolled back at teardown.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        cache.clear()
        self.users = {
            "editor": factories.editor(username="editor"),
            "other_editor": factories.editor(username="other_editor"),
            "board_1": factories.reviewer(username="board_1"),
            "board_2": factories.reviewer(username="board_2"),
            "board_3": factories.reviewer(username="board_3"),
        }
        both = factories.UserFactory(username="board_editor", groups=["Editors", "Medical Advisory Board"])
        factories.BoardMemberFactory(user=both)
        superuser = factories.superuser(username="superuser")
        factories.BoardMemberFactory(user=superuser)  # may approve, like a board member
        for user in (both, superuser):
            self.users[user.username] = get_user_model().objects.get(pk=user.pk)
        editor = self.users["editor"]
        self.articles = [
            factories.make_article(author=editor, slug="first", title="Is coffee bad for you?").pk,
            factories.make_article(author=editor, slug="second", title="What causes headaches?").pk,
        ]
        self.client = Client()
        self.client.handler = HANDLER
        self.history = {}  # (model, history id) -> the row as first seen
        self.ids = {Article: set(), Revision: set(), ReviewDecision: set()}
        self.approved = {}  # revision id -> (content hash, approved at) when first seen approved

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- Steps --------------------------------------------------------------------

    def attempt(self, step, who, which, choice=0):
        """Take ``step`` as ``who``; a refusal is a legitimate outcome and changes nothing."""
        user = get_user_model().objects.get(pk=self.users[who].pk)
        article = Article.objects.get(pk=self.articles[which])
        try:
            self.take(step, article, user, choice)
        except REFUSALS as refusal:
            event(f"{step}: refused ({type(refusal).__name__})")
        else:
            event(f"{step}: done")

    @rule(which=ARTICLES, writer=WRITERS, reviewer=REVIEWERS, pick=st.integers(min_value=0, max_value=11))
    def advance(self, which, writer, reviewer, pick):
        """Take a step the article's state invites, so that long stories happen: by a writer or a
        reviewer, either of whom may be the board member or superuser who also wrote the text."""
        status = Article.objects.values_list("status", flat=True).get(pk=self.articles[which])
        step = NEXT[status][pick % len(NEXT[status])]
        who = reviewer if step in ("start_review", "approve", "request_changes", "claim", "confirm_current") else writer
        self.attempt(step, who, which, pick % 3)

    @rule(who=ANYONE, which=ARTICLES, step=st.sampled_from(STEPS), choice=CHOICES)
    def anyone_tries_anything(self, who, which, step, choice):
        self.attempt(step, who, which, choice)

    def take(self, step, article, user, choice):
        if step == "edit_content":
            article.body = BODIES[choice]
            editing.save_content(article, user=user, reason="Edited")
        elif step == "edit_references":
            # As the admin's reference inline does: only with permission, recorded in the same transaction.
            if not user.has_perm("articles.change_reference"):
                raise PermissionDenied
            with transaction.atomic():
                reference = article.references.order_by("number").first()
                reference.title = REFERENCE_TITLES[choice]
                reference._history_user = user
                reference.save()
                editing.references_changed(article, user=user, reason="References edited")
        elif step == "restore_version":
            revision = article.revisions.filter(number=choice + 1).first()
            if revision is None:
                raise workflow.WorkflowError("No such version.")
            editing.restore_version(article, revision, user=user)
        elif step == "request_changes":
            workflow.request_changes(
                article,
                user=user,
                revision=factories.under_decision("request_changes", article),
                comment="Cite the guideline.",
            )
        elif step == "archive":
            workflow.archive(article, user=user, reason="Superseded.")
        elif step in ("approve", "confirm_current"):
            workflow.run(
                step, article, user=user, **factories.naming_the_version(step, article), comment="Looks right."
            )
        else:
            workflow.run(step, article, user=user, **factories.naming_the_version(step, article))

    @rule(which=st.sampled_from([0, 1]))
    def reader_visits(self, which):
        """The public page shows the published version, or nothing at all."""
        article = Article.objects.select_related("published_revision").get(pk=self.articles[which])
        response = self.client.get(f"/articles/{article.slug}/")
        html = response.content.decode()
        live = article.published_revision
        working = article.body.split(" [")[0]
        if Article.objects.public().filter(pk=article.pk).exists():
            assert response.status_code == 200
            assert live.body.split(" [")[0] in html
            if working != live.body.split(" [")[0]:
                assert working not in html  # the draft in progress stays private
        else:
            assert response.status_code in (404, 410)
            assert working not in html

    # --- Invariants -----------------------------------------------------------------

    @invariant()
    def readers_see_the_last_approved_version(self):
        public = set(Article.objects.public().values_list("pk", flat=True))
        for article in Article.objects.select_related("published_revision"):
            if article.status == S.ARCHIVED:
                assert article.pk not in public
            if article.pk not in public:
                continue
            live = article.published_revision
            last = article.revisions.filter(approved_at__isnull=False).order_by("-approved_at", "-number").first()
            assert live == last
            assert hash_content(live.snapshot()) == live.content_hash

    @invariant()
    def published_versions_have_a_quorum_without_their_authors(self):
        required = django_settings.EDITORIAL_REQUIRED_APPROVALS  # the setting, not the code under test
        for revision in Revision.objects.prefetch_related("authors"):
            authors = {user.pk for user in revision.authors.all()}
            deciders = set(revision.decisions.values_list("reviewer", flat=True))
            assert not deciders & authors, "an author decided on their own version"
            if revision.approved_at is None:
                continue
            approvers = set(revision.approvals().values_list("reviewer", flat=True))
            assert len(approvers) >= required
            # Approval is pinned to the content: an approved version never changes afterwards.
            seen = self.approved.setdefault(revision.pk, (revision.content_hash, revision.approved_at))
            assert seen == (revision.content_hash, revision.approved_at)
            assert hash_content(revision.snapshot()) == revision.content_hash

    @invariant()
    def history_only_grows(self):
        for model in (Article.history.model, Reference.history.model):
            rows = {row["history_id"]: row for row in model.objects.values()}
            for history_id, row in list(self.history.items()):
                if history_id[0] is model:
                    assert rows.get(history_id[1]) == row, "a history row changed or vanished"
            for history_id, row in rows.items():
                self.history.setdefault((model, history_id), row)

    @invariant()
    def nothing_is_deleted(self):
        for model, seen in self.ids.items():
            now = set(model.objects.values_list("pk", flat=True))
            assert seen <= now
            self.ids[model] = now


@pytest.mark.django_db
@pytest.mark.parametrize("required_approvals", [1, 2])
def test_random_steps_keep_the_workflow_promises(settings, required_approvals):
    settings.EDITORIAL_REQUIRED_APPROVALS = required_approvals
    run_state_machine_as_test(
        EditorialMachine,
        settings=hypothesis_settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
