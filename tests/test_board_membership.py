"""A member who has left the board holds none of its powers, on every path, from the moment they leave.

Leaving is ``BoardMember.is_active = False``; the account may keep the board group. The rule is
``articles.review.board``: the group's permissions end (the authentication backend), and the
board's own steps ask ``holds_board_powers`` too (for superusers, who hold every permission).
An editor who also sat on the board keeps the Editors' rights.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from articles.models import Article, BoardMember, PassageComment
from articles.review import assignments, board, comments, workflow

from . import factories

S = Article.Status
CHANGELIST = "/admin/articles/article/"


def leave(user):
    """The member leaves the board the way the admin records it; their group stays."""
    profile = BoardMember.objects.get(user=user)
    profile.is_active = False
    profile.save()
    return get_user_model().objects.get(pk=user.pk)  # as the next request loads the user


@pytest.fixture
def former(reviewer):
    return leave(reviewer)


@pytest.fixture
def former_editor(db):
    """An editor who also sat on the board, and has left it."""
    user = factories.UserFactory(username="former_editor", groups=["Editors", "Medical Advisory Board"])
    factories.BoardMemberFactory(user=user)
    return leave(user)


@pytest.fixture
def live(author, second_reviewer):
    article = factories.make_article(author=author, title="Is coffee bad for you?", slug="coffee")
    return factories.publish(article, author=author, reviewers=[second_reviewer])


@pytest.fixture
def under_review(author, second_reviewer):
    article = factories.make_article(author=author, title="What causes gout?", slug="gout")
    workflow.submit(article, user=author)
    workflow.start_review(article, user=second_reviewer, revision=factories.under_decision("start_review", article))
    return Article.objects.get(pk=article.pk)


@pytest.fixture
def comment(under_review, second_reviewer):
    return comments.add(
        under_review,
        under_review.pending_revision,
        user=second_reviewer,
        part="body",
        passage_index=0,
        text="Cite the guideline here.",
    )


def bulk_archive(client, article):
    selection = {"action": "archive_selected", "_selected_action": [article.pk]}
    page = {f"seen-{article.pk}": workflow.state_token(article)}
    return client.post(CHANGELIST, {**selection, **page, "apply": "1", "reason": "Withdrawn by a former member."})


# --- The rule ----------------------------------------------------------------------------


def test_the_rule(reviewer, former_editor, superuser, author):
    assert board.holds_board_powers(reviewer) and not board.has_left(reviewer)
    assert board.holds_board_powers(author) and board.holds_board_powers(superuser)  # never on the board
    assert not board.holds_board_powers(leave(reviewer))
    assert board.has_left(former_editor) and not board.holds_board_powers(former_editor)


def test_leaving_takes_the_board_groups_permissions_and_nothing_else(former, former_editor):
    assert not former.has_perm("articles.review_article")
    assert not former.has_perm("articles.archive_article")
    assert not former.has_perm("articles.assign_reviewers")
    assert not former.has_perm("articles.view_article")  # unpublished drafts and the queue too
    # The Editors' rights are not the board's: they stay.
    assert former_editor.has_perm("articles.archive_article")
    assert former_editor.has_perm("articles.change_article")
    assert former_editor.has_perm("articles.submit_article")
    assert not former_editor.has_perm("articles.review_article")
    assert not former_editor.has_perm("articles.assign_reviewers")


def test_rejoining_gives_the_powers_back(former):
    BoardMember.objects.filter(user=former).update(is_active=True)
    assert get_user_model().objects.get(pk=former.pk).has_perm("articles.review_article")


def test_powers_end_at_once_for_a_member_signed_in_already(client, reviewer, under_review):
    client.force_login(reviewer)
    review = reverse("admin:articles_reviewqueueitem_review", args=[under_review.pk])
    assert client.get(review).status_code == 200
    leave(reviewer)
    assert client.get(review).status_code == 403
    assert client.get("/admin/articles/reviewqueueitem/").status_code == 403


# --- Archiving ---------------------------------------------------------------------------


def test_a_former_member_cannot_withdraw_a_live_article_through_the_bulk_action(client, former, live):
    client.force_login(former)
    response = bulk_archive(client, live)
    live.refresh_from_db()
    assert live.status == S.APPROVED and live.is_public()
    assert not live.withdrawals.exists()
    assert response.status_code == 403  # without view permission the changelist itself is closed


def test_a_former_member_who_kept_view_rights_is_not_offered_archive_and_cannot_force_it(client, former, live):
    former.user_permissions.add(*Permission.objects.filter(codename="view_article"))
    former = get_user_model().objects.get(pk=former.pk)
    client.force_login(former)
    actions = [name for name, _ in client.get(CHANGELIST).context["action_form"].fields["action"].choices]
    assert "archive_selected" not in actions
    bulk_archive(client, live)
    live.refresh_from_db()
    assert live.status == S.APPROVED and not live.withdrawals.exists()


def test_a_former_member_cannot_archive_or_restore_through_the_workflow(former, live, superuser):
    with pytest.raises(PermissionDenied):
        workflow.archive(live, user=former, reason="Gone.")
    workflow.archive(live, user=superuser, reason="Superseded.")
    with pytest.raises(PermissionDenied):
        workflow.restore(live, user=former)


def test_an_editor_who_left_the_board_still_archives_as_an_editor(client, former_editor, live):
    client.force_login(former_editor)
    bulk_archive(client, live)
    live.refresh_from_db()
    assert live.status == S.ARCHIVED


# --- Reviewing, claiming, assigning -----------------------------------------------------------


@pytest.mark.parametrize("step", ["approve", "request_changes"])
def test_a_former_member_takes_no_decision(former, under_review, step):
    kwargs = {"comment": "No."} if step == "request_changes" else {}
    with pytest.raises(PermissionDenied):
        workflow.run(step, under_review, user=former, **factories.naming_the_version(step, under_review), **kwargs)


@pytest.mark.parametrize("step", ["claim", "confirm_current", "request_changes"])
def test_a_former_member_takes_no_re_review_step(former, live, step):
    kwargs = {"comment": "No."} if step == "request_changes" else {}
    with pytest.raises(PermissionDenied):
        workflow.run(step, live, user=former, **factories.naming_the_version(step, live), **kwargs)


def test_a_former_member_cannot_start_a_review(former, author):
    article = factories.make_article(author=author)
    workflow.submit(article, user=author)
    with pytest.raises(PermissionDenied):
        workflow.start_review(article, user=former, revision="1")


def test_a_claim_left_behind_by_a_former_member_does_not_block_the_board(reviewer, live, third_member):
    workflow.claim(live, user=reviewer, revision="1-live")
    former = leave(reviewer)
    assert not workflow.allowed("claim", live, former)
    workflow.claim(live, user=third_member, revision="1-live")
    assert Article.objects.get(pk=live.pk).claimed_by == third_member


@pytest.fixture
def third_member(db):
    return factories.reviewer(username="third_member")


def test_a_former_member_can_neither_assign_nor_release_others(former, under_review, third_member, second_reviewer):
    assert not assignments.may_assign(former)
    with pytest.raises(PermissionDenied):
        assignments.assign(under_review, user=former, reviewers=[third_member])
    assignments.assign(under_review, user=second_reviewer, reviewers=[third_member])
    with pytest.raises(PermissionDenied):
        assignments.release(under_review, user=former, reviewer=third_member)
    with pytest.raises(PermissionDenied):
        workflow.release_claim(under_review, user=former)  # second_reviewer's claim
    assert under_review.assignments.open().count() == 1


def test_a_former_member_is_never_offered_for_assignment(former, under_review):
    assert former.pk not in {c.user.pk for c in assignments.candidates(under_review)}


def test_a_superuser_who_left_the_board_keeps_no_board_powers(superuser, under_review, comment):
    factories.BoardMemberFactory(user=superuser, is_active=False)
    superuser = get_user_model().objects.get(pk=superuser.pk)
    assert not comments.may_comment(superuser)
    assert not assignments.may_assign(superuser)
    with pytest.raises(PermissionDenied):
        workflow.approve(under_review, user=superuser, revision="1")
    # Superuser rights that are not the board's stay: editors' steps, answering comments as an editor.
    assert comments.may_answer(superuser)
    workflow.withdraw(under_review, user=superuser)


# --- Comments on passages ------------------------------------------------------------------


def test_a_former_member_cannot_comment_reply_resolve_or_reopen(former, under_review, comment):
    with pytest.raises(PermissionDenied):
        comments.add(
            under_review, under_review.pending_revision, user=former, part="body", passage_index=0, text="Late."
        )
    with pytest.raises(PermissionDenied):
        comments.reply(comment, user=former, text="Me too.")
    with pytest.raises(PermissionDenied):
        comments.set_resolved(comment, user=former, resolved=True)
    comments.set_resolved(comment, user=factories.reviewer(username="active"), resolved=True)
    with pytest.raises(PermissionDenied):
        comments.set_resolved(PassageComment.objects.get(pk=comment.pk), user=former, resolved=False)
    assert PassageComment.objects.count() == 1 and not comment.replies.exists()


@pytest.mark.parametrize("action", ["resolve", "reply"])
def test_a_former_member_cannot_resolve_or_answer_through_the_admin(client, former, comment, action):
    client.force_login(former)
    url = reverse("admin:articles_article_passage_comment", args=[comment.article_id, comment.pk])
    response = client.post(url, {"action": action, "text": "Done."})
    assert response.status_code == 403
    comment.refresh_from_db()
    assert not comment.is_resolved and not comment.replies.exists()


def test_a_former_member_cannot_comment_from_the_review_screen(client, former, under_review):
    client.force_login(former)
    response = client.post(
        reverse("admin:articles_reviewqueueitem_review", args=[under_review.pk]),
        {"action": "comment", "comment-passage": "body:0", "comment-text": "Late."},
    )
    assert response.status_code == 403
    assert not PassageComment.objects.exists()


def test_an_editor_who_left_the_board_answers_comments_as_an_editor(former_editor, comment):
    assert not comments.may_comment(former_editor)
    comments.reply(comment, user=former_editor, text="Fixed in the next version.")
    comments.set_resolved(comment, user=former_editor, resolved=True)
    assert PassageComment.objects.get(pk=comment.pk).is_resolved


def test_refusals_reach_the_former_member_as_messages_not_errors(client, former_editor, under_review):
    client.force_login(former_editor)
    response = client.post(
        reverse("admin:articles_article_workflow", args=[under_review.pk, "approve"]),
        {"revision": "1", "seen": workflow.state_token(under_review)},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["You do not have permission to approve."]
    assert Article.objects.get(pk=under_review.pk).status == S.IN_REVIEW
