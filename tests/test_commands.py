"""The ``seed_demo`` command: demo content in every workflow state, and working demo logins."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from articles.models import Article, BoardMember, Reference, ReviewDecision, Revision, Workflow
from articles.review import stages, workflow

from . import factories

S = Article.Status
# "  Board reviewer:         dr.okafor / reviewer-demo-pass"
LOGIN_LINE = re.compile(r"^\s+[A-Z][\w ]*:\s+(?P<username>\S+) / (?P<password>\S+)\s*$", re.MULTILINE)


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def printed_logins(output):
    return {m["username"]: m["password"] for m in LOGIN_LINE.finditer(output)}


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back afterwards.

    Each test still runs in its own savepoint (the ``db`` fixture), so nothing a test does,
    including a second ``seed_demo``, leaks into the next one.
    """
    with django_db_blocker.unblock(), override_settings(EDITORIAL_REQUIRED_APPROVALS=1), transaction.atomic():
        # Transactional (browser) tests flush the migration-made groups the command relies on.
        factories.ensure_groups()
        yield seed()
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db):
    return seeded_once


def test_seed_demo_creates_articles_in_every_status(seeded):
    assert set(Article.objects.values_list("status", flat=True)) == set(S.values)


def test_seed_demo_has_an_approved_article_with_references(seeded):
    approved = Article.objects.filter(status=S.APPROVED, published_revision__isnull=False)
    with_refs = [a for a in approved if a.published_revision.references and a.references.exists()]
    assert with_refs
    article = with_refs[0]
    assert article.published_revision.references == [r.as_dict() for r in article.references.order_by("number")]


def test_seed_demo_has_an_approved_article_without_references(seeded):
    approved = Article.objects.filter(status=S.APPROVED, published_revision__isnull=False)
    assert any(a.published_revision.references == [] and not a.references.exists() for a in approved)


def test_seed_demo_has_a_live_article_with_an_update_under_review(seeded):
    updating = Article.objects.filter(status__in=[S.SUBMITTED, S.IN_REVIEW], published_revision__isnull=False)
    assert updating.exists()
    article = updating.first()
    assert article.is_public()
    assert article.pending_revision.kind == Revision.Kind.UPDATE
    assert article.pending_revision.number > article.published_revision.number
    assert article.pending_revision.summary != article.published_revision.summary


def test_seed_demo_has_an_article_with_three_versions_to_compare(client, seeded):
    """Live version 1, version 2 sent back, version 3 with the board: compare has pairs to show."""
    article = Article.objects.get(slug="how-is-high-blood-pressure-treated-in-adults")
    assert sorted(article.revisions.values_list("number", flat=True)) == [1, 2, 3]
    assert (article.published_revision.number, article.pending_revision.number) == (1, 3)
    assert article.decisions.filter(revision__number=2, decision=ReviewDecision.Decision.REQUEST_CHANGES).exists()
    client.force_login(get_user_model().objects.get(username="dr.okafor"))
    response = client.get(f"/admin/articles/article/{article.pk}/compare/?from=2&to=3")
    assert response.status_code == 200 and response.context["comparison"].source["changed"]


def test_seed_demo_approvals_come_from_board_members_who_did_not_write_the_version(seeded):
    approvals = ReviewDecision.objects.filter(decision=ReviewDecision.Decision.APPROVE).select_related("revision")
    assert approvals.exists()
    for decision in approvals:
        assert hasattr(decision.reviewer, "board_profile")
        assert not decision.revision.authors.filter(pk=decision.reviewer_id).exists()


def test_seed_demo_articles_carry_the_editors_byline(client, seeded):
    article = Article.objects.public().filter(references__isnull=False).first()
    page = client.get(article.get_absolute_url()).content.decode()
    assert re.search(r'Written by\s*<a href="[^"]+">Elena Marsh</a> \(Health editor\)', page)
    assert "the editorial team" not in page


def test_seed_demo_reviews_each_article_by_a_board_member_of_its_specialty(seeded):
    """Specialists review their own topics; a topic nobody on the board covers goes to primary care."""
    covered = set(BoardMember.objects.values_list("specialty__slug", flat=True))
    decisions = ReviewDecision.objects.select_related("revision__specialty", "reviewer__board_profile__specialty")
    assert decisions.filter(decision=ReviewDecision.Decision.APPROVE).count() >= 4
    for decision in decisions:
        topic = decision.revision.specialty.slug
        expected = topic if topic in covered else "primary-care"
        assert decision.reviewer.board_profile.specialty.slug == expected, (decision.revision.title, topic)


def test_seed_demo_blood_pressure_and_pregnancy_articles_go_to_their_specialists(seeded):
    def approvers(slug):
        approvals = ReviewDecision.objects.filter(article__slug=slug, decision=ReviewDecision.Decision.APPROVE)
        return set(approvals.values_list("reviewer__username", flat=True))

    assert approvers("how-is-high-blood-pressure-treated-in-adults") == {"dr.lindqvist"}  # the cardiologist
    assert approvers("what-are-the-causes-of-dystonia") == {"dr.okafor"}  # the neurologist
    pregnancy = Article.objects.get(slug="is-it-safe-to-take-ibuprofen-during-pregnancy")
    assert pregnancy.status == S.IN_REVIEW
    assert pregnancy.claimed_by.username == "pharm.raman"  # medicines in pregnancy: the pharmacist


def test_seed_demo_prints_a_login_for_every_demo_user(seeded):
    logins = printed_logins(seeded)
    users = set(get_user_model().objects.values_list("username", flat=True))
    assert users  # the command made users
    assert set(logins) == users


@pytest.mark.parametrize("role", ["editor", "board", "superuser"])
def test_printed_demo_passwords_log_in(client, seeded, role):
    logins = printed_logins(seeded)
    users = get_user_model().objects.filter(username__in=logins)
    user = {
        "editor": users.filter(groups__name="Editors").first(),
        "board": users.filter(groups__name="Medical Advisory Board", board_profile__isnull=False).first(),
        "superuser": users.filter(is_superuser=True).first(),
    }[role]
    assert user is not None, f"no demo {role} login printed"
    assert user.is_staff and user.is_active
    assert sign_in(client, user.username, logins[user.username])
    assert client.get("/admin/").status_code == 200


def test_every_printed_password_logs_in(client, seeded):
    for username, password in printed_logins(seeded).items():
        assert sign_in(client, username, password), username
        client.logout()


def sign_in(client, username, password) -> bool:
    """Log in through the admin's login form, as a person (and the login throttle) sees it."""
    response = client.post("/admin/login/?next=/admin/", {"username": username, "password": password})
    return response.status_code == 302 and response["Location"] == "/admin/"


def database_state():
    return {
        "articles": sorted(
            Article.objects.values_list("slug", "status", "pending_revision_id", "published_revision_id")
        ),
        "users": sorted(get_user_model().objects.values_list("username", "password")),
        "revisions": Revision.objects.count(),
        "decisions": ReviewDecision.objects.count(),
        "references": Reference.objects.count(),
        "history": Article.history.count(),
    }


def test_running_seed_demo_twice_changes_nothing_and_still_prints_the_logins(seeded):
    before = database_state()
    second = seed()
    assert database_state() == before
    assert printed_logins(second) == printed_logins(seeded)


def test_seed_demo_sent_back_article_has_an_open_and_a_resolved_passage_comment(seeded):
    article = Article.objects.get(slug="how-do-asthma-inhalers-work")
    assert article.status == Article.Status.CHANGES_REQUESTED
    assert sorted(c.is_resolved for c in article.passage_comments.all()) == [False, True]


def test_seed_demo_fills_the_image_library_with_described_diagrams(seeded):
    from articles.models import Image

    images = list(Image.objects.select_related("file"))
    assert len(images) == 3
    for image in images:
        image.full_clean()  # alt text, credit and licence as the admin requires them
        assert image.file.format == "PNG" and image.uploaded_by.username == "editor"


def test_seed_demo_shows_review_stages(seeded):
    """The example workflow: clinical review, then a pharmacist's sign-off for articles that mention medicines."""
    flow = Workflow.objects.get(is_active=True)
    assert [(s.name, s.applies_to) for s in flow.stages.all()] == [
        ("Clinical review", "always"),
        ("Pharmacist sign-off", "flag"),
    ]
    iron = Article.objects.get(slug="what-is-iron-deficiency-anaemia")
    assert iron.flags == ["mentions-medicines"]
    assert str(stages.progress(iron.pending_revision)) == "Clinical review 1 of 1 ✓ · Pharmacist sign-off 0 of 1"
    logins = printed_logins(seeded)
    assert "pharm.osei" in logins and "Board pharmacist:" in seeded
    pharmacist = get_user_model().objects.get(username="pharm.osei")
    assert workflow.allowed("start_review", iron, pharmacist)
    # The clinical reviewer, a pharmacist too, may not also sign off the same version.
    clinical = iron.pending_revision.approvals().get().reviewer
    workflow.start_review(iron, user=pharmacist, revision=workflow.under_decision("start_review", iron))
    assert not workflow.allowed("approve", iron, clinical)


def test_seed_demo_articles_carry_figures_live_and_in_review(seeded, client):
    from articles.models import RevisionImage

    live = Article.objects.public().filter(published_revision__images__isnull=False).distinct()
    assert {a.slug for a in live} == {
        "how-is-high-blood-pressure-treated-in-adults",
        "looking-after-your-feet-with-diabetes",
    }
    for article in live:
        html = client.get(article.get_absolute_url()).text
        assert html.count("<picture>") == 1 and "Reviewed Health" in html and "og:image" in html
    # The update in review rewords a caption: the board sees it beside the image.
    update = Article.objects.get(slug="how-is-high-blood-pressure-treated-in-adults").pending_revision
    assert RevisionImage.objects.filter(revision=update).count() == 1
    assert "your doctor or nurse will explain" in update.body


def test_seed_demo_renames_a_live_article_so_its_old_address_redirects(client, seeded):
    from articles.management.commands.seed_demo import RENAMED

    response = client.get(f"/articles/{RENAMED[0]}/")
    assert response.status_code == 301
    assert response["Location"] == f"/articles/{RENAMED[1]}/"
    assert client.get(response["Location"]).status_code == 200


def test_seed_demo_shows_the_editorial_checks_in_the_editor_and_on_the_review_screen(seeded, client):
    from articles.models import Checklist

    assert Checklist.objects.filter(pk=1).exists() and set(Checklist.current().levels().values()) == {"warn"}
    in_review = Article.objects.get(slug="is-it-safe-to-take-ibuprofen-during-pregnancy")
    client.force_login(get_user_model().objects.filter(is_superuser=True).first())
    html = client.get(reverse("admin:articles_reviewqueueitem_review", args=[in_review.pk])).content.decode()
    panel = html[html.index('<section class="editorial-checks"') :]
    assert "above the target" in panel and "500 mg to 1 g" in panel
    draft = Article.objects.get(slug="can-better-sleep-habits-help-with-insomnia")
    preview = client.post(
        reverse("admin:articles_article_live_preview"),
        {"audience": "patient", "summary": draft.summary, "body": draft.body},
    ).content.decode()
    assert "above the target" in preview and "About 1 in 10 adults have long-term insomnia." in preview
