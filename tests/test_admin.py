"""The admin as editors and board members use it: forms, workflow buttons, the review queue."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse

from articles.admin.forms import ArticleAdminForm
from articles.models import Article, Reference, ReviewDecision, Revision
from articles.review import editing, workflow

from . import factories

S = Article.Status
ADD_URL = "/admin/articles/article/add/"
QUEUE_URL = "/admin/articles/reviewqueueitem/"


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def workflow_url(article, action):
    return reverse("admin:articles_article_workflow", args=[article.pk, action])


def review_url(article):
    return reverse("admin:articles_reviewqueueitem_review", args=[article.pk])


def message_texts(response, level_tag=None):
    return [str(m) for m in get_messages(response.wsgi_request) if level_tag in (None, m.level_tag)]


def submitted(article, *, author):
    workflow.submit(article, user=author, **factories.change_note_for(article))
    article.refresh_from_db()
    return article


def in_review(article, *, author, reviewer):
    submitted(article, author=author)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    article.refresh_from_db()
    return article


@pytest.fixture
def specialty(db):
    return factories.SpecialtyFactory(name="Neurology", slug="neurology")


def article_post_data(specialty, references=(), **overrides):
    """Form data for the article add/change page, with the references inline formset."""
    data = {
        "title": "Can migraines be prevented?",
        "slug": "can-migraines-be-prevented",
        "specialty": str(specialty.pk),
        "summary": "Often, yes [1].",
        "body": "Several medicines reduce attacks [1].",
        "professional_summary": "",
        "professional_body": "",
        "change_reason": "New article on migraine prevention",
        "references-TOTAL_FORMS": str(len(references)),
        "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
    }
    for i, ref in enumerate(references):
        row = {
            "number": "1",
            "kind": "guideline",
            "title": "Migraine in adults: diagnosis and management",
            "source": "NICE",
            "year": "2021",
            "url": "",
            "doi": "",
            "pmid": "",
            **ref,
        }
        data.update({f"references-{i}-{key}": value for key, value in row.items()})
    data.update(overrides)
    return data


# --- Groups ---------------------------------------------------------------------


def group_codenames(name):
    return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))


@pytest.mark.django_db
def test_editors_group_can_add_change_and_submit_but_not_review():
    perms = group_codenames("Editors")
    assert {"add_article", "change_article", "submit_article", "add_reference", "change_reference"} <= perms
    assert "review_article" not in perms
    assert "view_reviewqueueitem" not in perms


@pytest.mark.django_db
def test_board_group_can_review_but_not_change_articles():
    perms = group_codenames("Medical Advisory Board")
    assert {"review_article", "view_article", "view_reviewqueueitem"} <= perms
    assert not perms & {"add_article", "change_article", "delete_article", "submit_article"}
    assert not perms & {"add_reference", "change_reference", "delete_reference"}


def test_group_permissions_apply_to_members(author, reviewer):
    assert author.has_perm("articles.change_article")
    assert author.has_perm("articles.submit_article")
    assert not author.has_perm("articles.review_article")
    assert reviewer.has_perm("articles.review_article")
    assert not reviewer.has_perm("articles.change_article")


# --- Adding an article ----------------------------------------------------------


def test_editor_adds_a_draft_with_references_and_a_reason(client, author, specialty):
    client.force_login(author)
    data = article_post_data(specialty, references=[{"doi": "https://doi.org/10.1136/bmj.k2034", "pmid": "30045886"}])
    response = client.post(ADD_URL, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors

    article = Article.objects.get(slug="can-migraines-be-prevented")
    assert article.status == S.DRAFT
    assert article.created_by == author
    ref = article.references.get()
    assert (ref.number, ref.kind, ref.doi, ref.pmid) == (1, "guideline", "10.1136/bmj.k2034", "30045886")
    record = article.history.get()
    assert record.history_user == author
    assert record.history_change_reason == "New article on migraine prevention"
    assert ref.history.get().history_user == author


def test_a_long_change_reason_is_kept_in_full(client, author, specialty):
    max_length = ArticleAdminForm.base_fields["change_reason"].max_length
    reason = ("Rewrote the dosing section after the 2024 guideline update. " * 10)[:max_length].strip()
    client.force_login(author)
    response = client.post(ADD_URL, article_post_data(specialty, change_reason=reason))
    assert response.status_code == 302
    assert Article.history.get().history_change_reason == reason


@pytest.mark.parametrize(
    ("field", "value"),
    [("doi", "not-a-doi"), ("doi", "10.12/too-short-prefix"), ("pmid", "3004588x")],
)
def test_bad_reference_identifier_is_a_form_error_and_saves_nothing(client, author, specialty, field, value):
    client.force_login(author)
    response = client.post(ADD_URL, article_post_data(specialty, references=[{field: value}]))
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert list(formset.errors[0]) == [field]
    assert formset.errors[0][field][0] in response.content.decode()
    assert not Article.objects.exists()
    assert not Reference.objects.exists()
    assert not Article.history.exists()


# --- Workflow buttons on the change page ----------------------------------------


def workflow_buttons(response):
    return {t.name for t in response.context["workflow_transitions"]}


def test_editor_sees_submit_but_not_approve_on_a_draft(client, author, draft):
    client.force_login(author)
    response = client.get(change_url(draft))
    html = response.content.decode()
    assert "Submit for review" in html
    assert workflow_url(draft, "submit") in html
    assert workflow_url(draft, "approve") not in html
    assert "approve" not in workflow_buttons(response)


def test_reviewer_sees_start_review_on_a_submitted_article(client, author, reviewer, draft):
    submitted(draft, author=author)
    client.force_login(reviewer)
    response = client.get(change_url(draft))
    assert response.status_code == 200
    assert "Start review" in response.content.decode()
    assert workflow_url(draft, "start_review") in response.content.decode()
    assert workflow_url(draft, "submit") not in response.content.decode()


def test_reviewer_sees_approve_and_request_changes_while_in_review(client, author, reviewer, draft):
    in_review(draft, author=author, reviewer=reviewer)
    client.force_login(reviewer)
    html = client.get(change_url(draft)).content.decode()
    assert workflow_url(draft, "approve") in html
    assert workflow_url(draft, "request_changes") in html


def test_author_who_is_on_the_board_does_not_see_approve(client, reviewer, specialty):
    board_author = factories.UserFactory(username="board_author", groups=["Editors", "Medical Advisory Board"])
    factories.BoardMemberFactory(user=board_author)
    article = factories.make_article(author=board_author, specialty=specialty)
    in_review(article, author=board_author, reviewer=reviewer)

    client.force_login(board_author)
    response = client.get(change_url(article))
    html = response.content.decode()
    assert workflow_url(article, "approve") not in html
    assert workflow_url(article, "request_changes") not in html
    assert "You wrote part of this version" in html
    assert "withdraw" in workflow_buttons(response)


# --- Running workflow steps -----------------------------------------------------


def test_posting_a_workflow_step_runs_the_transition(client, author, draft):
    client.force_login(author)
    response = client.post(workflow_url(draft, "submit"))
    assert response.status_code == 302
    assert response["Location"] == change_url(draft)
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED
    assert draft.pending_revision.submitted_by == author
    assert any("Submit for review: done" in m for m in message_texts(response))


def test_refused_workflow_step_shows_an_error_and_changes_nothing(client, author, reviewer, draft):
    in_review(draft, author=author, reviewer=reviewer)
    history_before = draft.history.count()
    client.force_login(author)
    response = client.post(
        workflow_url(draft, "approve"), {"revision": factories.under_decision("approve", draft)}, follow=True
    )
    assert response.status_code == 200
    assert message_texts(response, "error") == ["You do not have permission to approve."]
    draft.refresh_from_db()
    assert draft.status == S.IN_REVIEW
    assert draft.history.count() == history_before
    assert not ReviewDecision.objects.exists()


def test_workflow_step_from_the_wrong_state_shows_an_error(client, author, reviewer, draft):
    client.force_login(reviewer)
    # As a page that showed version 1 submitted would post it.
    response = client.post(workflow_url(draft, "start_review"), {"revision": "1"}, follow=True)
    errors = message_texts(response, "error")
    assert len(errors) == 1 and "draft" in errors[0]
    assert errors[0] in response.content.decode()
    assert Article.objects.get(pk=draft.pk).status == S.DRAFT


def test_get_on_a_workflow_step_changes_nothing(client, author, draft):
    client.force_login(author)
    response = client.get(workflow_url(draft, "submit"))
    assert response.status_code == 200
    assert Article.objects.get(pk=draft.pk).status == S.DRAFT


def test_request_changes_without_a_comment_rerenders_with_an_error(client, author, reviewer, draft):
    in_review(draft, author=author, reviewer=reviewer)
    client.force_login(reviewer)
    response = client.post(workflow_url(draft, "request_changes"), {"comment": "", "reason": "clarity"})
    assert response.status_code == 200
    assert response.templates[0].name == "admin/articles/workflow_confirm.html"
    assert "comment" in response.context["form"].errors
    assert Article.objects.get(pk=draft.pk).status == S.IN_REVIEW
    assert not ReviewDecision.objects.exists()


def test_request_changes_with_a_comment_and_reason_sends_it_back(client, author, reviewer, draft):
    in_review(draft, author=author, reviewer=reviewer)
    client.force_login(reviewer)
    response = client.post(
        workflow_url(draft, "request_changes"),
        {"comment": "Cite the 2023 guideline.", "reason": "missing_evidence", "revision": "1"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == S.CHANGES_REQUESTED
    decision = ReviewDecision.objects.get()
    assert (decision.reviewer, decision.decision, decision.reason, decision.comment) == (
        reviewer,
        "request_changes",
        "missing_evidence",
        "Cite the 2023 guideline.",
    )
    assert draft.history.first().history_user == reviewer


def test_request_changes_with_a_long_comment_keeps_the_whole_comment(client, author, reviewer, draft):
    in_review(draft, author=author, reviewer=reviewer)
    comment = "The second section gives adult doses without saying they do not apply to children. " * 4
    client.force_login(reviewer)
    response = client.post(
        workflow_url(draft, "request_changes"), {"comment": comment, "reason": "safety", "revision": "1"}
    )
    assert response.status_code == 302
    assert Article.objects.get(pk=draft.pk).status == S.CHANGES_REQUESTED
    assert ReviewDecision.objects.get().comment == comment.strip()


def test_workflow_step_returns_to_a_local_next_url(client, author, draft):
    client.force_login(author)
    response = client.post(workflow_url(draft, "submit"), {"next": QUEUE_URL})
    assert response["Location"] == QUEUE_URL


def test_workflow_step_ignores_an_offsite_next_url(client, author, draft):
    client.force_login(author)
    response = client.post(workflow_url(draft, "submit"), {"next": "https://evil.example/phish"})
    assert response["Location"] == change_url(draft)
    assert Article.objects.get(pk=draft.pk).status == S.SUBMITTED


def test_unknown_workflow_action_is_forbidden(client, author, draft):
    client.force_login(author)
    assert client.post(workflow_url(draft, "publish_now")).status_code == 403
    assert Article.objects.get(pk=draft.pk).status == S.DRAFT


# --- Content is read-only while the board has it --------------------------------


@pytest.fixture(params=[S.SUBMITTED, S.IN_REVIEW])
def locked(request, author, reviewer, draft):
    if request.param == S.SUBMITTED:
        return submitted(draft, author=author)
    return in_review(draft, author=author, reviewer=reviewer)


def test_posting_an_edit_to_locked_content_changes_nothing(client, author, locked, specialty):
    before = locked.content_snapshot()
    history_before = locked.history.count()
    client.force_login(author)
    data = article_post_data(specialty, title="Edited while in review", body="Sneaky [1].", slug=locked.slug)
    response = client.post(change_url(locked), data)
    assert response.status_code == 200
    assert "read-only" in response.content.decode()
    locked.refresh_from_db()
    assert locked.content_snapshot() == before
    assert locked.history.count() == history_before


def test_locked_content_fields_are_read_only_on_the_change_page(client, author, locked):
    client.force_login(author)
    response = client.get(change_url(locked))
    form_fields = set(response.context["adminform"].form.fields)
    assert not form_fields & set(Article.CONTENT_FIELDS)
    assert 'name="title"' not in response.content.decode()


def test_references_of_locked_content_cannot_be_added(client, author, locked, specialty):
    client.force_login(author)
    inline = client.get(change_url(locked)).context["inline_admin_formsets"][0]
    assert not inline.has_add_permission
    assert not inline.has_change_permission

    refs_before = list(locked.references.values_list("pk", "title"))
    data = article_post_data(specialty, references=[{"number": "2", "title": "Added during review"}])
    data.update({"title": locked.title, "slug": locked.slug})
    client.post(change_url(locked), data)
    assert list(locked.references.values_list("pk", "title")) == refs_before


def test_old_history_records_cannot_be_posted_back_over_the_article(client, author, draft, specialty):
    first = draft.history.get()
    draft.title = "Second title"
    editing.save_content(draft, user=author)
    history_before = draft.history.count()
    client.force_login(author)
    data = article_post_data(specialty, title=first.title, slug=draft.slug)
    response = client.post(f"/admin/articles/article/{draft.pk}/history/{first.history_id}/", data)
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.title == "Second title"
    assert draft.history.count() == history_before


def test_saving_an_archived_article_is_refused_with_a_form_error(client, author, draft, specialty):
    workflow.archive(draft, user=author, reason="Outdated")
    history_before = draft.history.count()
    client.force_login(author)
    data = article_post_data(specialty, title="Edited in the archive", slug=draft.slug)
    response = client.post(change_url(draft), data)
    assert response.status_code == 200
    assert "archived and read-only" in response.content.decode()
    draft.refresh_from_db()
    assert draft.title != "Edited in the archive"
    assert draft.history.count() == history_before


def test_editing_a_draft_through_the_change_page_saves_it_with_the_reason(client, author, draft, specialty):
    ref = draft.references.get()
    client.force_login(author)
    data = article_post_data(specialty, title="What causes tension headaches?", slug=draft.slug, body="Stress [1].")
    data.update(
        {
            "change_reason": "Narrowed the question",
            "references-TOTAL_FORMS": "1",
            "references-INITIAL_FORMS": "1",
            "references-0-id": str(ref.pk),
            "references-0-article": str(draft.pk),
            "references-0-number": "1",
            "references-0-kind": ref.kind,
            "references-0-title": ref.title,
            "references-0-source": ref.source,
            "references-0-year": str(ref.year),
        }
    )
    response = client.post(change_url(draft), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "What causes tension headaches?"
    record = draft.history.first()
    assert (record.history_user, record.history_change_reason) == (author, "Narrowed the question")


# --- No deleting ----------------------------------------------------------------


def test_superuser_gets_no_delete_link_on_an_article(client, superuser, draft):
    client.force_login(superuser)
    response = client.get(change_url(draft))
    assert response.status_code == 200
    assert response.context["has_delete_permission"] is False
    assert f"/admin/articles/article/{draft.pk}/delete/" not in response.content.decode()


@pytest.mark.parametrize("role", ["superuser", "author"])
def test_nobody_can_open_the_delete_page(client, request, draft, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(f"/admin/articles/article/{draft.pk}/delete/").status_code == 403
    assert client.post(f"/admin/articles/article/{draft.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Article.objects.filter(pk=draft.pk).exists()


def test_bulk_delete_action_is_not_offered(client, superuser, draft):
    client.force_login(superuser)
    response = client.get("/admin/articles/article/")
    assert "delete_selected" not in response.content.decode()
    client.post(
        "/admin/articles/article/", {"action": "delete_selected", "_selected_action": [draft.pk], "post": "yes"}
    )
    assert Article.objects.filter(pk=draft.pk).exists()


# --- The review queue -----------------------------------------------------------


def test_review_queue_lists_waiting_articles_oldest_submitted_first(client, author, reviewer, specialty):
    made = {
        state: factories.make_article(author=author, specialty=specialty, title=f"Article {state}")
        for state in ["newer_submitted", "older_in_review", "oldest_submitted", "draft", "changes", "approved"]
    }
    submitted(made["newer_submitted"], author=author)
    submitted(made["oldest_submitted"], author=author)
    in_review(made["older_in_review"], author=author, reviewer=reviewer)
    in_review(made["changes"], author=author, reviewer=reviewer)
    workflow.request_changes(
        made["changes"],
        user=reviewer,
        revision=factories.under_decision("request_changes", made["changes"]),
        comment="Fix",
        reason="clarity",
    )
    factories.publish(made["approved"], author=author, reviewers=[reviewer])
    # Submission order differs from creation order, so sorting by pk or title would show.
    base = Revision.objects.get(article=made["newer_submitted"]).submitted_at
    for offset, key in [(-3, "oldest_submitted"), (-2, "older_in_review"), (0, "newer_submitted")]:
        Revision.objects.filter(article=made[key]).update(submitted_at=base + timedelta(hours=offset))

    client.force_login(reviewer)
    response = client.get(QUEUE_URL)
    assert response.status_code == 200
    listed = [a.pk for a in response.context["cl"].result_list]
    assert listed == [made[k].pk for k in ["oldest_submitted", "older_in_review", "newer_submitted"]]


def test_review_screen_shows_a_preview_of_the_pending_version(client, author, reviewer, published):
    published.body = "Updated advice on **caffeine** limits [1]."
    editing.save_content(published, user=author)
    submitted(published, author=author)
    pending = published.pending_revision
    client.force_login(reviewer)
    response = client.get(review_url(published))
    assert response.status_code == 200
    assert response.context["revision"] == pending
    html = response.content.decode()
    assert f"Preview of version {pending.number}" in html
    # The preview is framed: follow the frame as the browser would.
    frame = re.search(r'<iframe[^>]*\ssrc="([^"]+)"', html)
    assert frame, "no preview frame on the review screen"
    preview = client.get(unescape(frame[1]))
    assert preview.status_code == 200
    assert "<strong>caffeine</strong>" in preview.content.decode()
    assert "Some text" not in preview.content.decode()  # the live version's body is not what is reviewed


def test_editor_without_board_permissions_cannot_see_the_queue(client, author, draft):
    submitted(draft, author=author)
    client.force_login(author)
    assert client.get(QUEUE_URL).status_code == 403


# --- Anonymous users ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        lambda a: ADD_URL,
        lambda a: change_url(a),
        lambda a: workflow_url(a, "submit"),
        lambda a: QUEUE_URL,
        lambda a: review_url(a),
        lambda a: f"/admin/articles/article/{a.pk}/history/",
    ],
    ids=["add", "change", "workflow", "queue", "review", "history"],
)
def test_anonymous_users_are_sent_to_the_admin_login(client, draft, url):
    target = url(draft)
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('admin:login')}?next=")


def test_anonymous_post_to_a_workflow_step_changes_nothing(client, draft):
    response = client.post(workflow_url(draft, "submit"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert Article.objects.get(pk=draft.pk).status == S.DRAFT


# --- History --------------------------------------------------------------------


def test_history_page_lists_each_change_with_user_and_reason(client, author, reviewer, draft):
    workflow.submit(draft, user=author, reason="Ready for the board")
    workflow.start_review(draft, user=reviewer, revision=factories.under_decision("start_review", draft))
    client.force_login(author)
    response = client.get(f"/admin/articles/article/{draft.pk}/history/")
    assert response.status_code == 200
    rows = list(response.context["page_obj"].object_list)
    assert [(r.history_user.username, r.history_change_reason) for r in rows] == [
        ("reviewer", "Review started by reviewer"),
        ("author", "Ready for the board"),
        ("author", "First draft"),
    ]
    html = response.content.decode()
    for text in ["Ready for the board", "First draft", "Review started by reviewer"]:
        assert text in html


def test_admin_home_tells_a_reviewer_what_waits_for_the_board(client, db):
    from articles.review import workflow as wf

    author = factories.editor(username="dash_author")
    board = factories.reviewer(username="dash_reviewer")
    wf.submit(factories.make_article(author=author), user=author)
    client.force_login(board)
    html = client.get("/admin/").content.decode()
    assert "<strong>1</strong> in the review queue" in html
    assert "new reader question" not in html


def test_admin_home_tells_an_editor_about_sent_back_work_and_questions(client, db):
    author = factories.editor(username="dash_editor")
    factories.make_article(author=author)
    client.force_login(author)
    html = client.get("/admin/").content.decode()
    assert "1 draft" in html
    assert "new reader question" in html
    assert "in the review queue" not in html
