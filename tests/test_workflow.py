"""The workflow contract: every transition from every state for every role, and its rules."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from articles.models import Article, Reference, ReviewDecision, Revision
from articles.review import editing, workflow

from . import factories

S = Article.Status
STATES = [S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED, S.ARCHIVED]
ROLES = ["author", "other_editor", "reviewer", "superuser_author"]
EDITORS = {"author", "other_editor", "superuser_author"}

# (transition, from state) -> roles allowed. Anything not listed is refused.
ALLOWED = {
    ("submit", S.DRAFT): EDITORS,
    ("submit", S.CHANGES_REQUESTED): EDITORS,
    ("withdraw", S.SUBMITTED): EDITORS,
    ("withdraw", S.IN_REVIEW): EDITORS,
    ("start_review", S.SUBMITTED): {"reviewer"},
    ("approve", S.IN_REVIEW): {"reviewer"},
    ("request_changes", S.IN_REVIEW): {"reviewer"},
    ("request_changes", S.APPROVED): {"reviewer"},
    ("confirm_current", S.APPROVED): {"reviewer"},
    ("claim", S.APPROVED): {"reviewer"},
    **{("archive", state): set(ROLES) for state in STATES if state != S.ARCHIVED},
    ("restore", S.ARCHIVED): set(ROLES),
}
TARGET = {
    "submit": S.SUBMITTED,
    "withdraw": S.DRAFT,
    "start_review": S.IN_REVIEW,
    "approve": S.APPROVED,
    "request_changes": S.CHANGES_REQUESTED,
    "confirm_current": S.APPROVED,
    "claim": S.APPROVED,
    "archive": S.ARCHIVED,
    "restore": S.DRAFT,
}
KWARGS = {
    "request_changes": {"comment": "Cite the 2023 guideline.", "reason": "missing_evidence"},
    "archive": {"reason": "Withdrawn pending rewrite"},
    "submit": {"reason": "Ready"},
}


@pytest.fixture
def people(db):
    su = factories.superuser(username="su_author")
    factories.BoardMemberFactory(user=su)
    return {
        "author": factories.editor(username="author"),
        "other_editor": factories.editor(username="other"),
        "reviewer": factories.reviewer(username="reviewer"),
        "superuser_author": su,
        "claimer": factories.reviewer(username="claimer"),
    }


def article_in(state, people):
    """Build an article in ``state`` whose content both the author and a superuser edited."""
    author, su, claimer = people["author"], people["superuser_author"], people["claimer"]
    article = factories.make_article(author=author)
    article.body = "Edited by the superuser [1]."
    editing.save_content(article, user=su, reason="Superuser edit")
    if state == S.DRAFT:
        return article
    workflow.submit(article, user=author)
    if state == S.SUBMITTED:
        return article
    workflow.start_review(article, user=claimer, revision=factories.under_decision("start_review", article))
    if state == S.IN_REVIEW:
        return article
    if state == S.CHANGES_REQUESTED:
        workflow.request_changes(
            article,
            user=claimer,
            revision=factories.under_decision("request_changes", article),
            comment="Fix it",
            reason="clarity",
        )
        return article
    workflow.approve(article, user=claimer, revision=factories.under_decision("approve", article))
    if state == S.APPROVED:
        return article
    workflow.archive(article, user=author, reason="Old")
    return article


MATRIX = [(t, state, role) for t in workflow.TRANSITIONS for state in STATES for role in ROLES]


@pytest.mark.parametrize(("transition", "state", "role"), MATRIX, ids=["-".join(map(str, m)) for m in MATRIX])
def test_transition_matrix(people, transition, state, role):
    article = article_in(state, people)
    assert article.status == state
    user = people[role]
    history_before = article.history.count()
    decisions_before = ReviewDecision.objects.count()

    if role in ALLOWED.get((transition, state), set()):
        assert workflow.allowed(transition, article, user)
        workflow.run(
            transition,
            article,
            user=user,
            **factories.naming_the_version(transition, article),
            **KWARGS.get(transition, {}),
        )
        article.refresh_from_db()
        assert article.status == TARGET[transition]
        latest = article.history.first()
        assert latest.history_user == user
        assert latest.history_change_reason
    else:
        assert not workflow.allowed(transition, article, user)
        with pytest.raises((PermissionDenied, workflow.WorkflowError)):
            workflow.run(
                transition,
                article,
                user=user,
                **factories.naming_the_version(transition, article),
                **KWARGS.get(transition, {}),
            )
        article.refresh_from_db()
        assert article.status == state
        assert article.history.count() == history_before
        assert ReviewDecision.objects.count() == decisions_before


def test_available_transitions_list_only_what_the_user_may_do_now(people):
    article = article_in(S.SUBMITTED, people)
    assert [t.name for t in workflow.available_transitions(article, people["reviewer"])] == ["start_review", "archive"]
    assert [t.name for t in workflow.available_transitions(article, people["author"])] == ["withdraw", "archive"]


def test_author_cannot_approve_their_own_change_even_as_superuser(people):
    article = article_in(S.IN_REVIEW, people)
    with pytest.raises(PermissionDenied, match="four-eyes"):
        workflow.approve(
            article, user=people["superuser_author"], revision=factories.under_decision("approve", article)
        )
    article.refresh_from_db()
    assert article.status == S.IN_REVIEW
    assert not article.is_public()


def test_editing_only_a_reference_makes_you_an_author(author, reviewer, superuser):
    factories.BoardMemberFactory(user=superuser)
    article = factories.make_article(author=author)
    ref = article.references.get()
    ref.title = "Corrected title"
    ref._history_user = superuser
    ref.save()
    revision = workflow.submit(article, user=author)
    assert set(revision.authors.all()) == {author, superuser}


def test_board_member_moving_an_article_along_is_not_an_author(author, reviewer, second_reviewer):
    article = factories.make_article(author=author)
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    workflow.request_changes(
        article,
        user=reviewer,
        revision=factories.under_decision("request_changes", article),
        comment="Clarify dosage",
        reason="clarity",
    )
    article.body = "Clearer text [1]."
    editing.save_content(article, user=author)
    revision = workflow.submit(article, user=author)
    assert list(revision.authors.all()) == [author]
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article))
    assert Article.objects.get(pk=article.pk).status == S.APPROVED


def test_quorum_needs_distinct_approvals(settings, author, reviewer, second_reviewer):
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    article = factories.make_article(author=author)
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article))
    article.refresh_from_db()
    assert article.status == S.IN_REVIEW
    assert not article.is_public()
    with pytest.raises(workflow.WorkflowError, match="already approved"):
        workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article))
    workflow.approve(article, user=second_reviewer, revision=factories.under_decision("approve", article))
    article.refresh_from_db()
    assert article.status == S.APPROVED
    assert article.is_public()
    assert {d.reviewer for d in article.published_revision.approvals()} == {reviewer, second_reviewer}


def test_database_refuses_a_second_approval_by_the_same_reviewer(published, reviewer):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewDecision.objects.create(
            article=published, revision=published.published_revision, reviewer=reviewer, decision="approve"
        )


def test_approvals_are_pinned_to_the_version_reviewed(settings, author, reviewer, second_reviewer):
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    article = factories.make_article(author=author)
    first = workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article))
    workflow.withdraw(article, user=author)
    article.body = "Changed after an approval [1]."
    editing.save_content(article, user=author)
    second = workflow.submit(article, user=author)
    workflow.start_review(article, user=second_reviewer, revision=factories.under_decision("start_review", article))
    workflow.approve(article, user=second_reviewer, revision=factories.under_decision("approve", article))
    article.refresh_from_db()
    # The earlier approval was for other content: one of two approvals on the new version.
    assert article.status == S.IN_REVIEW
    assert first.approvals().count() == 1
    assert second.approvals().count() == 1


def test_content_changed_behind_the_workflow_cannot_be_approved(author, reviewer):
    article = factories.make_article(author=author)
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    Article.objects.filter(pk=article.pk).update(body="Sneaky change [1].")
    with pytest.raises(workflow.WorkflowError, match="changed after it was submitted"):
        workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article))
    assert not Article.objects.get(pk=article.pk).is_public()


@pytest.mark.parametrize("state", [S.SUBMITTED, S.IN_REVIEW])
def test_content_under_review_is_read_only(people, state):
    article = article_in(state, people)
    article.title = "Edited during review"
    with pytest.raises(workflow.WorkflowError, match="read-only"):
        editing.save_content(article, user=people["author"])
    with pytest.raises(workflow.WorkflowError):
        editing.references_changed(article, user=people["author"])
    assert Article.objects.get(pk=article.pk).title != "Edited during review"


def test_archived_article_cannot_be_edited_until_restored(people):
    article = article_in(S.ARCHIVED, people)
    article.title = "New title"
    with pytest.raises(workflow.WorkflowError, match="restore"):
        editing.save_content(article, user=people["author"])


def test_editing_an_approved_article_starts_a_draft_and_keeps_the_approved_version_live(published, author, reviewer):
    live = published.published_revision
    published.body = "A new paragraph [1]."
    editing.save_content(published, user=author, reason="Update")
    published.refresh_from_db()
    assert published.status == S.DRAFT
    assert published.published_revision == live
    assert published.is_public()
    assert Revision.objects.get(pk=live.pk).body == "Some text [1]."

    workflow.submit(published, user=author, **factories.change_note_for(published))
    workflow.start_review(published, user=reviewer, revision=factories.under_decision("start_review", published))
    published.refresh_from_db()
    assert published.published_revision == live
    workflow.approve(published, user=reviewer, revision=factories.under_decision("approve", published))
    published.refresh_from_db()
    assert published.published_revision.body == "A new paragraph [1]."
    assert published.published_revision.kind == Revision.Kind.UPDATE
    assert Revision.objects.get(pk=live.pk).approved_at is not None


def test_saving_an_approved_article_without_changes_keeps_it_approved(published, author):
    editing.save_content(published, user=author)
    assert Article.objects.get(pk=published.pk).status == S.APPROVED


def test_changing_references_of_an_approved_article_starts_a_draft(published, author):
    ref = published.references.get()
    ref.title = "Updated reference"
    ref.save()
    editing.references_changed(published, user=author)
    assert Article.objects.get(pk=published.pk).status == S.DRAFT


def test_undoing_every_edit_returns_an_approved_article_to_approved(published, author):
    original = published.body
    published.body = "A change [1]."
    editing.save_content(published, user=author)
    assert Article.objects.get(pk=published.pk).status == S.DRAFT
    published.body = original
    editing.save_content(published, user=author)
    assert Article.objects.get(pk=published.pk).status == S.APPROVED


def test_resubmitting_the_live_text_unchanged_is_refused(published, author, second_reviewer):
    workflow.request_changes(
        published,
        user=second_reviewer,
        revision=factories.under_decision("request_changes", published),
        comment="Check the new guideline",
        reason="accuracy",
    )
    with pytest.raises(workflow.WorkflowError, match="Nothing has changed"):
        workflow.submit(published, user=author, **factories.change_note_for(published))


def test_withdrawn_and_resubmitted_text_keeps_all_its_authors(author, other_editor, reviewer):
    """Four-eyes: an author cannot launder their text through a withdraw and resubmit."""
    reviewer.groups.add(*other_editor.groups.all())
    reviewer = type(reviewer).objects.get(pk=reviewer.pk)
    article = factories.make_article(author=author)
    article.body = "A paragraph by the reviewer [1]."
    editing.save_content(article, user=reviewer)
    workflow.submit(article, user=author)
    workflow.withdraw(article, user=author)
    revision = workflow.submit(article, user=author)
    assert set(revision.authors.all()) == {author, reviewer}
    with pytest.raises(PermissionDenied, match="four-eyes"):
        workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))


def test_changes_requested_then_fixed_by_someone_else_keeps_the_first_author(author, other_editor, reviewer, db):
    board_editor = factories.reviewer(username="board_editor")
    board_editor.groups.add(*author.groups.all())
    board_editor = type(board_editor).objects.get(pk=board_editor.pk)
    article = factories.make_article(author=board_editor)
    workflow.submit(article, user=board_editor)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    workflow.request_changes(
        article,
        user=reviewer,
        revision=factories.under_decision("request_changes", article),
        comment="Fix a word",
        reason="clarity",
    )
    article.body = "One word fixed [1]."
    editing.save_content(article, user=other_editor)
    revision = workflow.submit(article, user=other_editor)
    assert board_editor in revision.authors.all()
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    with pytest.raises(PermissionDenied, match="four-eyes"):
        workflow.approve(article, user=board_editor, revision=factories.under_decision("approve", article))


def test_slug_of_a_published_article_changes_with_a_redirect(published, author):
    published.slug = "new-address"
    editing.save_content(published, user=author)
    published.refresh_from_db()
    assert published.slug == "new-address"
    assert published.redirects.get().old_path == "/articles/coffee/"
    assert "Address changed from /coffee/ to /new-address/" in published.history.first().history_change_reason


def test_moving_an_article_to_another_topic_is_reviewed(published, author, second_reviewer):
    old_topic = published.published_revision.specialty
    published.specialty = factories.SpecialtyFactory()
    editing.save_content(published, user=author)
    published.refresh_from_db()
    assert published.status == S.DRAFT
    assert published.published_revision.specialty == old_topic
    workflow.submit(published, user=author, **factories.change_note_for(published))
    workflow.start_review(published, user=second_reviewer, revision=factories.under_decision("start_review", published))
    workflow.approve(published, user=second_reviewer, revision=factories.under_decision("approve", published))
    published.refresh_from_db()
    assert published.published_revision.specialty == published.specialty


def test_reference_edits_are_in_the_article_history_with_who_and_why(draft, author):
    ref = draft.references.get()
    ref.title = "Better title"
    ref.save()
    editing.references_changed(draft, user=author, reason="Fixed a reference title")
    record = draft.history.first()
    assert (record.history_user, record.history_change_reason) == (author, "Fixed a reference title")


def test_a_live_article_with_a_draft_can_still_be_confirmed_on_re_review(published, author, second_reviewer):
    published.body = "Work in progress [1]."
    editing.save_content(published, user=author)
    workflow.confirm_current(
        published, user=second_reviewer, revision=factories.under_decision("confirm_current", published)
    )
    published.refresh_from_db()
    assert published.status == S.DRAFT
    assert published.body == "Work in progress [1]."


def test_decisions_keep_the_reviewers_public_name_as_it_was(published, reviewer):
    decision = published.published_revision.approvals().get()
    profile = reviewer.board_profile
    profile.display_name = "Renamed Later"
    profile.save()
    decision.refresh_from_db()
    assert decision.reviewer_name != "Renamed Later"
    assert decision.reviewer_credentials == "MD"


def test_restored_article_can_be_resubmitted_unchanged(published, author):
    workflow.archive(published, user=author, reason="x")
    workflow.restore(published, user=author)
    # Restored articles have no live version, so resubmitting the same content is allowed.
    workflow.submit(published, user=author, **factories.change_note_for(published))
    assert Article.objects.get(pk=published.pk).status == S.SUBMITTED


def test_request_changes_needs_a_comment_and_a_known_reason(people):
    article = article_in(S.IN_REVIEW, people)
    with pytest.raises(ValidationError):
        workflow.request_changes(
            article,
            user=people["reviewer"],
            revision=factories.under_decision("request_changes", article),
            comment="   ",
            reason="clarity",
        )
    with pytest.raises(ValidationError):
        workflow.request_changes(
            article,
            user=people["reviewer"],
            revision=factories.under_decision("request_changes", article),
            comment="Fix",
            reason="vibes",
        )
    assert Article.objects.get(pk=article.pk).status == S.IN_REVIEW


def test_request_changes_records_the_decision_and_reason_in_history(people):
    article = article_in(S.IN_REVIEW, people)
    decision = workflow.request_changes(
        article,
        user=people["reviewer"],
        revision=factories.under_decision("request_changes", article),
        comment="Add dosing table",
        reason="clarity",
    )
    assert decision.revision.number == 1
    assert decision.reason == "clarity"
    record = article.history.first()
    assert record.history_user == people["reviewer"]
    assert "Add dosing table" in record.history_change_reason


def test_archive_needs_a_reason_and_takes_the_article_off_the_site(published, author):
    with pytest.raises(ValidationError):
        workflow.archive(published, user=author, reason="")
    workflow.archive(published, user=author, reason="Outdated advice")
    published.refresh_from_db()
    assert not published.is_public()
    assert published.revisions.filter(approved_at__isnull=False).count() == 1  # history kept


def test_restored_article_is_a_draft_and_not_public(published, author):
    workflow.archive(published, user=author, reason="Outdated")
    workflow.restore(published, user=author)
    published.refresh_from_db()
    assert published.status == S.DRAFT
    assert not published.is_public()


def test_approving_needs_a_board_profile(author):
    board_user = factories.UserFactory(groups=["Medical Advisory Board"])
    article = factories.make_article(author=author)
    workflow.submit(article, user=author)
    workflow.start_review(article, user=board_user, revision=factories.under_decision("start_review", article))
    with pytest.raises(PermissionDenied, match="board profile"):
        workflow.approve(article, user=board_user, revision=factories.under_decision("approve", article))


def test_inactive_users_can_do_nothing(author, reviewer):
    article = factories.make_article(author=author)
    author.is_active = False
    with pytest.raises(PermissionDenied):
        workflow.submit(article, user=author)


def test_submission_freezes_content_and_references(author):
    article = factories.make_article(author=author, references=2, body="One [1] and two [2].")
    revision = workflow.submit(article, user=author)
    assert revision.body == "One [1] and two [2]."
    assert [r["number"] for r in revision.references] == [1, 2]
    assert revision.kind == Revision.Kind.FIRST
    assert revision.number == 1
    assert revision.submitted_by == author


def test_every_step_is_in_history_with_user_and_reason(author, reviewer):
    article = factories.make_article(author=author)
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article))
    rows = list(article.history.order_by("history_date", "history_id"))
    assert [(r.status, r.history_user.username) for r in rows] == [
        ("draft", "author"),
        ("submitted", "author"),
        ("in_review", "reviewer"),
        ("approved", "reviewer"),
    ]
    assert all(r.history_change_reason for r in rows)
    assert Reference.history.filter(article_id=article.pk, history_user=author).count() == 1


def test_confirm_current_moves_review_dates_without_a_new_version(published, second_reviewer):
    before = published.last_reviewed_at
    workflow.confirm_current(
        published,
        user=second_reviewer,
        revision=factories.under_decision("confirm_current", published),
        comment="Checked against 2026 guidance",
    )
    published.refresh_from_db()
    assert published.last_reviewed_at > before
    assert published.revisions.count() == 1
    assert published.decisions.filter(decision="confirm_current").count() == 1
