"""Create demo users, board profiles and articles in every workflow state."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from articles import workflow
from articles.demo_content import ARTICLES, BOARD, SPECIALTIES
from articles.models import Article, BoardMember, FollowUpQuestion, Reference, Specialty

EDITOR = ("editor", "editor-demo-pass", "Elena", "Marsh")
ADMIN = ("admin", "admin-demo-pass")
REVIEWER_PASSWORD = "reviewer-demo-pass"

DEMO_QUESTIONS = [
    "My daughter was told her dystonia might be genetic. Should the rest of the family be tested too?",
    "Does the advice on home blood pressure readings apply if I have an irregular heartbeat?",
]

# Which state each demo article (by position in ARTICLES) ends in.
PLAN = [
    "approved",  # guideline/research Q&A with a professional version
    "approved_update_in_review",  # live, with a newer draft under review
    "approved",  # plain patient-education article, no citations
    "in_review",
    "submitted",
    "changes_requested",
    "draft",
    "archived",
]


class Command(BaseCommand):
    help = "Create demo users and articles (idempotent: existing demo data is left alone)."

    def handle(self, *args, **options):
        User = get_user_model()
        if Article.objects.exists():
            self.stdout.write("Demo data already present; leaving it as it is.")
        else:
            # Demo workflow steps would otherwise email every demo user.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                with transaction.atomic():
                    self._seed(User)
            self.stdout.write(self.style.SUCCESS(f"Created {Article.objects.count()} demo articles."))
        self._print_logins()

    def _seed(self, User):
        specialties = {s["slug"]: Specialty.objects.create(**s) for s in SPECIALTIES}
        editor = User.objects.create_user(
            EDITOR[0], f"{EDITOR[0]}@example.com", EDITOR[1], first_name=EDITOR[2], last_name=EDITOR[3], is_staff=True
        )
        editor.groups.add(Group.objects.get(name="Editors"))
        User.objects.create_superuser(ADMIN[0], f"{ADMIN[0]}@example.com", ADMIN[1])
        board_group = Group.objects.get(name="Medical Advisory Board")
        reviewers = []
        for member in BOARD:
            user = User.objects.create_user(
                member["username"], f"{member['username']}@example.com", REVIEWER_PASSWORD, is_staff=True
            )
            user.groups.add(board_group)
            BoardMember.objects.create(
                user=user,
                display_name=member["display_name"],
                slug=member["username"].replace(".", "-"),
                credentials=member["credentials"],
                specialty=specialties.get(member["specialty"]),
                bio=member["bio"],
                conflicts_of_interest=member["conflicts_of_interest"],
            )
            reviewers.append(User.objects.get(pk=user.pk))  # fresh instance: no cached permissions
        editor = User.objects.get(pk=editor.pk)

        for data, state in zip(ARTICLES, PLAN, strict=False):
            self._create_article(data, state, specialties, editor, reviewers)

        # A few readers' questions so the editors' inbox is not empty.
        live = list(Article.objects.public().order_by("pk")[:2])
        for article, question, email in zip(live, DEMO_QUESTIONS, ["", "reader@example.org"], strict=False):
            FollowUpQuestion.objects.create(article=article, question=question, email=email)

    def _create_article(self, data, state, specialties, editor, reviewers):
        article = Article(
            title=data["title"],
            slug=data["slug"],
            specialty=specialties[data["specialty"]],
            summary=data["summary"],
            body=data["body"],
            professional_summary=data.get("professional_summary", ""),
            professional_body=data.get("professional_body", ""),
        )
        workflow.save_content(article, user=editor, reason="First draft")
        for number, ref in enumerate(data["references"], start=1):
            reference = Reference(article=article, number=number, **ref)
            reference._history_user = editor
            reference.save()
        if state == "draft":
            return
        reviewer = reviewers[0]
        workflow.submit(article, user=editor)
        if state == "submitted":
            return
        workflow.start_review(article, user=reviewer)
        if state == "in_review":
            return
        if state == "changes_requested":
            workflow.request_changes(
                article,
                user=reviewer,
                reason="missing_evidence",
                comment="Please add a current guideline for the advice in the second section.",
            )
            return
        for approver in reviewers[: workflow.required_approvals()]:
            if article.status == Article.Status.IN_REVIEW:
                workflow.approve(article, user=approver, comment="Accurate and clear.")
        if state == "archived":
            workflow.archive(article, user=editor, reason="Superseded; kept for the record.")
        elif state == "approved_update_in_review":
            article.summary = article.summary + " Treatment targets are agreed with your doctor."
            workflow.save_content(article, user=editor, reason="Clarified treatment targets")
            workflow.submit(
                article,
                user=editor,
                change_kind="editorial",
                change_note="Added a sentence on agreeing treatment targets with your doctor.",
            )
            workflow.start_review(article, user=reviewers[1])

    def _print_logins(self):
        self.stdout.write("\nDemo logins for /admin/ (demo only; change before any real use):")
        self.stdout.write(f"  Editor:                 {EDITOR[0]} / {EDITOR[1]}")
        for member in BOARD:
            self.stdout.write(f"  Board reviewer:         {member['username']} / {REVIEWER_PASSWORD}")
        self.stdout.write(f"  Administrator:          {ADMIN[0]} / {ADMIN[1]}\n")
