"""The permission matrix: every role × every workflow step × every article state, two ways.

Each step runs through the workflow functions and through forged admin POSTs. What should
happen comes from ``expected()`` below, written from the rules in the README and the
product brief (not from ``workflow.allowed``); a refused step must change nothing.

The articles and users are built once for the module (one article per state) inside a
transaction that is rolled back at the end; every test runs in a savepoint of its own.
"""

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.client import ClientHandler
from django.urls import reverse

from articles.models import Article, BoardMember, Reference, ReviewDecision, Revision
from articles.review import editing, workflow

from . import factories

# --- The rules, as a reader of the README would write them down ----------------------

ROLES = [
    "anonymous",
    "editor",
    "author_editor",  # wrote the article
    "board_member",
    "board_author",  # a board member who also edited the version (four-eyes)
    "superuser",
    "superuser_author",
    "staff_no_group",
    "inactive_board_member",  # left the board: BoardMember.is_active = False
    "inactive_user",  # User.is_active = False (in both groups, with a board profile)
]

STATES = ["draft", "submitted", "in_review", "changes_requested", "approved", "approved_with_draft", "archived"]
EDITABLE = {"draft", "changes_requested", "approved", "approved_with_draft"}
LIVE = {"approved", "approved_with_draft"}  # a published version is on the site

# From which states each step may be taken.
FROM = {
    "submit": {"draft", "changes_requested", "approved_with_draft"},
    "withdraw": {"submitted", "in_review"},
    "start_review": {"submitted"},
    "claim": LIVE,  # a periodic re-review of the live version
    "approve": {"in_review"},
    "request_changes": {"in_review", "approved"},
    "confirm_current": LIVE,
    "archive": set(STATES) - {"archived"},
    "restore": {"archived"},
    "save_content": EDITABLE,  # content with the board, or archived, is read-only
    "restore_version": EDITABLE - {"draft"},  # a never-submitted draft has no version to restore
}
ACTIONS = list(FROM)

EDITOR_STEPS = {"submit", "withdraw", "archive", "restore", "save_content", "restore_version"}
BOARD_STEPS = {"start_review", "claim", "approve", "request_changes", "confirm_current", "archive", "restore"}
# Steps that decide on a version: nobody who changed it may take them, superusers included.
FOUR_EYES = {"start_review", "claim", "approve", "request_changes", "confirm_current"}
# Steps that credit a board member by name and credentials on the public page.
CREDITED = {"approve", "confirm_current"}

MAY = {
    "anonymous": set(),
    "editor": EDITOR_STEPS,
    "author_editor": EDITOR_STEPS,
    "board_member": BOARD_STEPS,
    "board_author": EDITOR_STEPS | BOARD_STEPS,
    # Superusers may do anything but put a board member's name on a page: they have no profile.
    "superuser": set(ACTIONS) - CREDITED,
    "superuser_author": set(ACTIONS) - CREDITED,
    "staff_no_group": set(),
    # A member who has left the board holds none of its powers, archiving included (an editor who
    # also sat on the board keeps the Editors' rights: test_board_membership.py).
    "inactive_board_member": set(),
    "inactive_user": set(),
}
AUTHORS = {"author_editor", "board_author", "superuser_author"}
# Roles that can see the admin's article pages (view permission); the rest get 403 or the login.
# A member who has left the board no longer reads unpublished articles either.
VIEWERS = {r for r in ROLES if r not in ("anonymous", "staff_no_group", "inactive_user", "inactive_board_member")}
SIGNED_OUT = {"anonymous", "inactive_user"}  # the admin sends them to its login page


def expected(role: str, action: str, state: str) -> bool:
    """Whether ``role`` may take ``action`` on an article in ``state``."""
    if action not in MAY[role] or state not in FROM[action]:
        return False
    return not (role in AUTHORS and action in FOUR_EYES)


def matrix():
    return [
        pytest.param(role, action, state, id=f"{role}-{action}-{state}")
        for role in ROLES
        for action in ACTIONS
        for state in STATES
    ]


# --- The world: one article per state, one user per role -----------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(EDITORIAL_REQUIRED_APPROVALS=1, EDITORIAL_PAGE_CACHE=False):
        with transaction.atomic():
            yield build_world()
            transaction.set_rollback(True)


def both_groups(**kwargs):
    user = factories.UserFactory(groups=["Editors", "Medical Advisory Board"], **kwargs)
    factories.BoardMemberFactory(user=user)
    return user


def build_world():
    users = {
        "editor": factories.editor(username="editor"),
        "author_editor": factories.editor(username="author_editor"),
        "board_member": factories.reviewer(username="board_member"),
        "board_author": both_groups(username="board_author"),
        "superuser": factories.superuser(username="superuser"),
        "superuser_author": factories.superuser(username="superuser_author"),
        "staff_no_group": factories.UserFactory(username="staff_no_group"),
        "inactive_board_member": factories.reviewer(username="inactive_board_member"),
        "inactive_user": both_groups(username="inactive_user", is_active=False),
    }
    BoardMember.objects.filter(user=users["inactive_board_member"]).update(is_active=False)
    starter = factories.reviewer(username="starter")  # moves articles along; no role under test
    author = users["author_editor"]

    articles = {}
    for state in STATES:
        article = factories.make_article(author=author, title=f"An article that is {state}", slug=state)
        # The other two authors each change the text before it is first submitted.
        article.title += "?"
        editing.save_content(article, user=users["board_author"], reason="Board member edits")
        article.summary += " Mostly."
        editing.save_content(article, user=users["superuser_author"], reason="Superuser edits")
        if state != "draft":
            workflow.submit(article, user=author)
        if state in ("in_review", "changes_requested", "approved", "approved_with_draft", "archived"):
            workflow.start_review(article, user=starter, revision=factories.under_decision("start_review", article))
        if state == "changes_requested":
            workflow.request_changes(
                article,
                user=starter,
                revision=factories.under_decision("request_changes", article),
                comment="Cite the guideline.",
            )
        if state in ("approved", "approved_with_draft", "archived"):
            workflow.approve(article, user=starter, revision=factories.under_decision("approve", article))
        if state == "approved_with_draft":
            article.body = "An update in progress [1]."
            editing.save_content(article, user=author, reason="Update")
        if state == "archived":
            workflow.archive(article, user=author, reason="Superseded.")
        article.refresh_from_db()
        assert article.status == {"approved_with_draft": "draft"}.get(state, state), state
        articles[state] = article.pk
    return {
        "users": {role: user.pk for role, user in users.items()},
        "articles": articles,
        "sessions": {role: signed_in_cookie(user) for role, user in users.items()},
    }


def signed_in_cookie(user):
    """Sign in once for the whole module (the session row lives in the module's transaction)."""
    client = Client()
    client.force_login(user, backend="articles.review.board.BoardPermissionsBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture(scope="module")
def handler():
    # One handler for the module: building the middleware (whitenoise scans the static files)
    # for every test would cost more than the requests themselves.
    return ClientHandler(enforce_csrf_checks=False)


@pytest.fixture
def admin_client_for(world, handler):
    """A test client signed in as ``role`` (anonymous: no session)."""

    def make(role):
        client = Client()
        client.handler = handler
        if role != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = world["sessions"][role]
        return client

    return make


@pytest.fixture
def get_user(world, db):
    from django.contrib.auth import get_user_model

    def get(role):
        if role == "anonymous":
            return AnonymousUser()
        return get_user_model().objects.get(pk=world["users"][role])

    return get


@pytest.fixture
def get_article(world, db):
    def get(state):
        return Article.objects.get(pk=world["articles"][state])

    return get


ROW_FIELDS = (*editing.WORKFLOW_FIELDS, *Article.CONTENT_FIELDS)
COUNTED = {
    "decisions": ReviewDecision,
    "revisions": Revision,
    "history": Article.history.model,
    "reference_history": Reference.history.model,
    "references": Reference,
}
# One query for all the counts: this runs twice in each of some 2,600 tests.
COUNTS_SQL = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {model._meta.db_table})" for model in COUNTED.values())


def fingerprint(article_id):
    """Everything a step could change, for before/after comparisons."""
    with connection.cursor() as cursor:
        cursor.execute(COUNTS_SQL)
        counts = dict(zip(COUNTED, cursor.fetchone(), strict=True))
    return {"row": Article.objects.values(*ROW_FIELDS).get(pk=article_id), **counts}


def assert_happened(action, article_id, before, after, user):
    """The step left its mark: a history row with the right outcome."""
    row, was = after["row"], before["row"]
    assert after["history"] > before["history"]
    if action in ("submit", "withdraw", "start_review", "approve", "request_changes", "archive", "restore"):
        status = {
            "submit": "submitted",
            "withdraw": "draft",
            "start_review": "in_review",
            "approve": "approved",  # one approval publishes (EDITORIAL_REQUIRED_APPROVALS=1)
            "request_changes": "changes_requested",
            "archive": "archived",
            "restore": "draft",
        }[action]
        assert row["status"] == status
    if action in ("approve", "request_changes", "confirm_current"):
        assert after["decisions"] == before["decisions"] + 1
    if action == "approve":
        assert row["published_revision_id"] == was["pending_revision_id"]
    if action == "claim":
        assert row["claimed_by_id"] == user.pk and row["status"] == was["status"]
    if action == "confirm_current":
        assert row["last_reviewed_at"] > was["last_reviewed_at"]
    if action == "save_content":
        assert row["body"] == "Edited in the matrix [1]."
        assert row["published_revision_id"] == was["published_revision_id"]  # readers see no change
    if action == "restore_version":
        version = Revision.objects.get(article_id=article_id, number=1)
        assert (row["title"], row["body"]) == (version.title, version.body)
        assert row["published_revision_id"] == was["published_revision_id"]


# --- Through the workflow functions --------------------------------------------------


def run_step(action, article, user):
    if action == "save_content":
        article.body = "Edited in the matrix [1]."
        return editing.save_content(article, user=user, reason="Matrix edit")
    if action == "restore_version":
        # A never-submitted draft has no version: offer it another article's, which must be refused.
        revision = (
            Revision.objects.filter(article=article, number=1).first()
            or Revision.objects.exclude(article=article).order_by("pk").first()
        )
        return editing.restore_version(article, revision, user=user)
    kwargs = {}
    if action == "submit":
        kwargs = factories.change_note_for(article)
    elif action == "request_changes":
        kwargs = {"comment": "Needs a newer source.", "reason": ReviewDecision.Reason.MISSING_EVIDENCE}
    elif action == "archive":
        kwargs = {"reason": "Withdrawn in the matrix."}
    return workflow.run(action, article, user=user, **factories.naming_the_version(action, article), **kwargs)


@pytest.mark.parametrize(("role", "action", "state"), matrix())
def test_workflow_function(get_user, get_article, role, action, state):
    user, article = get_user(role), get_article(state)
    before = fingerprint(article.pk)
    if expected(role, action, state):
        run_step(action, article, user)
        assert_happened(action, article.pk, before, fingerprint(article.pk), user)
    else:
        with pytest.raises((PermissionDenied, workflow.WorkflowError, ValidationError)):
            run_step(action, article, user)
        assert fingerprint(article.pk) == before


# --- Through the admin, with forged POSTs ----------------------------------------------

REVIEW_SCREEN_ACTIONS = ["start_review", "claim", "approve", "confirm_current", "request_changes"]
ROUTES = (
    [("workflow", action) for action in workflow.TRANSITIONS]
    + [("review_screen", action) for action in REVIEW_SCREEN_ACTIONS]
    + [("restore_version", "restore_version"), ("change_form", "save_content")]
)
# Everything any step's form may ask for (a submitted update also needs its public change note).
DECISION_FIELDS = {
    "comment": "Needs a newer source.",
    "reason": ReviewDecision.Reason.MISSING_EVIDENCE,
    "change_note": "Wording clarified.",
    "change_kind": "editorial",
}


def change_form_data(article):
    """What the change form posts, with an edit to the body."""
    return factories.change_form_post(article, body="Edited in the matrix [1].", change_reason="Matrix edit")


def forge(client, route, action, article):
    """POST what the page for ``route`` would post, whether or not the page offered it: the state it
    showed and, for the board's decisions, the version under decision."""
    revision = workflow.under_decision(action, article) if action in workflow.DECISIONS else None
    page = {"seen": workflow.state_token(article), "revision": revision or ""}
    if route == "workflow":
        url = reverse("admin:articles_article_workflow", args=[article.pk, action])
        return client.post(url, {**DECISION_FIELDS, **page})
    if route == "review_screen":
        url = reverse("admin:articles_reviewqueueitem_review", args=[article.pk])
        fields = {f"{action}-{key}": value for key, value in {**DECISION_FIELDS, **page}.items()}
        return client.post(url, {"action": action, **fields})
    if route == "restore_version":
        return client.post(reverse("admin:articles_article_restore_version", args=[article.pk, 1]))
    return client.post(reverse("admin:articles_article_change", args=[article.pk]), change_form_data(article))


def error_messages(response):
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def form_errors(response):
    """Errors a re-rendered page shows beside its forms (admin change form, review screen, confirmation)."""
    context = response.context or {}
    errors = []
    if context.get("adminform"):
        errors += list(context["adminform"].form.errors.values())
    for formset in context.get("inline_admin_formsets", []):
        errors += [e for e in formset.formset.errors if e] + list(formset.formset.non_form_errors())
    for form in [context.get("form"), *(context.get("forms") or {}).values()]:
        if form is not None and form.is_bound:
            errors += list(form.errors.values())
    return errors


def assert_sent_to_login(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def assert_refused(response, *, missing=False):
    """A 403, or the page again (or a redirect) saying why; never a 500 and never silence.

    ``missing``: the URL names something that does not exist, so 404 is the honest answer.
    """
    assert response.status_code in (200, 302, 403, *([404] if missing else [])), response.status_code
    if response.status_code in (200, 302):
        assert error_messages(response) or form_errors(response), "refused without saying why"


def route_matrix():
    return [
        pytest.param(route, action, role, state, id=f"{route}-{role}-{action}-{state}")
        for route, action in ROUTES
        for role in ROLES
        for state in STATES
    ]


@pytest.mark.parametrize(("route", "action", "role", "state"), route_matrix())
def test_admin_post(admin_client_for, get_user, get_article, route, action, role, state):
    user, article = get_user(role), get_article(state)
    before = fingerprint(article.pk)
    response = forge(admin_client_for(role), route, action, article)
    if role in SIGNED_OUT:
        assert_sent_to_login(response)
        assert fingerprint(article.pk) == before
    elif expected(role, action, state):
        assert response.status_code == 302, form_errors(response) or error_messages(response)
        assert not error_messages(response)
        assert_happened(action, article.pk, before, fingerprint(article.pk), user)
    else:
        # A never-submitted draft has no version 1 to restore.
        assert_refused(response, missing=route == "restore_version" and state == "draft")
        assert fingerprint(article.pk) == before


# --- Pages that show an article: history, previews, the review screen -----------------

MISSING = 987654  # an id no row has


def latest_history_id(article_id):
    return Article.history.filter(id=article_id).order_by("-history_id").values_list("history_id", flat=True)[0]


def page_url(page, article_id, *, history_id=None, number=1):
    """The admin URL of ``page`` for article ``article_id``."""
    if page == "history":
        return reverse("admin:articles_article_history", args=[article_id])
    if page == "history_record":
        history_id = history_id or latest_history_id(article_id)
        return reverse("admin:articles_article_simple_history", args=[article_id, history_id])
    if page == "draft_preview":
        return reverse("admin:articles_article_preview_draft", args=[article_id])
    if page == "version_preview":
        return reverse("admin:articles_reviewqueueitem_preview", args=[article_id, number])
    if page == "review_screen":
        return reverse("admin:articles_reviewqueueitem_review", args=[article_id])
    if page == "workflow_confirmation":
        # Archiving keeps a confirmation page; the board's decisions lead to the review screen.
        return reverse("admin:articles_article_workflow", args=[article_id, "archive"])
    return reverse("admin:articles_article_change", args=[article_id])


PAGES = [
    "history",
    "history_record",
    "draft_preview",
    "version_preview",
    "review_screen",
    "workflow_confirmation",
    "change_form",
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("role", "state"), [pytest.param(r, s, id=f"{r}-{s}") for r in ROLES for s in STATES])
def test_admin_page(admin_client_for, get_article, page, role, state):
    """Anyone who may view articles reads every page about them; nobody else learns anything."""
    article = get_article(state)
    response = admin_client_for(role).get(page_url(page, article.pk))
    if role in SIGNED_OUT:
        assert_sent_to_login(response)
    elif role not in VIEWERS:
        assert response.status_code == 403
        assert article.title not in response.content.decode()
    elif page == "version_preview" and state == "draft":
        assert response.status_code == 404  # never submitted: there is no version 1
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", STATES)
def test_history_record_cannot_be_posted_back(admin_client_for, get_article, role, state):
    """An old record is for reading: posting it (a revert) is refused, even with change permission."""
    article = get_article(state)
    history_id = Article.history.filter(id=article.pk).order_by("history_id").values_list("history_id", flat=True)[0]
    before = fingerprint(article.pk)
    response = admin_client_for(role).post(
        page_url("history_record", article.pk, history_id=history_id), change_form_data(article)
    )
    if role in SIGNED_OUT:
        assert_sent_to_login(response)
    else:
        assert response.status_code == 403
    assert fingerprint(article.pk) == before


# --- Guessed ids and other articles' ids ------------------------------------------------

GUESSES = {
    # name: (method, page, how the URL is wrong)
    "workflow_get": ("get", "workflow_confirmation", "article"),
    "workflow_post": ("post", "workflow_confirmation", "article"),
    "review_screen_get": ("get", "review_screen", "article"),
    "review_screen_post": ("post", "review_screen", "article"),
    "change_form_get": ("get", "change_form", "article"),
    "change_form_post": ("post", "change_form", "article"),
    "history": ("get", "history", "article"),
    "history_record": ("get", "history_record", "article"),
    "history_record_of_other_article": ("get", "history_record", "other"),
    "history_record_missing": ("get", "history_record", "record"),
    "draft_preview": ("get", "draft_preview", "article"),
    "version_preview": ("get", "version_preview", "article"),
    "version_preview_missing_version": ("get", "version_preview", "version"),
    "version_preview_of_other_article": ("get", "version_preview", "other"),
    "restore_version": ("post", "restore_version", "article"),
    "restore_missing_version": ("post", "restore_version", "version"),
    "restore_version_of_other_article": ("post", "restore_version", "other"),
}


def guessed_url(page, wrong, world):
    """A URL with an id that does not exist, or that belongs to another article."""
    draft, approved = world["articles"]["draft"], world["articles"]["approved"]
    if page == "restore_version":
        article_id, number = {"article": (MISSING, 1), "version": (approved, 99), "other": (draft, 1)}[wrong]
        return reverse("admin:articles_article_restore_version", args=[article_id, number])
    if wrong == "article":
        if page == "history_record":
            return page_url(page, MISSING, history_id=latest_history_id(draft))
        return page_url(page, MISSING)
    if page == "history_record":
        # Another article's record, or a record id nobody has.
        history_id = latest_history_id(approved) if wrong == "other" else MISSING
        return page_url(page, draft, history_id=history_id)
    # Version 1 exists for the approved article only, never for the draft; 99 for nobody.
    return page_url(page, draft if wrong == "other" else approved, number=1 if wrong == "other" else 99)


@pytest.mark.parametrize("guess", list(GUESSES))
@pytest.mark.parametrize("role", ROLES)
def test_guessed_ids_reveal_nothing(admin_client_for, world, get_article, guess, role):
    """A wrong id answers 404 to those who may view articles, and the same 403 to anyone else."""
    method, page, wrong = GUESSES[guess]
    before = {state: fingerprint(pk) for state, pk in world["articles"].items()}
    client = admin_client_for(role)
    url = guessed_url(page, wrong, world)
    response = client.post(url, {**DECISION_FIELDS, "action": "approve"}) if method == "post" else client.get(url)
    if role in SIGNED_OUT:
        assert_sent_to_login(response)
    elif role not in VIEWERS:
        assert response.status_code == 403
    elif page == "change_form" and method == "post" and "save_content" not in MAY[role]:
        assert response.status_code == 403  # may read articles, not change them
    elif page == "change_form":
        # The admin's own answer for a missing object: back to the index, saying it does not exist.
        assert response.status_code == 302
    else:
        assert response.status_code == 404
    assert {state: fingerprint(pk) for state, pk in world["articles"].items()} == before


@pytest.mark.parametrize("role", ["board_member", "superuser"])
def test_a_decision_posted_with_another_articles_state_is_refused(admin_client_for, get_article, role):
    """A forged review POST carrying another article's state token changes neither article."""
    article, other = get_article("in_review"), get_article("submitted")
    before = (fingerprint(article.pk), fingerprint(other.pk))
    url = reverse("admin:articles_reviewqueueitem_review", args=[article.pk])
    response = admin_client_for(role).post(
        url,
        {
            "action": "request_changes",
            **{f"request_changes-{k}": v for k, v in DECISION_FIELDS.items()},
            "request_changes-seen": workflow.state_token(other),
            "request_changes-revision": workflow.under_decision("request_changes", other) or "",
        },
    )
    assert_refused(response)
    assert (fingerprint(article.pk), fingerprint(other.pk)) == before
