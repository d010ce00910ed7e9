"""Reviewers comment on passages of the version under review; editors reply and resolve; readers never see it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from articles.models import PassageComment
from articles.review import comments, workflow

from . import factories

pytestmark = pytest.mark.django_db

BODY = "## Causes\n\nUric acid builds up in the joint [1].\n\n- Beer and red meat raise it\n- Water lowers it\n"


@pytest.fixture
def submitted(author):
    article = factories.make_article(author=author, title="What causes gout?", slug="gout", body=BODY)
    workflow.submit(article, user=author)
    article.refresh_from_db()
    return article


def review_url(article):
    return reverse("admin:articles_reviewqueueitem_review", args=[article.pk])


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def comment_url(comment):
    return reverse("admin:articles_article_passage_comment", args=[comment.article_id, comment.pk])


def test_passages_are_the_blocks_a_reader_sees(submitted):
    parts = {part.name: part.passages for part in comments.parts_of(submitted.pending_revision)}
    assert parts["summary"] == ["A short answer."]
    assert parts["body"][0] == "Causes"
    assert parts["body"][1].startswith("Uric acid builds up in the joint")
    assert parts["body"][2:] == ["Beer and red meat raise it", "Water lowers it"]


def test_a_reviewer_comments_on_a_passage_from_the_review_screen(client, submitted, reviewer):
    client.force_login(reviewer)
    page = client.get(review_url(submitted)).content.decode()
    assert 'value="body:2"' in page and "Beer and red meat raise it" in page
    response = client.post(
        review_url(submitted),
        {
            "action": "comment",
            "comment-passage": "body:2",
            "comment-quote": "red meat",
            "comment-text": "Say which meats; offal matters most.",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#comments")
    comment = PassageComment.objects.get()
    assert (comment.part, comment.passage_index, comment.quote) == ("body", 2, "red meat")
    assert comment.passage_text == "Beer and red meat raise it"
    assert comment.revision == submitted.pending_revision and comment.author == reviewer
    assert comment.history.get().history_user == reviewer
    page = client.get(review_url(submitted)).content.decode()
    assert "Say which meats; offal matters most." in page
    assert "1 open comment on passages" in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"comment-passage": "body:99"}, "passage", "Select a valid choice"),
        ({"comment-quote": "not in the passage"}, "quote", "not in the chosen passage"),
        ({"comment-text": "   "}, "text", "This field is required"),
    ],
)
def test_a_bad_comment_is_a_form_error_and_nothing_is_stored(client, submitted, reviewer, fields, field, message):
    client.force_login(reviewer)
    data = {"action": "comment", "comment-passage": "body:1", "comment-quote": "", "comment-text": "Check this."}
    response = client.post(review_url(submitted), data | fields)
    assert response.status_code == 200
    assert message in " ".join(response.context["comment_form"].errors[field])
    assert not PassageComment.objects.exists()


def test_only_board_members_comment(client, submitted, author, other_editor):
    with pytest.raises(PermissionDenied):
        comments.add(submitted, submitted.pending_revision, user=other_editor, part="body", passage_index=1, text="x")
    client.force_login(other_editor)
    response = client.post(
        review_url(submitted),
        {"action": "comment", "comment-passage": "body:1", "comment-text": "Sneaky."},
    )
    assert response.status_code == 403
    assert not PassageComment.objects.exists()


def test_a_passage_index_outside_the_version_is_refused(submitted, reviewer):
    with pytest.raises(ValidationError):
        comments.add(submitted, submitted.pending_revision, user=reviewer, part="body", passage_index=9, text="x")
    with pytest.raises(ValidationError):
        comments.add(
            submitted, submitted.pending_revision, user=reviewer, part="professional_body", passage_index=0, text="x"
        )


@pytest.fixture
def comment(submitted, reviewer):
    return comments.add(
        submitted,
        submitted.pending_revision,
        user=reviewer,
        part="body",
        passage_index=1,
        quote="in the joint",
        text="Which joint first? Usually the big toe.",
    )


def test_editors_see_the_comment_in_their_form_reply_and_resolve_it(client, comment, author, reviewer):
    article = comment.article
    workflow.withdraw(article, user=author)  # back to draft, to edit
    client.force_login(author)
    form = client.get(change_url(article)).content.decode()
    assert "Which joint first? Usually the big toe." in form
    assert "in the joint" in form and "Uric acid builds up in the joint" in form

    response = client.post(
        comment_url(comment), {"action": "reply", "text": "Added the big toe.", "next": change_url(article)}
    )
    assert response.status_code == 302 and response["Location"] == change_url(article)
    assert comment.replies.get().author == author

    client.post(comment_url(comment), {"action": "resolve"})
    comment.refresh_from_db()
    assert comment.is_resolved and comment.resolved_by == author
    assert comment.history.first().history_user == author

    # The reviewer sees the thread; resolved comments no longer count as open.
    client.force_login(reviewer)
    page = client.get(review_url(article)).content.decode()
    assert "Added the big toe." in page and "open comment" not in page

    client.force_login(author)
    client.post(comment_url(comment), {"action": "reopen"})
    comment.refresh_from_db()
    assert not comment.is_resolved


def test_the_history_lists_the_comments(client, comment, author):
    client.force_login(author)
    page = client.get(reverse("admin:articles_article_history", args=[comment.article_id])).content.decode()
    assert "Comments on passages" in page and "Which joint first? Usually the big toe." in page
    assert "Open" in page


def test_an_empty_reply_says_why_and_stores_nothing(client, comment, author):
    client.force_login(author)
    response = client.post(comment_url(comment), {"action": "reply", "text": " "}, follow=True)
    assert any("Write the reply" in str(m) for m in response.context["messages"])
    assert not comment.replies.exists()


def test_answering_needs_permission_and_an_unsafe_next_is_ignored(client, comment, db):
    outsider = factories.UserFactory(is_staff=True)
    client.force_login(outsider)
    assert client.post(comment_url(comment), {"action": "resolve"}).status_code == 403
    comment.refresh_from_db()
    assert not comment.is_resolved
    editor = factories.editor(username="ed")
    client.force_login(editor)
    response = client.post(comment_url(comment), {"action": "resolve", "next": "https://evil.example/"})
    assert response["Location"].startswith(change_url(comment.article))


def test_comments_are_never_public(client, comment, author, reviewer):
    article = comment.article
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article))
    for path in ("/articles/gout/", "/articles/gout/v/1/", "/feeds/articles/", "/?q=joint"):
        assert b"big toe" not in client.get(path).content, path
