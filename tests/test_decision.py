"""One way to decide: the review screen's decision form, with the change note, the declaration, the
open comments; late decisions keep their words; comments attach to the version judged and are emailed."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, PassageComment, ReviewDecision
from articles.review import comments, editing, workflow

from . import factories

S = Article.Status
BODY = "## Causes\n\nUric acid builds up in the joint [1].\n\n- Beer and red meat raise it\n- Water lowers it\n"


def review_url(article):
    return reverse("admin:articles_reviewqueueitem_review", args=[article.pk])


@pytest.fixture
def in_review(author, reviewer):
    article = factories.make_article(author=author, title="What causes gout?", slug="gout", body=BODY)
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    article.refresh_from_db()
    return article


@pytest.fixture
def update_in_review(author, reviewer, published):
    """Version 2 of the live coffee article, with the board: an update with the editors' change note."""
    published.body = "Coffee is fine for most adults [1]."
    editing.save_content(published, user=author, reason="Clearer wording")
    workflow.submit(published, user=author, change_note="Advice on coffee made plainer.", change_kind="editorial")
    workflow.start_review(published, user=reviewer, revision=factories.under_decision("start_review", published))
    published.refresh_from_db()
    return published


def on_screen(client, article, action):
    """What the review screen's form for ``action`` carries: the state token and the version under decision."""
    form = client.get(review_url(article)).context["forms"][action]
    fields = {"action": action, f"{action}-seen": form.initial["seen"], f"{action}-revision": form.initial["revision"]}
    listed = getattr(form, "open_comment_ids", lambda: "")()  # the open comments the form lists
    if listed:
        fields[f"{action}-open_comments_seen"] = listed
    return fields


def an_open_comment(article, reviewer, text="Say which meats; offal matters most."):
    revision = Article.objects.get(pk=article.pk).pending_revision
    return comments.add(article, revision, user=reviewer, part="body", passage_index=2, text=text)


# --- One decision form -------------------------------------------------------------


def test_the_article_pages_approve_link_leads_to_the_review_screens_decision_form(client, second_reviewer, in_review):
    client.force_login(second_reviewer)
    for action in ("approve", "request_changes"):
        url = reverse("admin:articles_article_workflow", args=[in_review.pk, action])
        response = client.get(f"{url}?seen={workflow.state_token(in_review)}&revision=1")
        assert response.status_code == 302
        assert response["Location"] == f"{review_url(in_review)}#decision"


def test_the_review_screen_shows_the_change_note_and_the_approver_edits_it_and_declares_conflicts(
    client, second_reviewer, update_in_review
):
    client.force_login(second_reviewer)
    html = client.get(review_url(update_in_review)).content.decode()
    assert "Advice on coffee made plainer." in html  # shown, and in the approve form to edit
    assert 'name="approve-change_note"' in html and 'name="approve-change_kind"' in html
    assert 'name="approve-conflicts"' in html

    response = client.post(
        review_url(update_in_review),
        {
            **on_screen(client, update_in_review, "approve"),
            "approve-change_note": "Advice on coffee in pregnancy made plainer.",
            "approve-change_kind": "editorial",
            "approve-conflicts": "I advise a coffee growers' association.",
            "approve-comment": "Checked.",
        },
    )
    assert response.status_code == 302
    update_in_review.refresh_from_db()
    live = update_in_review.published_revision
    assert live.number == 2 and live.change_note == "Advice on coffee in pregnancy made plainer."
    decision = live.decisions.get(decision="approve")
    assert decision.conflicts == "I advise a coffee growers' association."


def test_the_change_notes_help_on_the_review_screen_keeps_its_words(client, second_reviewer, update_in_review):
    """The help text is shown as HTML: placeholders in angle brackets vanished ("Updated : ")."""
    client.force_login(second_reviewer)
    html = client.get(review_url(update_in_review)).content.decode()
    assert "Updated :" not in html and "<date>" not in html
    assert "after “Updated” and the day the board approves it" in html
    assert 'href="?expand=all#diff-heading"' in html  # the diff of the update, as the compare page's


def test_a_decision_lands_at_the_top_of_the_page_where_its_message_is(client, second_reviewer, in_review):
    client.force_login(second_reviewer)
    response = client.post(review_url(in_review), on_screen(client, in_review, "approve"))
    # An explicit fragment: the browser would otherwise keep the page's own (#comments, #decision).
    assert response["Location"] == f"{review_url(in_review)}#content-start"


def test_the_decision_comes_after_the_changes_and_a_link_jumps_to_it(client, second_reviewer, update_in_review):
    client.force_login(second_reviewer)
    html = client.get(review_url(update_in_review)).content.decode()
    assert html.index('id="diff-heading"') < html.index('id="decision-heading"')
    assert html.index('id="comments-heading"') < html.index('id="decision-heading"')
    assert html.index('href="#decision"') < html.index('id="diff-heading"')


def test_the_reason_for_sending_back_is_chosen_not_preselected(client, second_reviewer, in_review):
    client.force_login(second_reviewer)
    html = client.get(review_url(in_review)).content.decode()
    select = re.search(r'<select name="request_changes-reason".*?</select>', html, re.S).group(0)
    assert re.findall(r"<option[^>]*>", select)[0] == '<option value="" selected>'
    response = client.post(
        review_url(in_review),
        {**on_screen(client, in_review, "request_changes"), "request_changes-comment": "Cite the 2024 guideline."},
    )
    assert response.status_code == 200
    assert response.context["forms"]["request_changes"].errors["reason"] == ["Choose a reason category."]
    assert "Cite the 2024 guideline." in response.content.decode()  # nothing typed is lost
    assert Article.objects.get(pk=in_review.pk).status == S.IN_REVIEW


# --- Open comments -------------------------------------------------------------------


def test_approving_over_open_comments_asks_to_confirm_and_lists_them(client, reviewer, second_reviewer, in_review):
    comment = an_open_comment(in_review, reviewer)
    client.force_login(second_reviewer)
    page = on_screen(client, in_review, "approve")
    response = client.post(review_url(in_review), {**page, "approve-comment": "Fine otherwise."})
    assert response.status_code == 200
    form = response.context["forms"]["approve"]
    assert "approve_open_comments" in form.errors
    html = response.content.decode()
    assert "Say which meats; offal matters most." in html and f'href="#comment-{comment.pk}"' in html
    assert 'name="approve-approve_open_comments"' in html and "Fine otherwise." in html
    assert Article.objects.get(pk=in_review.pk).status == S.IN_REVIEW

    response = client.post(
        review_url(in_review), {**page, "approve-comment": "Fine otherwise.", "approve-approve_open_comments": "on"}
    )
    assert response.status_code == 302
    assert Article.objects.get(pk=in_review.pk).status == S.APPROVED


def test_a_confirmation_does_not_cover_a_comment_added_since(client, reviewer, second_reviewer, in_review):
    an_open_comment(in_review, reviewer)
    client.force_login(second_reviewer)
    page = on_screen(client, in_review, "approve")
    an_open_comment(in_review, reviewer, text="The dose in the table is wrong.")
    response = client.post(review_url(in_review), {**page, "approve-approve_open_comments": "on"})
    assert response.status_code == 200
    assert "added since you opened this page" in response.content.decode()
    assert "The dose in the table is wrong." in response.content.decode()
    assert Article.objects.get(pk=in_review.pk).status == S.IN_REVIEW


def test_the_old_approve_address_checks_open_comments_too(client, reviewer, second_reviewer, in_review):
    an_open_comment(in_review, reviewer)
    client.force_login(second_reviewer)
    url = reverse("admin:articles_article_workflow", args=[in_review.pk, "approve"])
    client.post(url, {"revision": "1", "seen": workflow.state_token(in_review)})
    assert Article.objects.get(pk=in_review.pk).status == S.IN_REVIEW


# --- Late decisions ------------------------------------------------------------------


def test_a_late_approval_keeps_the_comment_and_says_what_happened(client, reviewer, second_reviewer, in_review):
    client.force_login(second_reviewer)
    page = on_screen(client, in_review, "approve")
    workflow.approve(in_review, user=reviewer, revision="1")  # decided first, while the page was open

    response = client.post(review_url(in_review), {**page, "approve-comment": "Checked every dose against the BNF."})
    assert response.status_code == 200
    assert response.context["late"]["comment"] == "Checked every dose against the BNF."
    html = response.content.decode()
    assert "Your approval was not recorded" in html
    assert "Approved version 1" in html  # what happened since, and by whom
    assert "Checked every dose against the BNF." in html
    # ...also offered as a comment on a passage, so it can still reach the editors.
    assert response.context["comment_form"].initial["text"] == "Checked every dose against the BNF."
    assert ReviewDecision.objects.filter(decision="approve").count() == 1


def test_a_late_reviewer_is_not_offered_to_confirm_an_article_approved_a_minute_ago(
    client, reviewer, second_reviewer, in_review
):
    client.force_login(second_reviewer)
    page = on_screen(client, in_review, "approve")
    workflow.approve(in_review, user=reviewer, revision="1")
    response = client.post(review_url(in_review), page)
    assert "confirm_current" not in response.context["available"]
    assert "Confirm still accurate" not in response.content.decode()
    assert "Claim re-review" not in response.content.decode()
    article_page = client.get(reverse("admin:articles_article_change", args=[in_review.pk])).content.decode()
    assert "Confirm still accurate" not in article_page


def test_a_re_review_is_offered_once_it_is_due(client, second_reviewer, published):
    Article.objects.filter(pk=published.pk).update(next_review_due=timezone.now() + timedelta(days=3))
    client.force_login(second_reviewer)
    response = client.get(review_url(published))
    assert {"confirm_current", "claim"} <= response.context["available"]
    assert "Confirm still accurate" in response.content.decode()
    assert 'name="confirm_current-conflicts"' in response.content.decode()


# --- Comments: the right version, and emails ----------------------------------------


def test_comments_after_changes_were_requested_attach_to_the_version_sent_back(
    client, reviewer, second_reviewer, update_in_review
):
    workflow.request_changes(update_in_review, user=reviewer, revision="2", comment="Add the 2024 guideline.")
    client.force_login(second_reviewer)
    response = client.get(review_url(update_in_review))
    assert response.context["revision"].number == 2
    client.post(
        review_url(update_in_review),
        {"action": "comment", "comment-passage": "body:0", "comment-text": "Also say how many cups."},
    )
    assert PassageComment.objects.get().revision.number == 2


def test_a_new_comment_emails_the_editors_and_the_reviewers_on_the_article_not_its_author(
    django_capture_on_commit_callbacks, author, reviewer, second_reviewer, in_review
):
    third = factories.reviewer(username="third")  # on the board, not on this article
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        comment = an_open_comment(in_review, second_reviewer)
    by_person = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_person) == [author.email, reviewer.email]  # the editor; the reviewer claiming it
    assert third.email not in by_person and second_reviewer.email not in by_person
    to_editor, to_reviewer = by_person[author.email], by_person[reviewer.email]
    assert "Say which meats; offal matters most." in to_editor.body and "What causes gout?" in to_editor.subject
    change_form = reverse("admin:articles_article_change", args=[in_review.pk])
    assert f"{settings.EDITORIAL_BASE_URL}{change_form}#comment-{comment.pk}" in to_editor.body
    assert f"{settings.EDITORIAL_BASE_URL}{review_url(in_review)}#comment-{comment.pk}" in to_reviewer.body


def test_a_reply_emails_the_commenter_and_the_editors_not_the_one_replying(
    django_capture_on_commit_callbacks, author, reviewer, second_reviewer, in_review
):
    comment = an_open_comment(in_review, second_reviewer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        comments.reply(comment, user=author, text="Done: offal named.")
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == [reviewer.email, second_reviewer.email]
    assert all("Done: offal named." in m.body and m.subject.startswith("[Reply]") for m in mail.outbox)
