"""The board's review experience: queue, claims, review screen, citation gate, re-review."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles.models import Article, ReviewDecision
from articles.review import editing, workflow

from . import factories

S = Article.Status
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
QUEUE = "/admin/articles/reviewqueueitem/"


def review_url(article):
    return reverse("admin:articles_reviewqueueitem_review", args=[article.pk])


def queue_titles(client, query=""):
    response = client.get(QUEUE + query)
    assert response.status_code == 200
    return [row.title for row in response.context["cl"].result_list]


@pytest.fixture
def board_client(client, reviewer):
    client.force_login(reviewer)
    return client


def submitted(author, title, *, at):
    with time_machine.travel(at, tick=False):
        article = factories.make_article(author=author, title=title)
        workflow.submit(article, user=author, **factories.change_note_for(article))
    return article


# --- Queue ------------------------------------------------------------------------


def test_queue_lists_waiting_items_oldest_first_and_nothing_else(board_client, author, reviewer):
    submitted(author, "Newer", at=START + timedelta(days=2))
    submitted(author, "Older", at=START)
    in_review = submitted(author, "Middle", at=START + timedelta(days=1))
    workflow.start_review(in_review, user=reviewer, revision=factories.under_decision("start_review", in_review))
    factories.make_article(author=author, title="A draft")
    assert queue_titles(board_client) == ["Older", "Middle", "Newer"]


def test_queue_shows_kind_claim_author_and_quorum(board_client, settings, author, reviewer, published):
    settings.EDITORIAL_REQUIRED_APPROVALS = 2
    published.body = "Updated [1]."
    editing.save_content(published, user=author)
    workflow.submit(published, user=author, **factories.change_note_for(published))
    workflow.start_review(published, user=reviewer, revision=factories.under_decision("start_review", published))
    html = board_client.get(QUEUE).content.decode()
    assert "Update" in html
    assert "0 of 2" in html
    assert ">author<" in html or "author" in html
    row = board_client.get(QUEUE).context["cl"].result_list[0]
    assert row.queue_kind == "update"
    assert row.claimed_by == reviewer


@pytest.mark.parametrize(("count", "footer"), [(1, "1 article waiting"), (4, "4 articles waiting")])
def test_queue_footer_counts_articles_waiting(board_client, author, count, footer):
    for i in range(count):
        submitted(author, f"Waiting {i}", at=START + timedelta(hours=i))
    html = board_client.get(QUEUE).content.decode()
    paginator = html[html.index('<p class="paginator">') :]
    paginator = " ".join(paginator[: paginator.index("</p>")].split())
    assert footer in paginator
    assert "review queue" not in paginator


def test_queue_approvals_column_has_a_readable_header(board_client, author):
    submitted(author, "Waiting", at=START)
    html = board_client.get(QUEUE).content.decode()
    assert ">Approvals<" in html
    assert ">Quorum<" not in html


def test_queue_filters_by_state_claim_and_specialty(board_client, author, reviewer, second_reviewer):
    mine = submitted(author, "Mine", at=START)
    theirs = submitted(author, "Theirs", at=START + timedelta(hours=1))
    submitted(author, "Nobody's", at=START + timedelta(hours=2))
    workflow.start_review(mine, user=reviewer, revision=factories.under_decision("start_review", mine))
    workflow.start_review(theirs, user=second_reviewer, revision=factories.under_decision("start_review", theirs))
    assert queue_titles(board_client, "?claimed=me") == ["Mine"]
    assert queue_titles(board_client, "?claimed=others") == ["Theirs"]
    assert queue_titles(board_client, "?claimed=nobody") == ["Nobody's"]
    assert queue_titles(board_client, "?state=submitted") == ["Nobody's"]
    assert queue_titles(board_client, "?state=in_review") == ["Mine", "Theirs"]
    assert queue_titles(board_client, f"?specialty__id__exact={mine.specialty_id}") == ["Mine"]


def test_overdue_filter_uses_the_review_service_level(board_client, settings, author):
    settings.EDITORIAL_REVIEW_SLA_DAYS = 7
    submitted(author, "Waiting long", at=datetime.now(UTC) - timedelta(days=10))
    submitted(author, "Fresh", at=datetime.now(UTC) - timedelta(days=1))
    assert queue_titles(board_client, "?overdue=yes") == ["Waiting long"]
    assert queue_titles(board_client, "?overdue=no") == ["Fresh"]


def test_editors_cannot_open_the_queue(client, author):
    client.force_login(author)
    assert client.get(QUEUE).status_code == 403


# --- Claims -----------------------------------------------------------------------


def test_claim_is_visible_to_other_reviewers(client, author, reviewer, second_reviewer):
    article = submitted(author, "Claimed", at=START)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    client.force_login(second_reviewer)
    html = client.get(review_url(article)).content.decode()
    assert f"Claimed by <strong>{reviewer}</strong>" in html


def test_a_claimed_rereview_cannot_be_claimed_twice(published, second_reviewer, db):
    third = factories.reviewer(username="third")
    workflow.claim(published, user=second_reviewer, revision=factories.under_decision("claim", published))
    with pytest.raises(workflow.WorkflowError, match="already claimed"):
        workflow.claim(published, user=third, revision=factories.under_decision("claim", published))


# --- Review screen ----------------------------------------------------------------


def test_review_screen_approves_through_the_form(board_client, author, reviewer):
    article = submitted(author, "Approve me", at=START)
    board_client.post(review_url(article), {"action": "start_review", "start_review-revision": "1"})
    response = board_client.post(
        review_url(article), {"action": "approve", "approve-revision": "1", "approve-comment": "Good"}, follow=True
    )
    assert response.status_code == 200
    article.refresh_from_db()
    assert article.status == S.APPROVED
    assert ReviewDecision.objects.get(article=article).comment == "Good"


def test_request_changes_without_a_comment_shows_an_error_and_changes_nothing(board_client, author, reviewer):
    article = submitted(author, "Needs work", at=START)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    response = board_client.post(
        review_url(article),
        {"action": "request_changes", "request_changes-reason": "safety", "request_changes-comment": ""},
    )
    assert response.status_code == 200
    assert response.context["forms"]["request_changes"].errors["comment"]
    assert Article.objects.get(pk=article.pk).status == S.IN_REVIEW


def test_request_changes_with_reason_category(board_client, author, reviewer):
    article = submitted(author, "Needs work", at=START)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    board_client.post(
        review_url(article),
        {
            "action": "request_changes",
            "request_changes-revision": "1",
            "request_changes-reason": "safety",
            "request_changes-comment": "Dose is wrong",
        },
    )
    decision = ReviewDecision.objects.get(article=article)
    assert (decision.decision, decision.reason, decision.comment) == ("request_changes", "safety", "Dose is wrong")


def test_self_approval_is_refused_with_a_message_even_for_a_superuser(client, author, reviewer, superuser):
    factories.BoardMemberFactory(user=superuser)
    article = factories.make_article(author=superuser)
    workflow.submit(article, user=superuser, **factories.change_note_for(article))
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    client.force_login(superuser)
    html = client.get(review_url(article)).content.decode()
    assert "four-eyes" in html
    assert "Approve version" not in html
    response = client.post(review_url(article), {"action": "approve", "approve-revision": "1"})
    # The approve form is not offered to an author, so the refusal shows at the top of the page.
    assert any("four-eyes" in str(m) for m in response.context["messages"])
    assert "four-eyes rule" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == S.IN_REVIEW


def test_review_screen_shows_a_diff_for_updates(board_client, author, published, second_reviewer):
    published.body = "Entirely fresh words [1]."
    editing.save_content(published, user=author)
    workflow.submit(published, user=author, **factories.change_note_for(published))
    response = board_client.get(review_url(published))
    body_diff = next(f for f in response.context["diff"]["fields"] if f.label == "Body")
    assert "<ins>" in body_diff.html and "fresh" in body_diff.html
    assert "<del>" in body_diff.html
    assert "Preview of version 2" in response.content.decode()


PARAGRAPHS = [f"Paragraph {n} says rest, drink water and sleep at regular times [1]." for n in range(40)]


def submit_update(article, author, body):
    article.refresh_from_db()
    article.body = body
    editing.save_content(article, user=author)
    workflow.submit(article, user=author, **factories.change_note_for(article))


@pytest.fixture
def comparisons(monkeypatch):
    """Count difflib comparisons (passage alignments and word comparisons) the diffs make."""
    from articles.review import alignment

    calls = []
    real = alignment._Matcher

    def counting(a, b, **options):
        calls.append((len(a), len(b)))
        return real(a, b, **options)

    monkeypatch.setattr(alignment, "_Matcher", counting)
    return calls


def test_review_screen_diffs_a_pair_of_versions_once(
    board_client, author, published, comparisons, markdown_parses, count_queries
):
    submit_update(published, author, "\n\n".join(PARAGRAPHS))
    first = board_client.get(review_url(published))
    assert comparisons and markdown_parses  # computed: both versions rendered, then compared
    comparisons.clear(), markdown_parses.clear()
    with count_queries() as queries:
        again = board_client.get(review_url(published), {"expand": "all"})
    # Kept: no rendering, no comparing on the next loads, whichever view, for the same queries.
    assert comparisons == [] and markdown_parses == []
    assert board_client.get(review_url(published), {"diff": "source"}).status_code == 200
    assert comparisons == [] and markdown_parses == []
    assert again.context["rendered_diff"] == first.context["rendered_diff"]
    assert again.context["diff"] == first.context["diff"]
    with count_queries() as first_queries:
        board_client.get(review_url(published))
    assert queries.count == first_queries.count

    # A new version under review is a new pair: compared afresh.
    workflow.withdraw(published, user=author)
    submit_update(published, author, "\n\n".join(PARAGRAPHS).replace("Paragraph 7 says", "Paragraph 7 now says"))
    response = board_client.get(review_url(published))
    assert comparisons
    changed = [p for f in response.context["rendered_diff"] for s in f.segments for p in s.passages if p.changed]
    assert len(changed) == 40  # against the live version 1, every paragraph is new
    assert "now" in str(changed[7].html)


def test_review_screen_shows_the_diff_with_the_cache_down(board_client, author, published, monkeypatch, caplog):
    from articles.content import versions
    from articles.review import screen

    from .test_caching import BrokenCache

    for module in (screen, versions):
        monkeypatch.setattr(module, "cache", BrokenCache())
    submit_update(published, author, "Entirely fresh words [1].")
    response = board_client.get(review_url(published))
    assert response.status_code == 200
    body = next(f for f in response.context["rendered_diff"] if f.label == "Body")
    assert body.changed and "fresh" in response.content.decode()
    assert not [r for r in caplog.records if "review diffs" in r.getMessage()]  # no second try to store


def test_review_screen_says_when_passages_changed_too_much_to_mark_word_by_word(
    board_client, author, reviewer, published, monkeypatch
):
    from articles.review import alignment, diffing

    before = "\n\n".join(PARAGRAPHS)
    published.body = before
    editing.save_content(published, user=author)
    factories.publish(published, author=author, reviewers=[reviewer])
    submit_update(published, author, before.replace(" says rest, drink ", " tells rest, drinks "))
    monkeypatch.setattr(alignment, "WORD_BUDGET", 0)  # nothing but insertions and deletions
    page = board_client.get(review_url(published)).content.decode()
    assert "40 passages changed too much to mark word by word: each is shown removed and added whole." in page
    assert page.count(f'<p class="diff-coarse-note">{diffing.COARSE_NOTE}</p>') == 40
    source = board_client.get(review_url(published), {"diff": "source"}).content.decode()
    assert "40 passages changed too much to mark word by word" in source
    assert source.count(f'<span class="diff-coarse-note">{diffing.COARSE_NOTE}</span>') == 40


def test_first_versions_get_a_preview_and_no_diff(board_client, author):
    article = submitted(author, "Brand new", at=START)
    response = board_client.get(review_url(article))
    assert response.context["diff"] is None
    preview = board_client.get(response.context["preview_url"])
    assert preview.status_code == 200
    assert b"This is how version 1 will look to readers once approved" in preview.content
    assert b"Reviewed by the Medical Advisory Board" not in preview.content
    assert preview["X-Frame-Options"] == "SAMEORIGIN"


def test_preview_is_staff_only(client, author):
    article = submitted(author, "Brand new", at=START)
    url = reverse("admin:articles_reviewqueueitem_preview", args=[article.pk, 1])
    assert client.get(url).status_code == 302  # to the login page


# --- Citation gate ----------------------------------------------------------------


def test_citing_a_missing_reference_blocks_submission_naming_the_citation(author):
    article = factories.make_article(author=author, body="Claim [1] and [4].")
    with pytest.raises(ValidationError) as error:
        workflow.submit(article, user=author, **factories.change_note_for(article))
    assert "[4]" in str(error.value)
    assert Article.objects.get(pk=article.pk).status == S.DRAFT


def test_an_uncited_reference_blocks_submission(author):
    article = factories.make_article(author=author, body="Claim [1].", references=2)
    with pytest.raises(ValidationError, match="Reference 2"):
        workflow.submit(article, user=author, **factories.change_note_for(article))


def test_citation_gate_also_guards_approval(author, reviewer):
    article = factories.make_article(author=author)
    workflow.submit(article, user=author, **factories.change_note_for(article))
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    # A broken revision (e.g. imported before the gate existed) still cannot be approved.
    type(article.pending_revision).objects.filter(pk=article.pending_revision_id).update(body="Claim [9].")
    Article.objects.filter(pk=article.pk).update(body="Claim [9].")
    revision = article.pending_revision
    revision.refresh_from_db()
    from articles.models import hash_content

    type(revision).objects.filter(pk=revision.pk).update(content_hash=hash_content(revision.snapshot()))
    with pytest.raises(ValidationError, match=r"\[9\]"):
        workflow.approve(article, user=reviewer, revision=factories.under_decision("approve", article))


def test_submit_button_in_admin_reports_the_citation_problem(client, author):
    article = factories.make_article(author=author, body="Claim [2].", references=1)
    client.force_login(author)
    url = reverse("admin:articles_article_workflow", args=[article.pk, "submit"])
    response = client.post(url, follow=True)
    assert "[2]" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == S.DRAFT


# --- Periodic re-review -----------------------------------------------------------


def test_approval_sets_last_reviewed_and_next_review_due(settings, author, reviewer):
    settings.EDITORIAL_REVIEW_INTERVAL_DAYS = 180
    with time_machine.travel(START, tick=False):
        article = factories.publish(factories.make_article(author=author), author=author, reviewers=[reviewer])
    assert article.last_reviewed_at == START
    assert article.next_review_due == START + timedelta(days=180)


def test_due_articles_enter_the_queue_as_rereviews(client, settings, author, reviewer):
    settings.EDITORIAL_REVIEW_DUE_SOON_DAYS = 30
    with time_machine.travel(START, tick=False):
        due = factories.publish(factories.make_article(author=author, title="Due"), author=author, reviewers=[reviewer])
    with time_machine.travel(START + timedelta(days=200), tick=False):
        factories.publish(factories.make_article(author=author, title="Not due"), author=author, reviewers=[reviewer])
    with time_machine.travel(START + timedelta(days=340)):
        client.force_login(reviewer)  # sessions expire; log in at the travelled-to time
        rows = client.get(QUEUE).context["cl"].result_list
        assert [(r.title, r.queue_kind, r.is_overdue) for r in rows] == [("Due", "rereview", False)]
    with time_machine.travel(START + timedelta(days=400)):
        client.force_login(reviewer)
        rows = client.get(QUEUE + "?overdue=yes").context["cl"].result_list
        assert [r.pk for r in rows] == [due.pk]


def test_confirming_still_accurate_moves_the_dates_and_leaves_the_queue(
    board_client, author, reviewer, second_reviewer
):
    with time_machine.travel(START, tick=False):
        article = factories.publish(factories.make_article(author=author), author=author, reviewers=[reviewer])
    later = START + timedelta(days=400)
    with time_machine.travel(later, tick=False):
        board_client.force_login(second_reviewer)
        board_client.post(
            review_url(article),
            {"action": "confirm_current", "confirm_current-revision": "1-live", "confirm_current-comment": "Checked"},
        )
        article.refresh_from_db()
        assert article.last_reviewed_at == later
        assert article.next_review_due == later + timedelta(days=365)
        assert article.published_revision.number == 1
        assert queue_titles(board_client) == []


def test_rereview_can_send_a_live_article_back_while_it_stays_live(client, author, reviewer, second_reviewer):
    article = factories.publish(factories.make_article(author=author, slug="live"), author=author, reviewers=[reviewer])
    workflow.request_changes(
        article,
        user=second_reviewer,
        revision=factories.under_decision("request_changes", article),
        comment="New guideline out",
        reason="missing_evidence",
    )
    article.refresh_from_db()
    assert article.status == S.CHANGES_REQUESTED
    assert client.get("/articles/live/").status_code == 200


def test_public_page_marks_an_overdue_article(client, author, reviewer):
    with time_machine.travel(START, tick=False):
        factories.publish(factories.make_article(author=author, slug="old"), author=author, reviewers=[reviewer])
    with time_machine.travel(START + timedelta(days=30)):
        assert b"Review overdue" not in client.get("/articles/old/").content
    with time_machine.travel(START + timedelta(days=400)):
        html = client.get("/articles/old/").content.decode()
    assert "Review overdue" in html
    assert "Next review due" in html


def test_editors_can_preview_their_working_copy_before_submitting(client, author):
    article = factories.make_article(author=author, title="Draft in progress", body="Fresh words [1].")
    client.force_login(author)
    response = client.get(reverse("admin:articles_article_preview_draft", args=[article.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This is how the working draft will look" in html
    assert "Fresh words" in html
    assert response["X-Robots-Tag"] == "noindex"


def test_draft_preview_is_staff_only(client, author):
    article = factories.make_article(author=author)
    response = client.get(reverse("admin:articles_article_preview_draft", args=[article.pk]))
    assert response.status_code == 302
