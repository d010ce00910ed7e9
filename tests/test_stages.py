"""Review stages: a clinical review, then a pharmacist sign-off for articles that mention medicines."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connection
from django.utils.html import strip_tags

from articles.models import Article, ArticleFlag, ReviewDecision, RevisionStage, Stage, Workflow
from articles.review import editing, workflow

from . import factories

S = Article.Status
QUEUE = "/admin/articles/reviewqueueitem/"


def make_two_stage_workflow(*, pharmacists, flag, name="Clinical and pharmacy", **pharmacy):
    """The demo's workflow: clinical review for every article, a pharmacist's sign-off for flagged ones."""
    Workflow.objects.update(is_active=False)
    flow = Workflow.objects.create(name=name, is_active=True)
    Stage.objects.create(
        workflow=flow, position=1, name="Clinical review", credit="Medically reviewed by", required_approvals=1
    )
    options = {"required_approvals": 1, **pharmacy}
    Stage.objects.create(
        workflow=flow,
        position=2,
        name="Pharmacist sign-off",
        credit="Pharmacist review by",
        group=pharmacists,
        applies_to=Stage.AppliesTo.FLAG,
        flag=flag,
        **options,
    )
    return flow


@pytest.fixture
def pharmacists(db):
    return Group.objects.create(name="Pharmacists")


@pytest.fixture
def medicines(db):
    return ArticleFlag.objects.create(name="Mentions medicines", slug="mentions-medicines")


def pharmacist_user(username, pharmacists, display_name="Sam Patel"):
    user = factories.reviewer(username=username)
    user.groups.add(pharmacists)
    user.board_profile.display_name = display_name
    user.board_profile.credentials = "MPharm"
    user.board_profile.save()
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def pharmacist(pharmacists):
    return pharmacist_user("pharmacist", pharmacists)


@pytest.fixture
def two_stages(pharmacists, medicines):
    return make_two_stage_workflow(pharmacists=pharmacists, flag=medicines)


def flagged_article(author, *, slug=None, flags=("mentions-medicines",)):
    article = factories.make_article(author=author, slug=slug, title="Can I take ibuprofen with a cold?")
    article.flags = list(flags)
    editing.save_content(article, user=author, reason="Ticked “mentions medicines”")
    return article


def start_and_approve(article, user):
    workflow.start_review(article, user=user, revision=factories.under_decision("start_review", article))
    return workflow.approve(article, user=user, revision=factories.under_decision("approve", article))


def reasons(article):
    return list(article.history.order_by("history_date").values_list("history_change_reason", flat=True))


# --- Which stages a version goes through -------------------------------------------------


def test_the_default_workflow_is_todays_single_stage(author, reviewer):
    flow = Workflow.objects.get(is_active=True)
    assert [(s.name, s.group, s.specialty, s.required_approvals) for s in flow.stages.all()] == [
        ("Medical review", None, None, None)  # blank quorum: the site's EDITORIAL_REQUIRED_APPROVALS
    ]
    article = factories.make_article(author=author)
    revision = workflow.submit(article, user=author)
    assert [(s.name, s.required_approvals) for s in revision.stages.all()] == [("Medical review", 1)]
    start_and_approve(article, reviewer)
    article.refresh_from_db()
    assert article.status == S.APPROVED
    assert reasons(article)[-1] == "Approved version 1 (1 of 1 approvals): published"


def test_a_flagged_article_needs_the_pharmacist_after_the_clinical_review(two_stages, author, reviewer, pharmacist):
    article = flagged_article(author)
    revision = workflow.submit(article, user=author)
    assert [s.name for s in revision.stages.all()] == ["Clinical review", "Pharmacist sign-off"]

    start_and_approve(article, reviewer)
    article.refresh_from_db()
    # Clinically reviewed, not approved: it waits for a pharmacist and nobody reads it yet.
    assert article.status == S.SUBMITTED and not article.is_public()
    assert article.pending_revision.current_stage == 2
    assert "Clinical review complete, waiting for Pharmacist sign-off" in reasons(article)[-1]

    start_and_approve(article, pharmacist)
    article.refresh_from_db()
    assert article.status == S.APPROVED and article.is_public()
    assert {(d.stage, d.reviewer) for d in revision.approvals()} == {(1, reviewer), (2, pharmacist)}
    assert "Pharmacist sign-off complete, published" in reasons(article)[-1]


def test_an_article_without_the_flag_goes_through_the_clinical_review_only(two_stages, author, reviewer):
    article = factories.make_article(author=author)
    revision = workflow.submit(article, user=author)
    assert [s.name for s in revision.stages.all()] == ["Clinical review"]
    start_and_approve(article, reviewer)
    article.refresh_from_db()
    assert article.status == S.APPROVED


def test_a_stage_for_given_topics_applies_only_to_them(pharmacists, author, reviewer):
    children = factories.SpecialtyFactory(name="Paediatrics", slug="paediatrics")
    flow = Workflow.objects.get(is_active=True)
    paediatric = Stage.objects.create(
        workflow=flow, position=2, name="Paediatrician review", applies_to=Stage.AppliesTo.TOPICS
    )
    paediatric.topics.add(children)
    for_children = factories.make_article(author=author, specialty=children)
    other = factories.make_article(author=author)
    assert [s.name for s in workflow.submit(for_children, user=author).stages.all()] == [
        "Medical review",
        "Paediatrician review",
    ]
    assert [s.name for s in workflow.submit(other, user=author).stages.all()] == ["Medical review"]


def test_a_workflow_whose_stages_all_skip_an_article_still_reviews_it(medicines, pharmacists, author, reviewer):
    Workflow.objects.update(is_active=False)
    flow = Workflow.objects.create(name="Pharmacy only", is_active=True)
    Stage.objects.create(workflow=flow, position=1, name="Pharmacy", applies_to="flag", flag=medicines)
    revision = workflow.submit(factories.make_article(author=author), user=author)
    assert [(s.name, s.required_approvals) for s in revision.stages.all()] == [("Medical review", 1)]


def test_ticking_a_flag_is_a_change_the_board_reviews(published, author, medicines):
    published.flags = ["mentions-medicines"]
    editing.save_content(published, user=author)
    published.refresh_from_db()
    assert published.status == S.DRAFT  # the live version has no flag: this is a new draft
    revision = workflow.submit(published, user=author, **factories.change_note_for(published))
    assert revision.flags == ["mentions-medicines"]
    assert revision.snapshot()["flags"] == ["mentions-medicines"]
    assert "flags" not in published.published_revision.snapshot()  # versions without flags hash as before


# --- Who may decide at a stage -----------------------------------------------------------


@pytest.fixture
def at_pharmacy(two_stages, author, reviewer):
    """A flagged version through its clinical review, waiting for a pharmacist."""
    article = flagged_article(author, slug="ibuprofen")
    workflow.submit(article, user=author)
    start_and_approve(article, reviewer)
    article.refresh_from_db()
    return article


def test_a_board_member_who_is_not_a_pharmacist_is_refused_at_the_pharmacist_stage(at_pharmacy, second_reviewer):
    with pytest.raises(PermissionDenied, match=r"This stage \(Pharmacist sign-off\) needs members of Pharmacists"):
        workflow.start_review(
            at_pharmacy, user=second_reviewer, revision=factories.under_decision("start_review", at_pharmacy)
        )
    assert not workflow.allowed("approve", at_pharmacy, second_reviewer)
    at_pharmacy.refresh_from_db()
    assert at_pharmacy.status == S.SUBMITTED


def test_approvals_from_the_wrong_people_are_refused_by_the_workflow_itself(at_pharmacy, pharmacist, second_reviewer):
    workflow.start_review(at_pharmacy, user=pharmacist, revision=factories.under_decision("start_review", at_pharmacy))
    with pytest.raises(PermissionDenied, match="needs members of Pharmacists"):
        workflow.approve(at_pharmacy, user=second_reviewer, revision=factories.under_decision("approve", at_pharmacy))
    assert at_pharmacy.pending_revision.approvals().count() == 1


def test_a_specialty_stage_takes_only_board_members_of_that_specialty(author, reviewer, second_reviewer):
    cardiology = factories.SpecialtyFactory(name="Cardiology", slug="cardiology")
    reviewer.board_profile.specialty = cardiology
    reviewer.board_profile.save()
    flow = Workflow.objects.get(is_active=True)
    flow.stages.update(specialty=cardiology)
    article = factories.make_article(author=author)
    workflow.submit(article, user=author)
    with pytest.raises(PermissionDenied, match="needs board members for Cardiology"):
        start_and_approve(article, second_reviewer)
    start_and_approve(article, reviewer)
    article.refresh_from_db()
    assert article.status == S.APPROVED


def test_one_person_may_not_approve_two_stages_of_a_version(two_stages, author, pharmacists):
    first = pharmacist_user("first-pharmacist", pharmacists)
    second = pharmacist_user("second-pharmacist", pharmacists, display_name="Ana Silva")
    article = flagged_article(author)
    workflow.submit(article, user=author)
    start_and_approve(article, first)  # a pharmacist may do the clinical review (any board member)
    workflow.start_review(article, user=second, revision=factories.under_decision("start_review", article))
    with pytest.raises(PermissionDenied, match="You approved this version at Clinical review"):
        workflow.approve(article, user=first, revision=factories.under_decision("approve", article))
    workflow.approve(article, user=second, revision=factories.under_decision("approve", article))
    article.refresh_from_db()
    assert article.status == S.APPROVED


def test_a_stage_can_let_earlier_approvers_approve_it(pharmacists, medicines, author):
    make_two_stage_workflow(pharmacists=pharmacists, flag=medicines, allow_earlier_approvers=True)
    both = pharmacist_user("both", pharmacists)
    article = flagged_article(author)
    workflow.submit(article, user=author)
    start_and_approve(article, both)
    start_and_approve(article, both)
    article.refresh_from_db()
    assert article.status == S.APPROVED


def test_changes_requested_at_the_second_stage_send_the_version_back(at_pharmacy, author, pharmacist, reviewer):
    revision = at_pharmacy.pending_revision
    workflow.start_review(at_pharmacy, user=pharmacist, revision=factories.under_decision("start_review", at_pharmacy))
    workflow.request_changes(
        at_pharmacy,
        user=pharmacist,
        revision=factories.under_decision("request_changes", at_pharmacy),
        comment="Add the maximum daily dose for children.",
        reason="safety",
    )
    at_pharmacy.refresh_from_db()
    assert at_pharmacy.status == S.CHANGES_REQUESTED and at_pharmacy.pending_revision is None
    assert revision.decisions.get(decision="request_changes").stage == 2
    assert reasons(at_pharmacy)[-1].startswith("Changes requested at Pharmacist sign-off (Safety)")
    # Resubmitted, it starts again at the clinical review: the earlier approval was for other content.
    at_pharmacy.body = "Children: see the leaflet for the maximum daily dose [1]."
    editing.save_content(at_pharmacy, user=author)
    again = workflow.submit(at_pharmacy, user=author)
    assert again.current_stage == 1 and again.approvals().count() == 0


def test_the_four_eyes_rule_holds_at_the_pharmacist_stage(two_stages, pharmacists, reviewer):
    writer = pharmacist_user("writing-pharmacist", pharmacists)
    writer.groups.add(Group.objects.get(name="Editors"))
    article = flagged_article(writer)
    workflow.submit(article, user=writer)
    start_and_approve(article, reviewer)
    with pytest.raises(PermissionDenied, match="four-eyes"):
        start_and_approve(article, writer)


def test_approvals_are_pinned_to_the_version_at_every_stage(at_pharmacy, author, pharmacist):
    old = factories.under_decision("approve", at_pharmacy)
    workflow.withdraw(at_pharmacy, user=author)
    at_pharmacy.body = "Changed after the clinical review [1]."
    editing.save_content(at_pharmacy, user=author)
    workflow.submit(at_pharmacy, user=author)
    at_pharmacy.refresh_from_db()
    assert at_pharmacy.pending_revision.current_stage == 1  # the clinical approval was for version 1
    with pytest.raises(workflow.WorkflowError, match="version 1 under review, but version 2"):
        workflow.approve(at_pharmacy, user=pharmacist, revision=old)


# --- Changing a workflow while versions are in flight ------------------------------------


def test_a_version_in_flight_keeps_the_stages_it_was_submitted_with(at_pharmacy, author, reviewer, second_reviewer):
    # The pharmacist stage is removed, then the whole workflow replaced: the version still needs a pharmacist.
    Stage.objects.filter(name="Pharmacist sign-off").delete()
    Workflow.objects.update(is_active=False)
    assert [s.name for s in at_pharmacy.pending_revision.stages.all()] == ["Clinical review", "Pharmacist sign-off"]
    with pytest.raises(PermissionDenied, match="needs members of Pharmacists"):
        start_and_approve(at_pharmacy, second_reviewer)
    at_pharmacy.refresh_from_db()
    assert not at_pharmacy.is_public()


def test_a_stage_added_later_does_not_hold_back_a_version_submitted_before(author, reviewer, pharmacists, medicines):
    article = flagged_article(author)
    workflow.submit(article, user=author)  # under the one-stage default
    make_two_stage_workflow(pharmacists=pharmacists, flag=medicines)
    start_and_approve(article, reviewer)
    article.refresh_from_db()
    assert article.status == S.APPROVED


def test_re_planning_keeps_approvals_only_for_stages_that_still_exist(at_pharmacy, superuser, reviewer, pharmacist):
    flow = Workflow.objects.get(is_active=True)
    flow.stages.filter(name="Clinical review").update(name="Clinical check")
    Stage.objects.create(workflow=flow, position=3, name="Safety check", required_approvals=1)
    workflow.start_review(at_pharmacy, user=pharmacist, revision=factories.under_decision("start_review", at_pharmacy))
    kept, dropped = workflow.replan(at_pharmacy, user=superuser)
    assert (kept, dropped) == ([], ["Clinical review"])
    revision = Article.objects.get(pk=at_pharmacy.pk).pending_revision
    in_play = list(revision.stages.filter(superseded_at__isnull=True))
    assert [s.name for s in in_play] == ["Clinical check", "Pharmacist sign-off", "Safety check"]
    assert revision.current_stage == in_play[0].position  # the clinical approval no longer counts
    assert revision.stages.filter(superseded_at__isnull=False).count() == 2  # kept on record
    assert "approvals no longer counted for Clinical review" in reasons(at_pharmacy)[-1]


def test_re_planning_carries_approvals_of_a_stage_that_still_exists(at_pharmacy, superuser, reviewer):
    flow = Workflow.objects.get(is_active=True)
    Stage.objects.create(workflow=flow, position=3, name="Safety check", required_approvals=1)
    kept, dropped = workflow.replan(at_pharmacy, user=superuser)
    assert (kept, dropped) == (["Clinical review"], [])
    revision = Article.objects.get(pk=at_pharmacy.pk).pending_revision
    current = revision.stages.get(position=revision.current_stage)
    assert current.name == "Pharmacist sign-off"  # the clinical stage is complete with the kept approval
    assert revision.approvals().get().stage == revision.stages.get(name="Clinical review", superseded_at=None).position


def test_re_planning_never_approves_a_version(two_stages, author, reviewer, superuser):
    article = flagged_article(author)
    workflow.submit(article, user=author)
    start_and_approve(article, reviewer)
    Stage.objects.filter(name="Pharmacist sign-off").delete()
    workflow.replan(article, user=superuser)
    article.refresh_from_db()
    assert article.status == S.SUBMITTED and not article.is_public()


def test_only_workflow_managers_re_plan(at_pharmacy, reviewer, author):
    for user in (reviewer, author):
        with pytest.raises(PermissionDenied, match="permission to change review workflows"):
            workflow.replan(at_pharmacy, user=user)


# --- What the board sees -----------------------------------------------------------------


def test_the_queue_shows_each_stage_and_filters_what_waits_for_my_stage(client, at_pharmacy, author, pharmacist):
    other = factories.make_article(author=author, title="What is a migraine?")
    workflow.submit(other, user=author)  # at the clinical review, not flagged
    client.force_login(pharmacist)
    html = strip_tags(client.get(QUEUE).content.decode())
    assert "Clinical review 1 of 1 ✓ · Pharmacist sign-off 0 of 1" in html
    mine = client.get(QUEUE + "?stage=mine").context["cl"].result_list
    # A pharmacist is a board member: both wait at a stage they may decide at.
    assert {a.title for a in mine} == {at_pharmacy.title, other.title}


def test_waiting_for_my_stage_leaves_out_stages_for_other_people(client, at_pharmacy, second_reviewer):
    client.force_login(second_reviewer)
    assert [a.title for a in client.get(QUEUE + "?stage=mine").context["cl"].result_list] == []
    assert [a.title for a in client.get(QUEUE + "?stage=others").context["cl"].result_list] == [at_pharmacy.title]


def test_the_review_screen_tells_a_member_why_they_cannot_decide_at_this_stage(client, at_pharmacy, second_reviewer):
    client.force_login(second_reviewer)
    response = client.get(f"/admin/articles/reviewqueueitem/{at_pharmacy.pk}/review/")
    html = response.content.decode()
    assert "This stage (Pharmacist sign-off) needs members of Pharmacists" in html
    assert "Pharmacist sign-off" in html and "0 of 1" in html
    assert response.context["available"] == set()


def test_the_next_stage_s_deciders_are_emailed_when_a_stage_completes(commit, two_stages, author, reviewer, pharmacist):
    article = flagged_article(author)
    workflow.submit(article, user=author)
    workflow.start_review(article, user=reviewer, revision=factories.under_decision("start_review", article))
    mail.outbox.clear()
    commit(workflow.approve, article, user=reviewer, revision=factories.under_decision("approve", article))
    to_pharmacists = [m for m in mail.outbox if m.subject.startswith("[Review: Pharmacist sign-off]")]
    assert [m.to for m in to_pharmacists] == [["pharmacist@example.com"]]
    assert "passed Clinical review and now waits for Pharmacist sign-off" in to_pharmacists[0].body


def test_the_trust_line_credits_each_stage_s_reviewers_with_their_role(client, at_pharmacy, reviewer, pharmacist):
    start_and_approve(at_pharmacy, pharmacist)
    html = client.get(at_pharmacy.get_absolute_url()).content.decode()
    name = reviewer.board_profile.display_name
    assert "Medically reviewed by" in html and name in html
    assert "Pharmacist review by" in html and "Sam Patel, MPharm" in html
    assert "Content approved by" not in html


def test_the_history_lists_each_stage_completion(client, at_pharmacy, pharmacist, superuser):
    start_and_approve(at_pharmacy, pharmacist)
    client.force_login(superuser)
    html = client.get(f"/admin/articles/article/{at_pharmacy.pk}/history/").content.decode()
    assert "Clinical review complete, waiting for Pharmacist sign-off" in html
    assert "Pharmacist sign-off complete, published" in html


# --- Racing decisions across stages (PostgreSQL) -----------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="real concurrent connections need PostgreSQL")
def test_twenty_decisions_racing_across_stages_give_exactly_one_outcome(django_capture_on_commit_callbacks):
    """Clinicians and pharmacists approve one flagged version at once, some as the clinical stage
    completes, each thread on its own connection: exactly one approval lands per stage decided."""
    factories.ensure_groups()
    pharmacists = Group.objects.create(name="Pharmacists")
    medicines = ArticleFlag.objects.create(name="Mentions medicines", slug="mentions-medicines")
    make_two_stage_workflow(pharmacists=pharmacists, flag=medicines)
    author = factories.editor(username="race-author")
    clinicians = [factories.reviewer(username=f"clinician-{i}") for i in range(10)]
    chemists = [pharmacist_user(f"pharmacist-{i}", pharmacists) for i in range(10)]
    article = flagged_article(author, slug="race-stages")
    workflow.submit(article, user=author)
    workflow.start_review(article, user=clinicians[0], revision=factories.under_decision("start_review", article))
    revision = factories.under_decision("approve", article)  # "1": what every page showed

    def race(people):
        start = threading.Barrier(len(people))
        outcomes, errors = [], []

        def decide(user):
            try:
                start.wait()
                workflow.approve(Article.objects.get(pk=article.pk), user=user, revision=revision)
                outcomes.append("done")
            except (workflow.WorkflowError, PermissionDenied) as refusal:
                outcomes.append(f"refused: {refusal}")
            except Exception as error:  # anything else is a bug
                errors.append(repr(error))
            finally:
                close_old_connections()
                connection.close()

        threads = [threading.Thread(target=decide, args=(user,)) for user in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return outcomes, errors

    # Twenty at the clinical stage: one approval completes it, nobody's lands on the pharmacist stage.
    outcomes, errors = race(clinicians + chemists)
    assert errors == [] and outcomes.count("done") == 1, outcomes
    article.refresh_from_db()
    stage_rows = {s.position: s for s in RevisionStage.objects.filter(revision=article.pending_revision)}
    assert article.status == S.SUBMITTED and article.pending_revision.current_stage == 2
    assert stage_rows[1].completed_at is not None and stage_rows[2].completed_at is None
    assert list(ReviewDecision.objects.filter(article=article).values_list("stage", flat=True)) == [1]
    history_before = article.history.count()

    # Twenty at the pharmacist stage: clinicians are refused, one pharmacist's approval publishes.
    workflow.start_review(article, user=chemists[-1], revision=factories.under_decision("start_review", article))
    approved_first = ReviewDecision.objects.get(article=article).reviewer
    outcomes, errors = race([u for u in clinicians + chemists if u != approved_first][:20])
    assert errors == [] and outcomes.count("done") == 1, outcomes
    article.refresh_from_db()
    assert article.status == S.APPROVED and article.published_revision_id is not None
    assert sorted(ReviewDecision.objects.filter(article=article).values_list("stage", flat=True)) == [1, 2]
    # Whoever came first, the pharmacist stage was decided by a pharmacist.
    assert ReviewDecision.objects.get(article=article, stage=2).reviewer in chemists
    assert article.history.count() == history_before + 2  # the start of the review, then one approval


# --- The admin: workflow editor, flags on the article form, re-planning --------------------


def stage_rows(rows):
    """The inline formset's POST data for ``rows`` of stage fields."""
    data = {
        "stages-TOTAL_FORMS": str(len(rows)),
        "stages-INITIAL_FORMS": "0",
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"stages-{i}-{name}": value for name, value in row.items()})
    return data


def test_the_workflow_editor_saves_ordered_stages(client, superuser, pharmacists, medicines):
    client.force_login(superuser)
    Workflow.objects.update(is_active=False)
    response = client.post(
        "/admin/articles/workflow/add/",
        {
            "name": "Medicines",
            "is_active": "on",
            **stage_rows(
                [
                    {
                        "position": "2",
                        "name": "Pharmacist sign-off",
                        "group": pharmacists.pk,
                        "required_approvals": "1",
                        "applies_to": "flag",
                        "flag": medicines.pk,
                        "credit": "Pharmacist review by",
                    },
                    {"position": "1", "name": "Clinical review", "applies_to": "always", "credit": ""},
                ]
            ),
        },
    )
    assert response.status_code == 302, response.context["errors"] if response.context else response
    flow = Workflow.objects.get(name="Medicines", is_active=True)
    assert [s.name for s in flow.stages.all()] == ["Clinical review", "Pharmacist sign-off"]
    page = client.get(f"/admin/articles/workflow/{flow.pk}/change/").content.decode()
    assert "keeps the stages it was submitted with" in page


def test_the_workflow_editor_names_the_missing_rule_field(client, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/articles/workflow/add/",
        {"name": "Topics", **stage_rows([{"position": "1", "name": "Paediatrics", "applies_to": "topics"}])},
    )
    assert response.status_code == 200
    assert "Choose the topics this stage applies to." in response.content.decode()
    assert not Workflow.objects.filter(name="Topics").exists()


def test_a_second_active_workflow_is_refused_with_a_clear_error(client, superuser):
    client.force_login(superuser)
    response = client.post("/admin/articles/workflow/add/", {"name": "Another", "is_active": "on", **stage_rows([])})
    assert response.status_code == 200
    assert "Another workflow is active" in response.content.decode()


def test_the_article_form_shows_flags_as_checkboxes_and_saves_them(client, draft, author, medicines):
    client.force_login(author)
    url = f"/admin/articles/article/{draft.pk}/change/"
    html = client.get(url).content.decode()
    assert 'type="checkbox" name="flags" value="mentions-medicines"' in html
    response = client.post(url, factories.change_form_post(draft, flags=["mentions-medicines"]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.flags == ["mentions-medicines"]
    assert "flags" in draft.content_snapshot()


def test_re_plan_from_the_queue(client, at_pharmacy, superuser):
    flow = Workflow.objects.get(is_active=True)
    Stage.objects.create(workflow=flow, position=3, name="Safety check", required_approvals=1)
    client.force_login(superuser)
    response = client.post(QUEUE, {"action": "replan_selected", "_selected_action": [at_pharmacy.pk]}, follow=True)
    assert "re-planned with the current workflow. Approvals kept for Clinical review." in response.content.decode()
    revision = Article.objects.get(pk=at_pharmacy.pk).pending_revision
    assert [s.name for s in revision.stages.filter(superseded_at=None)][-1] == "Safety check"


def test_board_members_are_not_offered_re_planning(client, at_pharmacy, reviewer):
    client.force_login(reviewer)
    assert "replan_selected" not in client.get(QUEUE).content.decode()


def test_the_board_sees_a_changed_flag_in_the_diff(published, author, medicines):
    from articles.review import diffing

    published.flags = ["mentions-medicines"]
    editing.save_content(published, user=author)
    revision = workflow.submit(published, user=author, **factories.change_note_for(published))
    diff = diffing.diff_snapshots(published.published_revision.snapshot(), revision.snapshot())
    [flags] = [f for f in diff["fields"] if f.label == "Flags"]
    assert flags.changed and "mentions-medicines" in strip_tags(flags.html)
    assert diff["changed"]


# --- Flags travel with the article file ---------------------------------------------------


def test_flags_are_exported_and_imported_with_the_article(author, reviewer, medicines):
    from articles.interchange import format as fmt
    from articles.interchange import service
    from articles.interchange.sources import Source

    article = flagged_article(author, slug="flagged")
    data = fmt.serialise(service.article_file(article, approved=False))
    assert "flags:\n- mentions-medicines\n" in data.decode()
    parsed = fmt.parse(data, max_bytes=1_000_000)
    assert parsed.flags == ["mentions-medicines"]
    # Re-importing the same file changes nothing; a file without the flag is an update that unticks it.
    assert service.plan([Source("flagged.md", data=data)]).items[0].action == service.UNCHANGED
    unflagged = data.decode().replace("flags:\n- mentions-medicines\n", "").encode()
    the_plan = service.apply(service.plan([Source("flagged.md", data=unflagged)]), user=author)
    assert the_plan.items[0].done
    article.refresh_from_db()
    assert article.flags == []


def test_an_imported_file_naming_an_unknown_flag_is_refused_naming_it(author, medicines):
    from articles.interchange import format as fmt
    from articles.interchange import service
    from articles.interchange.sources import Source

    data = fmt.serialise(service.article_file(flagged_article(author, slug="odd"), approved=False))
    data = data.replace(b"mentions-medicines", b"mentions-magic")
    [item] = service.plan([Source("odd.md", data=data)]).items
    assert item.action == service.ERROR
    assert item.problem == "unknown flag 'mentions-magic' (known flags: mentions-medicines)"
    assert item.line == 5  # the "flags:" line, after ---, title, slug and topic


def test_two_stages_at_one_position_are_a_form_error(client, superuser):
    client.force_login(superuser)
    rows = [{"position": "1", "name": name, "applies_to": "always"} for name in ("Clinical", "Pharmacy")]
    response = client.post("/admin/articles/workflow/add/", {"name": "Clash", **stage_rows(rows)})
    assert response.status_code == 200
    assert "Please correct the duplicate data for position" in response.content.decode()


def test_a_submission_emails_only_the_first_stage_s_deciders(commit, pharmacists, author, reviewer, pharmacist):
    flow = Workflow.objects.get(is_active=True)
    flow.stages.update(group=pharmacists)
    mail.outbox.clear()
    commit(workflow.submit, factories.make_article(author=author), user=author)
    assert [m.to for m in mail.outbox if m.subject.startswith("[Review]")] == [["pharmacist@example.com"]]


def test_a_version_s_admin_page_lists_its_frozen_stages(client, at_pharmacy, superuser):
    client.force_login(superuser)
    response = client.get(f"/admin/articles/revision/{at_pharmacy.pending_revision_id}/change/")
    html = strip_tags(response.content.decode())
    assert response.status_code == 200
    assert "review stages, as frozen at submission" in html.lower()
    assert "Pharmacist sign-off" in html and "members of Pharmacists" in html
