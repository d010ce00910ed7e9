"""Public pages. Every one starts from ``Article.objects.public()`` (or the pending policy)."""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.db.utils import DatabaseError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import caching, provenance, provenance_views, questions, structured_data
from .forms import FollowUpQuestionForm
from .models import Article, BoardMember, Page, ReviewDecision, Revision, Specialty
from .ratelimit import client_key, hit
from .rendering import RenderedText, plain_text
from .rendering import render as render_text
from .search import clean_query, highlighted, search

logger = logging.getLogger(__name__)

RENDER_CACHE_VERSION = 4  # 4: citations numbered in reading order


AUDIENCES = ("patient", "professional")
SEARCH_RESULTS_PER_PAGE = 10


def has_professional_version(revision: Revision) -> bool:
    return bool(revision.professional_body.strip())


def rendered_revision(revision: Revision, audience: str = "patient") -> RenderedText:
    """Render one audience's text of a revision; revisions never change, so the cache never goes stale."""
    professional = audience == "professional" and has_professional_version(revision)
    key = f"rendered:{RENDER_CACHE_VERSION}:{revision.pk}:{revision.content_hash}:{int(professional)}"
    try:
        rendered = cache.get(key)
    except Exception:  # the cache is down: render, as if it were empty
        rendered = None
    if rendered is None:
        if professional:
            summary = revision.professional_summary or revision.summary
            rendered = render_text(summary, revision.professional_body, revision.references)
        else:
            rendered = render_text(revision.summary, revision.body, revision.references)
        try:
            cache.set(key, rendered, timeout=None)
        except Exception:
            logger.warning("render cache unavailable; rendered revision %s without it", revision.pk)
    return rendered


@dataclass
class ArticlePage:
    article: Article
    revision: Revision
    rendered: RenderedText
    approvers: list
    pending: bool  # shown under EDITORIAL_SHOW_PENDING (or a staff preview), not yet approved
    is_permalink: bool = False
    audience: str = "patient"
    requested_audience: str = "patient"
    history: list = field(default_factory=list)
    # Provenance (articles/provenance.py): re-review credit, byline, change notes, withdrawal.
    confirmations: list = field(default_factory=list)
    byline: object = None
    latest_update: object = None
    correction: object = None
    withdrawal: object = None

    @property
    def specialty(self):
        # The topic as reviewed; versions frozen before topics were reviewed fall back to the article's.
        return self.revision.specialty or self.article.specialty

    @property
    def has_professional(self):
        return has_professional_version(self.revision)

    @property
    def fell_back(self):
        """The reader asked for the professional version, which this article does not have."""
        return self.requested_audience == "professional" and self.audience != "professional"

    @property
    def plain_summary(self):
        """The summary this audience reads, as plain text without citation marks (meta, og, JSON-LD)."""
        revision = self.revision
        if self.audience == "professional":
            return plain_text(revision.professional_summary or revision.summary)
        return plain_text(revision.summary)

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
        # Only the version with the board is at a step; a working draft (or a superseded
        # version) has not been submitted at all.
        with_the_board = self.revision.pk is not None and self.revision.pk == self.article.pending_revision_id
        if with_the_board and self.article.status == Article.Status.SUBMITTED:
            return [("Submitted", "current"), ("Under review", "todo"), ("Approved", "todo")]
        if with_the_board and self.article.status == Article.Status.IN_REVIEW:
            return [("Submitted", "done"), ("Under review", "current"), ("Approved", "todo")]
        return [("Submitted", "todo"), ("Under review", "todo"), ("Approved", "todo")]

    @property
    def preview_state(self):
        """What a staff preview is of: the working "draft", a version "with_board", "live" or "earlier"."""
        if self.revision.pk is None:
            return "draft"
        if not self.revision.is_approved:
            return "with_board" if self.revision.pk == self.article.pending_revision_id else "earlier"
        return "live" if self.revision.pk == self.article.published_revision_id else "earlier"

    @property
    def patient_url(self):
        return self.url_for("patient")

    @property
    def professional_url(self):
        return self.url_for("professional")

    def url_for(self, audience):
        if self.is_permalink:
            name, args = "articles:version", [self.article.slug, self.revision.number]
        else:
            name, args = "articles:detail", [self.article.slug]
        url = reverse(name, args=args)
        return url + "professional/" if audience == "professional" else url


def _public_article(slug: str):
    """Return (article, revision, pending) for a slug a reader may see, or raise 404."""
    related = ("published_revision__specialty", "pending_revision__specialty", "specialty")
    article = Article.objects.select_related(*related).filter(slug=slug).first()
    if article is not None and article.is_public():
        return article, article.published_revision, False
    if article is not None and settings.EDITORIAL_SHOW_PENDING and article.is_pending_public():
        return article, article.pending_revision, True
    withdrawal = provenance.current_withdrawal(article) if article is not None else None
    if withdrawal is not None:
        raise provenance.Withdrawn(withdrawal)
    # Same answer for unknown, draft, never-published archived and in-review slugs: nothing leaks.
    raise Http404("No article found.")


def render_article(request, page: ArticlePage, *, preview=False):
    canonical_path = page.url_for(page.audience) if not page.is_permalink else page.article.get_absolute_url()
    canonical = request.build_absolute_uri(canonical_path)
    json_ld = ""
    if not page.pending:  # unreviewed content makes no machine-readable claim of review
        data = structured_data.medical_web_page(
            page,
            url=canonical,
            site_name=settings.EDITORIAL_SITE_NAME,
            board_url=request.build_absolute_uri(reverse("articles:board")),
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
        json_ld = structured_data.to_script(data)
    context = {
        "page": page,
        "canonical": canonical,
        "json_ld": json_ld,
        "noindex": page.pending or page.is_permalink or page.fell_back or preview,
        "preview": preview,
    }
    response = render(request, "articles/article_detail.html", context)
    if context["noindex"]:
        response["X-Robots-Tag"] = "noindex"
    if not page.is_permalink:
        # The page turns "review overdue" when the review falls due, and drops a correction's
        # notice when its period ends: store it no longer than the first of those.
        changes_at = [page.article.next_review_due, provenance.correction_notice_until(page.correction)]
        caching.expire_at(response, min((t for t in changes_at if t), default=None))
    return response


def make_page(article, revision, *, pending, audience="patient", is_permalink=False, history=None) -> ArticlePage:
    served = audience if audience == "patient" or has_professional_version(revision) else "patient"
    history = provenance.approved_history(article) if history is None else history
    current = next((v for v in history if v.pk == revision.pk), None)
    reviewed = current is not None and not pending
    return ArticlePage(
        article=article,
        revision=revision,
        rendered=rendered_revision(revision, served),
        approvers=current.approvers if current and not pending else [],
        pending=pending,
        is_permalink=is_permalink,
        audience=served,
        requested_audience=audience,
        history=history,
        confirmations=current.confirmations if reviewed else [],
        byline=provenance.byline(history, revision) if reviewed else None,
        latest_update=provenance.latest_update(history, revision) if reviewed else None,
        correction=provenance.active_correction(history, revision) if reviewed else None,
        withdrawal=provenance.current_withdrawal(article) if is_permalink else None,
    )


@require_safe
def home(request):
    articles = Article.objects.public().select_related("published_revision__specialty")
    query = clean_query(request.GET.get("q", ""))
    context = {"query": query}
    if query:
        page = Paginator(search(articles, query), SEARCH_RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        context |= {"page": page, "results": highlighted(page.object_list, query)}
    else:
        context["articles"] = articles.order_by("-published_revision__approved_at")[:50]
        context["specialties"] = Specialty.objects.filter(
            pk__in=Article.objects.public().values("published_revision__specialty")
        )
    return render(request, "articles/home.html", context)


@require_safe
def article_detail(request, slug, audience="patient"):
    try:
        article, revision, pending = _public_article(slug)
    except provenance.Withdrawn as withdrawn:
        return provenance_views.withdrawn(request, withdrawn.withdrawal)
    return render_article(request, make_page(article, revision, pending=pending, audience=audience))


@require_safe
def article_version(request, slug, number, audience="patient"):
    # Versions of a withdrawn article stay readable (citations point to them), marked withdrawn.
    revision = get_object_or_404(
        Revision.objects.select_related("specialty", "article__specialty").filter(
            article__in=Article.objects.with_readable_versions(), approved_at__isnull=False
        ),
        article__slug=slug,
        number=number,
    )
    article = revision.article
    page = make_page(article, revision, pending=False, audience=audience, is_permalink=True)
    return render_article(request, page)


@never_cache  # Back after sending fetches a fresh, empty form rather than offering the old one again
def ask(request, slug):
    """Take a reader's follow-up question about a public article into the editors' inbox."""
    article, revision, _ = _public_article(slug)
    audience = request.GET.get("audience") if request.GET.get("audience") in AUDIENCES else "patient"
    form = FollowUpQuestionForm(request.POST or None, initial={"audience": audience})
    limited = False
    # Each form carries a one-time token: a double click or a resend of the same form is not a new question.
    token = questions.valid_token(request.POST.get("token", "")) if request.method == "POST" else None
    if questions.already_received(token):
        return redirect(reverse("articles:ask_thanks", args=[article.slug]))
    if request.method == "POST" and form.is_valid():
        if form.is_spam():
            # Bots that fill the hidden field get the same thank-you page; nothing is stored.
            return redirect(reverse("articles:ask_thanks", args=[article.slug]))
        limited = not hit(
            f"ask:{client_key(request)}",
            limit=settings.EDITORIAL_QUESTIONS_PER_HOUR,
            window=3600,
        )
        if not limited:
            questions.receive(
                article=article,
                question=form.cleaned_data["question"],
                email=form.cleaned_data["email"],
                audience=form.cleaned_data.get("audience") or "",
                token=token,
            )
            return redirect(reverse("articles:ask_thanks", args=[article.slug]))
    status = 429 if limited else 200
    context = {
        "article": article,
        "revision": revision,
        "form": form,
        "limited": limited,
        "token": token or questions.new_token(),
    }
    return render(request, "articles/ask.html", context, status=status)


@require_safe
def ask_thanks(request, slug):
    article, revision, _ = _public_article(slug)
    return render(request, "articles/ask_thanks.html", {"article": article, "revision": revision})


@require_safe
def specialty(request, slug):
    topic = get_object_or_404(Specialty, slug=slug)
    articles = (
        Article.objects.public()
        .filter(published_revision__specialty=topic)
        .select_related("published_revision__specialty")
        .order_by("published_revision__title")
    )
    return render(request, "articles/specialty.html", {"specialty": topic, "articles": articles})


@require_safe
def board(request):
    members = list(BoardMember.objects.filter(is_active=True).select_related("specialty"))
    reviewed = {}
    approvals = (
        ReviewDecision.objects.filter(
            decision__in=[ReviewDecision.Decision.APPROVE, ReviewDecision.Decision.CONFIRM_CURRENT],
            revision__in=Article.objects.public().values("published_revision"),
        )
        .select_related("article__published_revision")
        .order_by("article__published_revision__title")
    )
    for decision in approvals:
        articles = reviewed.setdefault(decision.reviewer_id, [])
        if decision.article not in articles:
            articles.append(decision.article)
    for member in members:
        member.reviewed_articles = reviewed.get(member.user_id, [])
    return render(request, "articles/board.html", {"members": members})


@require_safe
def editorial_policy(request):
    policy = Page.objects.filter(slug="editorial-policy").first()
    if policy is None:
        raise Http404("No editorial policy has been published.")
    body_html = render_text("", policy.body, []).body_html  # rendered once per change: the page is cached
    return render(request, "articles/editorial_policy.html", {"policy": policy, "body_html": body_html})


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /articles/*/ask/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


def _cache_ok() -> bool:
    try:
        cache.set("healthz", "ok", timeout=10)
        return cache.get("healthz") == "ok"
    except Exception:
        return False


@never_cache
def healthz(request):
    """For the load balancer: 200 while the database answers, 503 when it does not.

    A cache outage is reported ("degraded") without taking the node out: pages are then
    served uncached, which is slower but correct.
    """
    database = _database_ok()
    body = {
        "status": "ok" if database else "unavailable",
        "database": "ok" if database else "down",
        "cache": "ok" if _cache_ok() else "degraded",
    }
    return JsonResponse(body, status=200 if database else 503)


@never_cache
def readyz(request):
    """For deploys and orchestrators: 200 only when the database and the cache both answer."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    body = {name: "ok" if ok else "down" for name, ok in checks.items()}
    ready = all(checks.values())
    body["status"] = "ready" if ready else "not ready"
    return JsonResponse(body, status=200 if ready else 503)
