"""The change form's safety net: autosaves, their diff, and signing in again without leaving the page.

``static/articles/autosave.js`` keeps the editor's unsaved text in the browser and here
(``articles.review.autosave``); on return it offers to restore it, with a diff against what is
saved. ``static/articles/session.js`` notices an ended session (these views and the live preview
answer JSON 401 to scripts instead of the login page), asks to sign in again in a dialog, and
then saves. Every view answers JSON, so a script never shows a login page as if it were content.
"""

from functools import wraps

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from articles.models import Article
from articles.review import autosave, diffing, second_factor

from .editor import references_from_form

SIGNED_OUT = "Your session has ended: sign in again to keep working. Nothing you typed is lost."


def json_admin_view(model_admin, view):
    """Like ``admin_site.admin_view`` for scripts: a JSON 401 instead of a redirect to the login page."""

    @wraps(view)
    def inner(request, *args, **kwargs):
        if not model_admin.admin_site.has_permission(request):
            return signed_out()
        return view(model_admin, request, *args, **kwargs)

    return csrf_protect(never_cache(inner))


def signed_out() -> JsonResponse:
    return JsonResponse({"error": "signed_out", "message": SIGNED_OUT, "login_url": reverse("admin:login")}, status=401)


def snapshot_diff(old: dict | None, new: dict) -> dict:
    """``diffing.diff_snapshots`` with the references that changed picked out, for ``_snapshot_diff.html``."""
    diff = diffing.diff_snapshots(old, new)
    diff["changed_references"] = [ref for ref in diff["references"] if ref.status != "unchanged"]
    return diff


def context(request, article: Article | None) -> dict:
    """What the change form's scripts need: where to keep text, and the author's own server copy."""
    kept = autosave.mine(article, request.user) if article is not None else None
    server = {"fields": kept.fields, "base": kept.base, "saved_at": kept.saved_at.isoformat()} if kept else None
    saved_now = request.session.pop("autosave_saved", None)
    return {
        "autosave": {
            "key": str(article.pk) if article is not None else "new",
            "url": reverse("admin:articles_article_autosave", args=[article.pk]) if article is not None else "",
            "diff_url": reverse("admin:articles_article_autosave_diff"),
            "session_url": reverse("admin:articles_article_session"),
            "sign_in_url": reverse("admin:articles_article_sign_in"),
            "login_url": reverse("admin:login"),
            "username": request.user.get_username(),
            # Just saved: the browser's copies of this article (and of the new article it was) are done.
            "cleared": saved_now or [],
            "server": server,
        }
    }


def mark_saved(request, article: Article, *, added: bool) -> None:
    """Tell the next page's script that this article's browser copies are saved (and "new" if just added)."""
    request.session["autosave_saved"] = [str(article.pk), *(["new"] if added else [])]


def autosave_view(model_admin, request, object_id):
    """Keep (POST the form's fields) or ``action=discard`` the signed-in editor's autosave of an article."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm("articles.change_article"):
        raise PermissionDenied  # before the lookup: guessed ids learn nothing
    article = get_object_or_404(Article, pk=object_id)
    if request.POST.get("_autosave_action") == "discard":
        autosave.discard(article, request.user)
        return JsonResponse({"discarded": True})
    try:
        draft = autosave.keep(article, user=request.user, data=request.POST, base=request.POST.get("edit_base", ""))
    except PermissionDenied as error:
        return JsonResponse({"error": "refused", "message": str(error)}, status=403)
    except ValidationError as error:
        return JsonResponse({"error": "invalid", "message": " ".join(error.messages)}, status=400)
    return JsonResponse({"saved_at": draft.saved_at.isoformat()})


def autosave_diff_view(model_admin, request):
    """The diff between what is saved (``object_id`` posted; none for a new article) and the posted fields."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        raise PermissionDenied
    object_id = request.POST.get("_autosave_article", "")
    stored = None
    if object_id.isdigit():
        stored = get_object_or_404(Article, pk=object_id).content_snapshot()
    kept = {name: request.POST.get(name, "") for name, _ in diffing.FIELDS}
    kept["references"] = references_from_form(request.POST)
    diff = snapshot_diff(stored, kept)
    html = render_to_string("admin/articles/_snapshot_diff.html", {"diff": diff, "only_changes": True})
    return JsonResponse({"html": html, "changed": diff["changed"]})


def session_view(model_admin, request):
    """Whether the browser is still signed in (200), or not (401, from ``json_admin_view``)."""
    return JsonResponse({"signed_in": True, "username": request.user.get_username(), "csrf_token": get_token(request)})


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in_view(request):
    """Sign in again from the change form's dialog, with the admin login's own form and throttle.

    Answers the new CSRF token (signing in rotates it) for the page's forms. Only the person who
    was signed in may continue there: someone else signing in would save under their own name.
    Someone who signs in with a second factor is not signed in here on a password alone: the
    answer says to sign in in a new tab (``login_url``) and then press "I have signed in".
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    expected = request.POST.get("expected", "")
    form = AdminAuthenticationForm(request, data=request.POST)
    if not form.is_valid():
        message = " ".join(m for errors in form.errors.values() for m in errors)
        return JsonResponse({"error": "invalid", "message": message}, status=400)
    user = form.get_user()
    if expected and user.get_username() != expected:
        message = f"This page was opened by {expected}: sign in as {expected} to save it."
        return JsonResponse({"error": "other_user", "message": message}, status=400)
    if second_factor.must_verify(user):
        message = (
            "Your account signs in with a second factor: sign in in a new tab, then choose "
            "“continue here”. Nothing you typed is lost."
        )
        answer = {"error": "second_factor", "message": message, "login_url": reverse("admin:login")}
        return JsonResponse(answer, status=400)
    login(request, user)
    return JsonResponse({"signed_in": True, "username": user.get_username(), "csrf_token": get_token(request)})
