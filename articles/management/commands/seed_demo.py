"""Create demo users, board profiles and articles in every workflow state.

The articles are the Markdown files in ``articles/demo/articles/``, loaded through the importer
(so the demo also proves the interchange format); topics and the board are ``articles/demo/board.yaml``;
the image library's diagrams are ``articles/demo/images/``, checked and stored like an upload, and
placed as figures in the articles ``images.yaml`` names (three of them) before they go through the workflow.
"""

import logging
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from articles.api import keys as api_keys
from articles.content.figures import figure_markdown
from articles.content.times import site_zone
from articles.interchange import service
from articles.interchange.sources import Budget, FolderFiles, Source
from articles.models import (
    ApiKey,
    Article,
    ArticleFlag,
    AuthorProfile,
    BoardMember,
    Checklist,
    FollowUpQuestion,
    Image,
    SourceCheck,
    Specialty,
    Stage,
    Webhook,
    Workflow,
)
from articles.models import images as image_library
from articles.review import comments, editing, second_factor, sources, workflow

DEMO = Path(__file__).resolve().parents[2] / "demo"

EDITOR = ("editor", "editor-demo-pass", "Elena", "Marsh")
ADMIN = ("admin", "admin-demo-pass")
REVIEWER_PASSWORD = "reviewer-demo-pass"
# An example receiver for the demo partner's webhooks (inactive in the demo).
DEMO_WEBHOOK_URL = "http://127.0.0.1:9000/hooks/editorial"
# The demo partner's API key: known, like the demo passwords, so the API can be tried at once.
# A real key is made with ``manage.py create_api_key`` and shown once.
DEMO_API_PARTNER = "Demo partner (demo only)"
DEMO_API_KEY = "rh_demo-partner-key-change-before-any-real-use"
# Who reviews a demo article whose topic no board member shares: the generalist.
FALLBACK_SPECIALTY = "primary-care"

DEMO_QUESTIONS = [
    "My daughter was told her dystonia might be genetic. Should the rest of the family be tested too?",
    "Does the advice on home blood pressure readings apply if I have an irregular heartbeat?",
]

OLD_QUESTION = "Is it worth asking my pharmacist to review all my regular medicines once a year?"
# Demo articles that mention medicines: flagged, so the demo workflow adds a pharmacist's sign-off.
MENTIONS_MEDICINES = {"is-it-safe-to-take-ibuprofen-during-pregnancy", "what-is-iron-deficiency-anaemia"}

# A live demo article whose slug changes after it went live (old, new): /articles/<old>/ answers 301.
RENAMED = ("who-should-have-the-flu-vaccine-this-winter", "flu-vaccine-who-should-have-it")

# Which state each demo article (``articles/demo/articles/<slug>.md``) ends in, in creation order.
PLAN = [
    ("what-are-the-causes-of-dystonia", "approved"),  # guideline/research Q&A with a professional version
    # Live version 1; version 2 sent back; version 3 in review (three versions to compare).
    ("how-is-high-blood-pressure-treated-in-adults", "approved_update_in_review"),
    # Plain patient-education article, no citations; an update approved to go live in three days.
    ("looking-after-your-feet-with-diabetes", "approved_update_scheduled"),
    ("is-it-safe-to-take-ibuprofen-during-pregnancy", "in_review"),
    # Clinically reviewed, waits for a pharmacist's sign-off; under a journal embargo.
    ("what-is-iron-deficiency-anaemia", "at_second_stage_embargoed"),
    ("who-should-have-the-flu-vaccine-this-winter", "approved_seasonal"),  # live, with an end date in 20 days
    ("how-do-asthma-inhalers-work", "changes_requested"),
    ("can-better-sleep-habits-help-with-insomnia", "draft"),
    ("should-i-have-the-shingles-vaccine", "archived"),
]


def next_wednesday_0001():
    """00:01 site time on the Wednesday after next: a journal embargo a week or two ahead."""
    today = timezone.now().astimezone(site_zone()).date()
    wednesday = today + timedelta(days=(2 - today.weekday()) % 7 + 7)
    return datetime.combine(wednesday, time(0, 1), tzinfo=site_zone())


def demo_board() -> dict:
    """The demo's topics and board members (``articles/demo/board.yaml``)."""
    return yaml.safe_load((DEMO / "board.yaml").read_text(encoding="utf-8"))


@contextmanager
def quiet_job_log():
    """The demo's ~50 jobs run as it commits (so this wraps the transaction); their "Task id=...
    RUNNING/SUCCESSFUL" lines would bury the demo logins ``./scripts/serve`` prints next (a failure
    is still logged)."""
    log = logging.getLogger("django_tasks")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


class Command(BaseCommand):
    help = "Create demo users and articles (idempotent: existing demo data is left alone)."

    def handle(self, *args, **options):
        User = get_user_model()
        if Article.objects.exists():
            self.stdout.write("Demo data already present; leaving it as it is.")
        else:
            # Demo workflow steps would otherwise email every demo user: their jobs run here, as they
            # commit, into a mailbox in memory (purges of the edge, if configured, are sent).
            with override_settings(
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
                # No requests to the cited sites from a demo: sources are linked, results invented below.
                EDITORIAL_SOURCE_CHECKS=False,
            ):
                with quiet_job_log(), transaction.atomic():
                    self._seed(User)
            self.stdout.write(self.style.SUCCESS(f"Created {Article.objects.count()} demo articles."))
        self._print_logins()

    def _seed(self, User):
        demo = demo_board()
        specialties = {s["slug"]: Specialty.objects.create(**s) for s in demo["topics"]}
        editor = User.objects.create_user(
            EDITOR[0], f"{EDITOR[0]}@example.com", EDITOR[1], first_name=EDITOR[2], last_name=EDITOR[3], is_staff=True
        )
        editor.groups.add(Group.objects.get(name="Editors"))
        AuthorProfile.objects.create(user=editor, **demo["editor"])
        User.objects.create_superuser(ADMIN[0], f"{ADMIN[0]}@example.com", ADMIN[1])
        board_group = Group.objects.get(name="Medical Advisory Board")
        self._configure_workflow()
        # The editorial checklist with its defaults (every check a warning): the draft on insomnia and the
        # ibuprofen article in review each show a reading grade above the target and an uncited number.
        Checklist.current().save()
        reviewers = []
        for member in demo["board"]:
            user = User.objects.create_user(
                member["username"], f"{member['username']}@example.com", REVIEWER_PASSWORD, is_staff=True
            )
            user.groups.add(board_group, *[Group.objects.get(name=name) for name in member.get("groups", [])])
            BoardMember.objects.create(
                user=user,
                display_name=member["display_name"],
                slug=member["username"].replace(".", "-"),
                credentials=member["credentials"],
                specialty=specialties.get(member["specialty"]),
                bio=member["bio"],
                conflicts_of_interest=member.get("conflicts_of_interest", ""),
                no_conflicts=member.get("no_conflicts", False),
            )
            # Fresh instances (no cached permissions), acting through this command: the operator who
            # runs it is trusted, so no second factor is asked (second_factor.trusted_operator).
            reviewers.append(second_factor.trusted_operator(User.objects.get(pk=user.pk)))
        editor = second_factor.trusted_operator(User.objects.get(pk=editor.pk))

        self._import_articles(editor)
        self._load_images(editor)
        for slug, state in PLAN:
            self._drive(Article.objects.get(slug=slug), state, editor, reviewers)
        # A live article renamed after it went live: its old address answers 301 (``Redirect``).
        flu = Article.objects.get(slug=RENAMED[0])
        flu.slug = RENAMED[1]
        editing.save_content(flu, user=editor, reason="Shorter address")

        self._demo_source_checks()

        ApiKey.objects.create(
            name=DEMO_API_PARTNER,
            prefix=DEMO_API_KEY[:11],
            key_hash=api_keys.hash_key(DEMO_API_KEY),
            allowed_origins=settings.EDITORIAL_BASE_URL.rstrip("/"),
        )
        # The partner's webhook endpoint: an example address, inactive so that the demo's worker
        # does not retry deliveries nobody receives (README "Webhooks": tick active, run a receiver).
        Webhook.objects.create(
            partner=DEMO_API_PARTNER,
            api_key=ApiKey.objects.get(name=DEMO_API_PARTNER),
            url=DEMO_WEBHOOK_URL,
            active=False,
        )

        # A few readers' questions so the editors' inbox is not empty.
        live = list(Article.objects.public().order_by("pk")[:2])
        for article, question, email in zip(live, DEMO_QUESTIONS, ["", "reader@example.org"], strict=False):
            FollowUpQuestion.objects.create(article=article, question=question, email=email)
        # One old enough to be anonymised: past EDITORIAL_QUESTION_RETENTION_DAYS, its address is
        # still there until manage.py anonymise_questions runs (daily from cron in production).
        FollowUpQuestion.objects.create(
            article=live[0],
            question=OLD_QUESTION,
            email="old.reader@example.org",
            created_at=timezone.now() - timedelta(days=settings.EDITORIAL_QUESTION_RETENTION_DAYS + 35),
        )

    def _demo_source_checks(self):
        """Sources still standing, shown without asking the internet: every live and under-review
        version's sources linked (not checked), and two results invented and labelled "DEMO DATA":
        a retraction of a source the live dystonia article cites (so the queue shows an early
        re-review and the review screen the mark), and a dead link in the blood pressure article."""
        sources.schedule()  # links only: EDITORIAL_SOURCE_CHECKS is off here
        dystonia = Article.objects.get(slug="what-are-the-causes-of-dystonia").published_revision
        sources.record_demo(dystonia, SourceCheck.Kind.DOI, SourceCheck.Status.RETRACTED)
        pressure = Article.objects.get(slug="how-is-high-blood-pressure-treated-in-adults").published_revision
        sources.record_demo(pressure, SourceCheck.Kind.URL, SourceCheck.Status.DEAD)

    def _configure_workflow(self):
        """The example workflow: a clinical review for every article, then a pharmacist's sign-off for
        articles flagged "mentions medicines" (what a board configures in the admin, no code)."""
        pharmacists, _ = Group.objects.get_or_create(name="Pharmacists")
        medicines, _ = ArticleFlag.objects.get_or_create(
            slug="mentions-medicines",
            defaults={"name": "Mentions medicines", "description": "names a medicine, a dose or a medicine to avoid"},
        )
        Workflow.objects.update(is_active=False)
        flow = Workflow.objects.create(name="Clinical review, then pharmacy for medicines", is_active=True)
        Stage.objects.create(workflow=flow, position=1, name="Clinical review", credit="Medically reviewed by")
        Stage.objects.create(
            workflow=flow,
            position=2,
            name="Pharmacist sign-off",
            credit="Pharmacist review by",
            group=pharmacists,
            required_approvals=1,
            applies_to=Stage.AppliesTo.FLAG,
            flag=medicines,
        )

    def _import_articles(self, editor):
        root = Path(settings.BASE_DIR)
        sources = []
        for slug, _state in PLAN:
            path = DEMO / "articles" / f"{slug}.md"
            files = FolderFiles(path.parent, Budget())  # the figures' image files, in articles/images/
            sources.append(Source(str(path.relative_to(root)), data=path.read_bytes(), files=files))
        plan = service.apply(service.plan(sources), user=editor)
        if plan.errors:
            raise RuntimeError("The demo articles did not import: " + "; ".join(plan.lines()))

    def _load_images(self, editor):
        folder = DEMO / "images"
        for entry in yaml.safe_load((folder / "images.yaml").read_text()):
            name, place = entry.pop("file"), entry.pop("place", None)
            blob = image_library.store(image_library.check_upload(name, (folder / name).read_bytes()))
            if Image.objects.filter(file=blob, **entry).exists():
                continue  # imported with a demo article's figure (articles/images/): the same entry
            image = Image(**entry, file=blob, uploaded_by=editor)
            image.full_clean()
            image.save()
            image_library.renditions_after_commit(blob)
            if place:
                self._place(image, editor, **place)

    def _place(self, image, editor, *, article, after):
        """Put ``image`` in the draft ``article`` as a figure at the start of the section ``after``."""
        article = Article.objects.get(slug=article)
        figure = figure_markdown(image.pk, image.alt_text, image.caption)
        heading = f"{after}\n\n"
        if heading not in article.body:
            raise RuntimeError(f"The demo article {article.slug} has no heading “{after}” to put a figure under.")
        article.body = article.body.replace(heading, f"{heading}{figure}\n\n", 1)
        editing.save_content(article, user=editor, reason=f"Added the figure “{image.title}”")

    def _update_sent_back(self, article, editor, reviewers):
        """Submit an update of the live version 1 and have the board send it back (version 2)."""
        article.professional_summary += (
            " NICE sets a clinic target below 140/90 mmHg for adults under 80 and below 150/90 mmHg from 80."
        )
        editing.save_content(article, user=editor, reason="Named the usual treatment targets")
        workflow.submit(
            article,
            user=editor,
            change_kind="clinical",
            change_note="Added the usual blood pressure targets for professionals.",
        )
        workflow.start_review(article, user=reviewers[0], revision=workflow.under_decision("start_review", article))
        workflow.request_changes(
            article,
            user=reviewers[0],
            revision=workflow.under_decision("request_changes", article),
            reason="clarity",
            comment="Tell patients too that targets are agreed with their doctor.",
        )
        article.refresh_from_db()

    def _drive(self, article, state, editor, reviewers):
        """Take an imported draft through the workflow to ``state``; topic specialists review first.

        A topic nobody on the demo board covers (endocrinology, respiratory medicine) goes to the
        primary-care member, the generalist, before any other specialist.
        """

        def fit(user):
            specialty = user.board_profile.specialty
            return (specialty != article.specialty, getattr(specialty, "slug", "") != FALLBACK_SPECIALTY)

        reviewers = sorted(reviewers, key=fit)
        if article.slug in MENTIONS_MEDICINES:
            article.flags = ["mentions-medicines"]
            editing.save_content(article, user=editor, reason="Ticked “Mentions medicines”")
        if state == "draft":
            return
        reviewer = reviewers[0]
        if state.endswith("_embargoed"):
            # A study write-up under a journal embargo: not before 00:01 on the Wednesday after next.
            article.not_before = article.requested_go_live_at = next_wednesday_0001()
            editing.save_content(article, user=editor, reason="Journal embargo")
        if state == "approved_seasonal":
            article.ends_at = (timezone.now() + timedelta(days=20)).replace(second=0, microsecond=0)
            editing.save_content(article, user=editor, reason="Seasonal: ends with this winter's programme")
        workflow.submit(article, user=editor)
        if state.startswith("submitted"):
            return
        # Each decision names the version it judges: the one just submitted.
        workflow.start_review(article, user=reviewer, revision=workflow.under_decision("start_review", article))
        if state == "in_review":
            return
        if state.startswith("at_second_stage"):
            # Through the clinical review; a pharmacist other than the clinical reviewer signs off next.
            revision = workflow.under_decision("approve", article)
            workflow.approve(article, user=reviewer, revision=revision, comment="Clinically accurate.")
            return
        if state == "changes_requested":
            self._comment_on_passages(article, reviewer, editor)
            workflow.request_changes(
                article,
                user=reviewer,
                revision=workflow.under_decision("request_changes", article),
                reason="missing_evidence",
                comment="Please add a current guideline for the advice in the second section.",
            )
            return
        for approver in reviewers[: workflow.required_approvals()]:
            if article.status == Article.Status.IN_REVIEW:
                revision = workflow.under_decision("approve", article)
                workflow.approve(article, user=approver, revision=revision, comment="Accurate and clear.")
        if state == "archived":
            workflow.archive(article, user=editor, reason="Superseded; kept for the record.")
        elif state == "approved_update_scheduled":
            self._update_scheduled(article, editor, reviewers)
        elif state == "approved_update_in_review":
            self._update_sent_back(article, editor, reviewers)  # version 2: three versions to compare
            article.summary = article.summary + " Treatment targets are agreed with your doctor."
            # A figure's caption reworded: the review screen shows it diffed beside the image.
            article.body = article.body.replace(
                "your clinician will interpret yours.", "your doctor or nurse will explain what yours mean."
            )
            editing.save_content(article, user=editor, reason="Clarified treatment targets")
            workflow.submit(
                article,
                user=editor,
                change_kind="editorial",
                change_note="Added a sentence on agreeing treatment targets with your doctor.",
            )
            workflow.start_review(article, user=reviewers[1], revision=workflow.under_decision("start_review", article))
            # An open comment, so approving this update shows the review screen's confirmation.
            article.refresh_from_db()
            comments.add(
                article,
                article.pending_revision,
                user=reviewers[1],
                part="summary",
                passage_index=0,
                quote="agreed with your doctor",
                text="Say how often targets are reviewed (at least once a year in the NICE guideline).",
            )

    def _update_scheduled(self, article, editor, reviewers):
        """An update the board approved to go live at 09:00 in three days: readers keep version 1 until then."""
        day = (timezone.now() + timedelta(days=3)).astimezone(site_zone()).date()
        at = datetime.combine(day, time(9, 0), tzinfo=site_zone())
        article.body += (
            "\n\nIf you smoke, stopping is one of the best things you can do for the blood supply to your feet.\n"
        )
        article.requested_go_live_at = at
        editing.save_content(article, user=editor, reason="Added advice on smoking")
        workflow.submit(article, user=editor, change_kind="clinical", change_note="Added advice on stopping smoking.")
        workflow.start_review(article, user=reviewers[0], revision=workflow.under_decision("start_review", article))
        for approver in reviewers[: workflow.required_approvals()]:
            if article.status == Article.Status.IN_REVIEW:
                revision = workflow.under_decision("approve", article)
                workflow.approve(article, user=approver, revision=revision, comment="Good addition.", go_live_at=at)

    def _comment_on_passages(self, article, reviewer, editor):
        """Two comments on passages, one already resolved: the editor's change form shows the open
        one above the form and marked in the live preview, the resolved one folded."""
        revision = article.pending_revision
        answered = comments.add(
            article,
            revision,
            user=reviewer,
            part="body",
            passage_index=1,
            quote="within minutes",
            text="Say what to do if the reliever does not help within minutes.",
        )
        comments.add(
            article,
            revision,
            user=reviewer,
            part="body",
            passage_index=3,
            text="Cite the current guideline for the advice against a reliever alone.",
        )
        comments.reply(answered, user=editor, text="Added: call 999 if it does not help or you need it again soon.")
        comments.set_resolved(answered, user=editor, resolved=True)

    def _print_logins(self):
        self.stdout.write("\nDemo logins for /admin/ (demo only; change before any real use):")
        self.stdout.write(f"  Editor:                 {EDITOR[0]} / {EDITOR[1]}")
        for member in demo_board()["board"]:
            role = "Board pharmacist:" if "Pharmacists" in member.get("groups", []) else "Board reviewer:"
            self.stdout.write(f"  {role:<23} {member['username']} / {REVIEWER_PASSWORD}")
        self.stdout.write(f"  Administrator:          {ADMIN[0]} / {ADMIN[1]}")
        if ApiKey.objects.filter(key_hash=api_keys.hash_key(DEMO_API_KEY), revoked_at__isnull=True).exists():
            base = settings.EDITORIAL_BASE_URL.rstrip("/")
            self.stdout.write(f"  API key (demo partner): {DEMO_API_KEY}")
            self.stdout.write(f'    curl -H "Authorization: Bearer {DEMO_API_KEY}" {base}/api/v1/articles/')
        if settings.EDITORIAL_REQUIRE_2FA:
            self.stdout.write(
                "Two-factor sign-in is on: board members and the administrator enrol an authenticator app or a\n"
                'passkey at their first sign-in (README, "Signing in").'
            )
        else:
            self.stdout.write(
                "Two-factor sign-in is off in this demo (EDITORIAL_REQUIRE_2FA; on by default outside DEBUG):\n"
                'try it under "Two-factor sign-in" at the top of the admin.'
            )
        self.stdout.write(
            "Try it: open a draft as the editor, type, close the tab and open it again: the form offers to\n"
            "restore your unsaved changes (autosaved every few seconds), with a diff against what is saved.\n"
            "Admin > Audit log entries lists what the demo itself did (groups, import, workflow steps); one reader's\n"
            "question is past the retention period: manage.py anonymise_questions removes its address.\n"
            "Sources still standing: no source was checked (the demo asks no outside site); the dystonia\n"
            "article's retracted reference and the blood pressure article's dead link are DEMO DATA, invented\n"
            "and labelled so, to show the early re-review in the queue and the marks on the review screen.\n"
        )
