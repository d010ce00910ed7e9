"""Assigning named reviewers to queue items, releasing assignments and claims."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from articles.models import Article, ReviewAssignment
from articles.review import assignments, workflow

from . import factories

S = Article.Status


@pytest.fixture
def cardiology(db):
    return factories.SpecialtyFactory(name="Cardiology", slug="cardiology")


@pytest.fixture
def submitted(author, cardiology):
    article = factories.make_article(author=author, title="Is my heartbeat normal?", specialty=cardiology)
    workflow.submit(article, user=author)
    return article


def cardiologist(**kwargs):
    user = factories.reviewer(**kwargs)
    profile = user.board_profile
    profile.specialty = factories.SpecialtyFactory(name="Cardiology", slug="cardiology")
    profile.save()
    return user


def test_board_member_assigns_named_reviewers_who_are_emailed(
    submitted, reviewer, second_reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    with_mail = factories.reviewer(username="carol")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        created = assignments.assign(submitted, user=reviewer, reviewers=[second_reviewer, with_mail])
    assert {a.reviewer for a in created} == {second_reviewer, with_mail}
    assert sorted(m.to[0] for m in mailoutbox) == sorted([second_reviewer.email, with_mail.email])
    assert all(m.subject == "[Assigned to you] Is my heartbeat normal?" for m in mailoutbox)
    assert f"/admin/articles/reviewqueueitem/{submitted.pk}/review/" in mailoutbox[0].body


def test_assignment_is_recorded_in_article_and_assignment_history(submitted, reviewer, second_reviewer):
    assignments.assign(submitted, user=reviewer, reviewers=[second_reviewer])
    latest = submitted.history.first()
    assert latest.history_user == reviewer
    assert "Assigned to" in latest.history_change_reason
    record = ReviewAssignment.history.get()
    assert record.history_user == reviewer and record.history_type == "+"


def test_editor_cannot_assign_reviewers(submitted, author, reviewer):
    with pytest.raises(PermissionDenied):
        assignments.assign(submitted, user=author, reviewers=[reviewer])
    assert not ReviewAssignment.objects.exists()


def test_author_of_the_version_cannot_be_assigned(submitted, reviewer, superuser):
    submitted.refresh_from_db()
    factories.BoardMemberFactory(user=superuser)
    submitted.pending_revision.authors.add(superuser)
    with pytest.raises(ValidationError, match="Cannot assign"):
        assignments.assign(submitted, user=reviewer, reviewers=[superuser])
    assert not ReviewAssignment.objects.exists()


def test_editors_are_never_suggested_or_assignable(submitted, reviewer, other_editor):
    assert other_editor not in [c.user for c in assignments.candidates(submitted)]
    with pytest.raises(ValidationError, match="Cannot assign"):
        assignments.assign(submitted, user=reviewer, reviewers=[other_editor])


def test_a_draft_cannot_be_assigned(draft, reviewer, second_reviewer):
    with pytest.raises(workflow.WorkflowError, match="review queue"):
        assignments.assign(draft, user=reviewer, reviewers=[second_reviewer])


def test_assigning_nobody_names_the_field(submitted, reviewer):
    with pytest.raises(ValidationError) as error:
        assignments.assign(submitted, user=reviewer, reviewers=[])
    assert "reviewers" in error.value.message_dict


def test_assigning_the_same_reviewer_twice_is_refused(submitted, reviewer, second_reviewer):
    assignments.assign(submitted, user=reviewer, reviewers=[second_reviewer])
    with pytest.raises(workflow.WorkflowError, match="already assigned"):
        assignments.assign(submitted, user=reviewer, reviewers=[second_reviewer])
    assert ReviewAssignment.objects.open().count() == 1


def test_candidates_put_matching_specialty_first_then_lightest_load(submitted, author, reviewer):
    busy = cardiologist(username="busy")
    free = cardiologist(username="free")
    other = factories.make_article(author=author, title="Other")
    workflow.submit(other, user=author)
    assignments.assign(other, user=reviewer, reviewers=[busy])
    found = assignments.candidates(submitted)
    assert [c.user for c in found[:2]] == [free, busy]
    assert [c.open_load for c in found[:2]] == [0, 1]
    assert found[0].matches_specialty and not found[2].matches_specialty
    assert "Cardiology (matches this article) · 0 open reviews" in found[0].label


def test_open_load_counts_claims_and_assignments_once_per_item(submitted, author, reviewer, second_reviewer):
    workflow.start_review(submitted, user=second_reviewer, revision=factories.under_decision("start_review", submitted))
    assignments.assign(submitted, user=reviewer, reviewers=[second_reviewer])
    assert assignments.open_loads([second_reviewer.pk]) == {second_reviewer.pk: 1}


def test_reviewer_releases_their_own_assignment(submitted, reviewer, second_reviewer):
    assignments.assign(submitted, user=reviewer, reviewers=[second_reviewer])
    released = assignments.release(submitted, user=second_reviewer, reviewer=second_reviewer)
    assert released.ended_by == second_reviewer and released.ended_at is not None
    assert not ReviewAssignment.objects.open().exists()
    assert ReviewAssignment.objects.count() == 1  # kept, not deleted
    assert "released themselves" in submitted.history.first().history_change_reason


def test_nobody_without_the_assign_permission_releases_someone_elses_assignment(
    submitted, reviewer, second_reviewer, author
):
    assignments.assign(submitted, user=reviewer, reviewers=[second_reviewer])
    with pytest.raises(PermissionDenied):
        assignments.release(submitted, user=author, reviewer=second_reviewer)
    assert ReviewAssignment.objects.open().count() == 1


def test_assignments_end_when_the_item_leaves_the_queue(submitted, reviewer, second_reviewer):
    assignments.assign(submitted, user=reviewer, reviewers=[second_reviewer])
    workflow.start_review(submitted, user=second_reviewer, revision=factories.under_decision("start_review", submitted))
    assert ReviewAssignment.objects.open().count() == 1
    workflow.approve(submitted, user=second_reviewer, revision=factories.under_decision("approve", submitted))
    assignment = ReviewAssignment.objects.get()
    assert assignment.ended_at is not None
    assert assignment.end_reason.startswith("Review finished: Approved version 1")
    assert assignments.open_loads([second_reviewer.pk]) == {second_reviewer.pk: 0}


def test_withdrawing_ends_assignments(submitted, author, reviewer, second_reviewer):
    assignments.assign(submitted, user=reviewer, reviewers=[second_reviewer])
    workflow.withdraw(submitted, user=author)
    assert not ReviewAssignment.objects.open().exists()


# --- Releasing a claim -----------------------------------------------------------------


def test_claimer_releases_a_claim_and_the_review_goes_back_to_submitted(submitted, reviewer):
    workflow.start_review(submitted, user=reviewer, revision=factories.under_decision("start_review", submitted))
    workflow.release_claim(submitted, user=reviewer)
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED and submitted.claimed_by is None
    assert submitted.history.first().history_change_reason == "reviewer released their claim"
    assert workflow.allowed("start_review", submitted, reviewer)


def test_releasing_a_re_review_claim_keeps_the_article_approved(published, second_reviewer):
    workflow.claim(published, user=second_reviewer, revision=factories.under_decision("claim", published))
    workflow.release_claim(published, user=second_reviewer)
    published.refresh_from_db()
    assert published.status == S.APPROVED and published.claimed_by is None


def test_another_reviewer_cannot_release_a_claim_without_the_assign_permission(submitted, reviewer, author):
    workflow.start_review(submitted, user=reviewer, revision=factories.under_decision("start_review", submitted))
    with pytest.raises(PermissionDenied):
        workflow.release_claim(submitted, user=author)
    submitted.refresh_from_db()
    assert submitted.claimed_by == reviewer


def test_releasing_an_unclaimed_article_is_refused(submitted, reviewer):
    with pytest.raises(workflow.WorkflowError, match="Nobody has claimed"):
        workflow.release_claim(submitted, user=reviewer)


def test_release_on_a_stale_page_is_refused(submitted, reviewer, author):
    workflow.start_review(submitted, user=reviewer, revision=factories.under_decision("start_review", submitted))
    seen = workflow.state_token(submitted)
    workflow.withdraw(submitted, user=author)
    with pytest.raises(workflow.WorkflowError, match="moved on"):
        workflow.release_claim(submitted, user=reviewer, seen=seen)


# --- Through the review screen and the queue ----------------------------------------

QUEUE = "/admin/articles/reviewqueueitem/"


def review_url(article):
    return f"{QUEUE}{article.pk}/review/"


def test_review_screen_assigns_the_ticked_reviewers(client, submitted, reviewer, second_reviewer):
    client.force_login(reviewer)
    page = client.get(review_url(submitted))
    choices = dict(page.context["assign_form"].fields["reviewers"].choices)
    assert second_reviewer.pk in choices and reviewer.pk in choices
    response = client.post(review_url(submitted), {"action": "assign", "reviewers": [second_reviewer.pk]}, follow=True)
    assert f"Assigned: {second_reviewer.board_profile.display_name}" in response.content.decode()
    assert [a.reviewer for a in ReviewAssignment.objects.open()] == [second_reviewer]


def test_review_screen_names_the_field_when_nobody_is_ticked(client, submitted, reviewer):
    client.force_login(reviewer)
    response = client.post(review_url(submitted), {"action": "assign"})
    assert response.status_code == 200
    assert "Choose at least one reviewer." in response.content.decode()
    assert not ReviewAssignment.objects.exists()


def test_editors_see_no_assign_form_and_cannot_post_one(client, submitted, author, reviewer):
    client.force_login(author)
    assert client.get(review_url(submitted)).context["assign_form"] is None
    response = client.post(review_url(submitted), {"action": "assign", "reviewers": [reviewer.pk]})
    assert response.status_code == 200
    assert not ReviewAssignment.objects.exists()


def test_reviewer_releases_assignment_and_claim_from_the_review_screen(client, submitted, reviewer, second_reviewer):
    assignments.assign(submitted, user=reviewer, reviewers=[second_reviewer])
    workflow.start_review(submitted, user=second_reviewer, revision=factories.under_decision("start_review", submitted))
    client.force_login(second_reviewer)
    response = client.post(
        review_url(submitted), {"action": "release_assignment", "reviewer": second_reviewer.pk}, follow=True
    )
    assert "Assignment released." in response.content.decode()
    response = client.post(review_url(submitted), {"action": "release_claim"}, follow=True)
    assert "Claim released" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED and submitted.claimed_by is None
    assert not ReviewAssignment.objects.open().exists()


def test_queue_filters_assigned_to_me_and_shows_who_is_assigned(client, author, reviewer, second_reviewer):
    mine, theirs, nobodys = (factories.make_article(author=author, title=t) for t in ("Mine", "Theirs", "Nobody's"))
    for article in (mine, theirs, nobodys):
        workflow.submit(article, user=author)
    assignments.assign(mine, user=second_reviewer, reviewers=[reviewer])
    assignments.assign(theirs, user=reviewer, reviewers=[second_reviewer])
    client.force_login(reviewer)

    def titles(query):
        return sorted(row.title for row in client.get(QUEUE + query).context["cl"].result_list)

    assert titles("?assigned=me") == ["Mine"]
    assert titles("?assigned=others") == ["Theirs"]
    assert titles("?assigned=nobody") == ["Nobody's"]
    html = client.get(QUEUE).content.decode()
    assert "Assigned to me" in html
    assert second_reviewer.board_profile.display_name in html


def test_queue_reads_assignments_in_one_query_whatever_the_rows(client, author, reviewer, count_queries):
    for title in ("One", "Two", "Three"):
        article = factories.make_article(author=author, title=title)
        workflow.submit(article, user=author)
        assignments.assign(article, user=reviewer, reviewers=[reviewer])
    client.force_login(reviewer)
    client.get("/admin/")  # a session's first admin request notes the session (staff sessions' index)
    with count_queries() as few:
        client.get(QUEUE)
    article = factories.make_article(author=author, title="Four")
    workflow.submit(article, user=author)
    assignments.assign(article, user=reviewer, reviewers=[reviewer])
    with count_queries() as more:
        client.get(QUEUE)
    assert more.count == few.count
