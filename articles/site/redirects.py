"""URLs that never break: permanent redirects from old public paths (``Redirect``).

Resolution happens only on the 404 path (``RedirectMiddleware``): a live page never queries
redirects. An old article path also covers everything under it, so ``/articles/old/`` sends
``/articles/old/professional/``, ``/articles/old/v/3/`` and the read API's
``/api/v1/articles/old/`` to the same places under the article's current slug.

Adding redirects (by hand, from a CSV file, from ``redirect_from:`` in Markdown front matter)
goes through ``add_many``: paths only (no scheme or host: no open redirect), the old path must
not be a live page, the target must exist. A target that is itself redirected is collapsed: the
new redirect points at the final target (one hop, never a chain); a loop is refused. A whole
batch is stored in one transaction, or nothing is.
"""

import csv
import io
import re
from dataclasses import dataclass
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve, reverse

from articles.models import Article, AuthorProfile, Redirect, Specialty
from articles.operations import audit

ARTICLE_PATH = re.compile(r"^/articles/(?P<slug>[-a-zA-Z0-9_]+)/(?P<rest>.*)$")
API_ARTICLE_PATH = re.compile(r"^/api/v1/articles/(?P<slug>[-a-zA-Z0-9_]+)/(?P<rest>.*)$")
ARTICLE_VIEWS = {"articles:detail", "articles:detail_professional", "articles:version", "articles:version_professional"}
MAX_HOPS = 20


def article_path(slug: str) -> str:
    return reverse("articles:detail", kwargs={"slug": slug})


# --- Resolving (only after a 404) ------------------------------------------------------


def target_for(path: str) -> str | None:
    """The path ``path`` is permanently redirected to, or None."""
    found = Redirect.objects.select_related("article").filter(old_path=path).first()
    if found is not None:
        if found.article_id and not Article.objects.public().filter(pk=found.article_id).exists():
            return None  # imported with a draft: the old path answers once the article is live
        return found.target()
    for pattern, prefix in ((ARTICLE_PATH, ""), (API_ARTICLE_PATH, "/api/v1")):
        match = pattern.match(path)
        if match:
            old = article_path(match["slug"])
            found = Redirect.objects.select_related("article").filter(old_path=old, article__isnull=False).first()
            if found is not None:
                return prefix + found.article.get_absolute_url() + match["rest"]
    return None


class RedirectMiddleware:
    """Turn a GET/HEAD 404 into a 301 when its path has a redirect; costs nothing otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")  # as asked: the page cache may normalise it
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        target = target_for(request.path_info)
        if target is None or target == request.path_info:
            return response
        redirect = HttpResponsePermanentRedirect(
            request.META.get("SCRIPT_NAME", "") + target + ("?" + query if query else "")
        )
        redirect["Cache-Control"] = "public, max-age=3600"
        return redirect


# --- Validating and adding --------------------------------------------------------------


def clean_path(value: str, field: str) -> str:
    """A path on this site: starts with one '/', no scheme, host, query, fragment or backslash."""
    path = unquote((value or "").strip())  # as Django hands it to views (request.path_info)
    if not path:
        raise ValidationError({field: "A path is required, e.g. /articles/old-name/."})
    if "://" in path or path.startswith("//") or "\\" in path or not path.startswith("/"):
        raise ValidationError(
            {
                field: f"{path!r} is not a path on this site: give a path starting with one '/', no host "
                "(redirects to other sites are refused)."
            }
        )
    if any(ch in path for ch in "?#") or any(ord(ch) < 32 or ch.isspace() for ch in path):
        raise ValidationError({field: f"{path!r}: a path only, without query, fragment or spaces."})
    if len(path) > 500:
        raise ValidationError({field: "A path is at most 500 characters."})
    return path


def _page_exists(path: str) -> tuple[bool, Article | None]:
    """Whether ``path`` is a live page on this site, and the article it is the address of (if any)."""
    if path.startswith("/admin/") or path == "/admin":
        return True, None
    try:
        match = resolve(path)
    except Resolver404:
        return False, None
    slug = match.kwargs.get("slug")
    if match.view_name in ARTICLE_VIEWS or match.view_name.startswith("articles:ask"):
        article = Article.objects.public().filter(slug=slug).first()
        if article is None:
            return False, None
        if "number" in match.kwargs and not article.revisions.filter(number=match.kwargs["number"]).exists():
            return False, None
        return True, article if match.view_name == "articles:detail" else None
    if match.view_name == "articles:specialty":
        return Specialty.objects.filter(slug=slug).exists(), None
    if match.view_name == "articles:author":
        return AuthorProfile.objects.filter(slug=slug, is_public=True).exists(), None
    if match.view_name == "articles:media":
        return False, None
    return True, None


@dataclass
class Line:
    old_path: str
    new_path: str = ""
    article: Article | None = None
    label: str = ""  # "line 3" in a CSV file, "redirect_from" in front matter


def _fail(line: Line, message: str, field: str = "__all__"):
    prefix = f"{line.label}: " if line.label else ""
    raise ValidationError({field: prefix + message})


def _existing(path: str) -> Redirect | None:
    return Redirect.objects.select_related("article").filter(old_path=path).first()


def plan(lines: list[Line]) -> list[Redirect]:
    """Validate ``lines`` against the site and each other; return the redirects to store (unsaved).

    Raises ``ValidationError`` naming the first bad line (its ``label``) and the field.
    """
    seen: dict[str, Line] = {}
    for line in lines:
        line.old_path = _labelled(line, "old_path")
        if line.article is None:
            line.new_path = _labelled(line, "new_path")
        if line.old_path in seen:
            _fail(line, f"{line.old_path} is redirected twice in this file ({seen[line.old_path].label}).", "old_path")
        seen[line.old_path] = line
    planned = []
    for line in lines:
        live, _ = _page_exists(line.old_path)
        if live:
            _fail(line, f"{line.old_path} is a live page: it cannot be redirected.", "old_path")
        if _existing(line.old_path) is not None:
            _fail(line, f"{line.old_path} is already redirected (see the redirects screen).", "old_path")
        article, target_path = _final_target(line, seen)
        planned.append(Redirect(old_path=line.old_path, article=article, target_path=target_path))
    return planned


def add_many(lines: list[Line], *, source: str, user=None) -> list[Redirect]:
    """Validate and store ``lines`` in one transaction (all or nothing); return the redirects stored."""
    stored = []
    with transaction.atomic():
        for redirect in plan(lines):
            redirect.source, redirect.created_by = source, user
            redirect.save()
            _repoint_chains_to(redirect)
            audit.record(
                "redirect.added",
                actor=user,
                target=redirect,
                old_path=redirect.old_path,
                target_path=redirect.target(),
                source=source,
            )
            stored.append(redirect)
    return stored


def _labelled(line: Line, field: str) -> str:
    try:
        return clean_path(getattr(line, field), field)
    except ValidationError as error:
        if not line.label:
            raise
        _fail(line, error.message_dict[field][0], field)


def _final_target(line: Line, pending: dict[str, Line]) -> tuple[Article | None, str]:
    """Follow the target through this batch and stored redirects to its end: (article, path)."""
    if line.article is not None:
        return line.article, ""
    path, hops = line.new_path, [line.old_path]
    for _ in range(MAX_HOPS):
        if path in hops:
            route = " → ".join([*hops, path])
            _fail(line, f"redirect loop: {route}. A path cannot lead back to itself.", "new_path")
        if path in pending:
            hops.append(path)
            nxt = pending[path]
            if nxt.article is not None:
                return nxt.article, ""
            path = nxt.new_path
            continue
        stored = _existing(path)
        if stored is not None:
            if stored.article_id:
                return stored.article, ""  # collapsed: straight to the article, one hop
            hops.append(path)
            path = stored.target_path
            continue
        live, article = _page_exists(path)
        if not live:
            _fail(line, f"the target {path} is not a page on this site.", "new_path")
        return (article, "") if article is not None else (None, path)
    _fail(line, "the target leads through too many redirects.", "new_path")


def _repoint_chains_to(redirect: Redirect) -> None:
    """Redirects whose target is the path just redirected now skip it (no chains)."""
    for earlier in Redirect.objects.filter(target_path=redirect.old_path).exclude(pk=redirect.pk):
        earlier.article, earlier.target_path = redirect.article, redirect.target_path
        if earlier.target_path == earlier.old_path:
            raise ValidationError({"new_path": f"redirect loop: {earlier.old_path} would lead back to itself."})
        earlier.save(update_fields=["article", "target_path"])


def remove(redirect: Redirect, *, user=None, reason: str = "") -> None:
    audit.record(
        "redirect.removed",
        actor=user,
        target=redirect,
        old_path=redirect.old_path,
        target_path=redirect.target(),
        reason=reason,
    )
    redirect.delete()


def parse_csv(text: str) -> list[Line]:
    """``old_path,new_path`` per line; a header line (``old_path,new_path``) is optional."""
    lines = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        label = f"line {number}"
        if number == 1 and [c.strip().lower() for c in row] == ["old_path", "new_path"]:
            continue
        if len(row) != 2:
            raise ValidationError({"file": f"{label}: expected two columns, old_path,new_path (found {len(row)})."})
        lines.append(Line(old_path=row[0].strip(), new_path=row[1].strip(), label=label))
    if not lines:
        raise ValidationError({"file": "The file has no redirects: one old_path,new_path per line."})
    return lines


# --- redirect_from in Markdown front matter --------------------------------------------------


def check_for_article(paths: list[str], slug: str) -> None:
    """Old paths for the article with ``slug``: each a path, not a live page, not another's redirect."""
    own = article_path(slug)
    for path in paths:
        path = clean_path(path, "redirect_from")
        if path == own or path.startswith(own):
            raise ValidationError({"redirect_from": f"{path} is the article's own address."})
        live, _ = _page_exists(path)
        if live:
            raise ValidationError({"redirect_from": f"{path} is a live page: it cannot be redirected."})
        existing = _existing(path)
        if existing is not None and not (existing.article_id and existing.article.slug == slug):
            raise ValidationError({"redirect_from": f"{path} already redirects to {existing.target()}."})


def add_for_article(article: Article, paths: list[str], *, user=None) -> list[Redirect]:
    """Store the old paths of an imported article that are not stored yet (checked by ``check_for_article``)."""
    check_for_article(paths, article.slug)
    have = set(article.redirects.values_list("old_path", flat=True))
    added = []
    for path in paths:
        if path in have:
            continue
        redirect = Redirect.objects.create(
            old_path=path, article=article, source=Redirect.Source.IMPORT, created_by=user
        )
        _repoint_chains_to(redirect)
        audit.record(
            "redirect.added",
            actor=user,
            target=redirect,
            old_path=path,
            target_path=article_path(article.slug),
            source=Redirect.Source.IMPORT,
        )
        added.append(redirect)
    return added


# --- Slug changes and new live articles --------------------------------------------------


def _article_changed(sender, *, article, **kwargs):
    """A live article at a path that was redirected wins: the redirect goes (and it is recorded)."""
    if article.published_revision_id is None:
        return
    for redirect in Redirect.objects.filter(old_path=article_path(article.slug)).exclude(article=article):
        remove(redirect, reason=f"the live article “{article.title}” now has this address")


def connect_signals() -> None:
    from articles.review import signals

    signals.article_changed.connect(_article_changed, dispatch_uid="redirects-article")
