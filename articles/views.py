"""Public pages. Every one starts from ``Article.objects.public()`` (or the pending policy)."""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.utils import DatabaseError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .models import Article, BoardMember, Revision, Specialty
from .rendering import RenderedText
from .rendering import render as render_text

RENDER_CACHE_VERSION = 1


def rendered_revision(revision: Revision) -> RenderedText:
    """Render a revision's text once; revisions never change, so the cache never goes stale."""
    key = f"rendered:{RENDER_CACHE_VERSION}:{revision.pk}:{revision.content_hash}"
    rendered = cache.get(key)
    if rendered is None:
        rendered = render_text(revision.summary, revision.body, revision.references)
        cache.set(key, rendered, timeout=None)
    return rendered


@dataclass
class ArticlePage:
    article: Article
    revision: Revision
    rendered: RenderedText
    approvers: list
    pending: bool  # shown under EDITORIAL_SHOW_PENDING, not yet approved
    is_permalink: bool = False

    @property
    def review_overdue(self):
        due = self.article.next_review_due
        return not self.pending and due is not None and due < timezone.now()

    @property
    def update_under_review(self):
        return not self.pending and self.article.status in (Article.Status.SUBMITTED, Article.Status.IN_REVIEW)

    @property
    def stepper(self):
        """Return (label, state) for Submitted → Under review → Approved."""
        if not self.pending:
            return [("Submitted", "done"), ("Under review", "done"), ("Approved", "done")]
        if self.article.status == Article.Status.SUBMITTED:
            return [("Submitted", "current"), ("Under review", "todo"), ("Approved", "todo")]
        return [("Submitted", "done"), ("Under review", "current"), ("Approved", "todo")]


def _approvers(revision: Revision) -> list:
    decisions = (
        revision.approvals().select_related("reviewer__board_profile").order_by("created_at")
    )
    return [d.reviewer.board_profile for d in decisions if hasattr(d.reviewer, "board_profile")]


def _public_article(slug: str):
    """Return (article, revision, pending) for a slug a reader may see, or raise 404."""
    article = Article.objects.public().select_related("published_revision", "specialty").filter(slug=slug).first()
    if article is not None:
        return article, article.published_revision, False
    if settings.EDITORIAL_SHOW_PENDING:
        article = Article.objects.pending_public().select_related("pending_revision", "specialty").filter(slug=slug).first()
        if article is not None:
            return article, article.pending_revision, True
    # Same answer for unknown, draft, archived and in-review slugs: nothing leaks.
    raise Http404("No article found.")


def home(request):
    articles = (
        Article.objects.public()
        .select_related("specialty", "published_revision")
        .order_by("-published_revision__approved_at")
    )
    query = request.GET.get("q", "").strip()[:200]
    if query:
        articles = articles.filter(published_revision__title__icontains=query) | articles.filter(
            published_revision__summary__icontains=query
        )
    return render(request, "articles/home.html", {"articles": articles[:50], "query": query})


def article_detail(request, slug):
    article, revision, pending = _public_article(slug)
    page = ArticlePage(article, revision, rendered_revision(revision), _approvers(revision), pending)
    response = render(request, "articles/article_detail.html", {"page": page})
    if pending:
        response["X-Robots-Tag"] = "noindex"
    return response


def article_version(request, slug, number):
    article = get_object_or_404(Article.objects.public(), slug=slug)
    revision = get_object_or_404(article.revisions.filter(approved_at__isnull=False), number=number)
    page = ArticlePage(article, revision, rendered_revision(revision), _approvers(revision), False, is_permalink=True)
    return render(request, "articles/article_detail.html", {"page": page})


def specialty(request, slug):
    topic = get_object_or_404(Specialty, slug=slug)
    articles = Article.objects.public().filter(specialty=topic).select_related("published_revision")
    return render(request, "articles/specialty.html", {"specialty": topic, "articles": articles})


def board(request):
    members = BoardMember.objects.filter(is_active=True).select_related("specialty")
    return render(request, "articles/board.html", {"members": members})


def editorial_policy(request):
    return render(request, "articles/editorial_policy.html", {})


@never_cache
def healthz(request):
    """Answer 200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
