"""Public pages. Every one starts from ``Article.objects.public()`` (or the pending policy)."""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.utils import DatabaseError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from . import structured_data
from .forms import FollowUpQuestionForm
from .models import Article, BoardMember, FollowUpQuestion, Page, ReviewDecision, Revision, Specialty
from .ratelimit import client_key, hit
from .rendering import RenderedText
from .rendering import render as render_text
from .search import search

RENDER_CACHE_VERSION = 3


def public_cache(view):
    """Let browsers and CDNs keep public pages briefly; approvals show up within the max age."""
    return cache_control(public=True, max_age=settings.EDITORIAL_PUBLIC_MAX_AGE)(view)


AUDIENCES = ("patient", "professional")


def has_professional_version(revision: Revision) -> bool:
    return bool(revision.professional_body.strip())


def rendered_revision(revision: Revision, audience: str = "patient") -> RenderedText:
    """Render one audience's text of a revision; revisions never change, so the cache never goes stale."""
    professional = audience == "professional" and has_professional_version(revision)
    key = f"rendered:{RENDER_CACHE_VERSION}:{revision.pk}:{revision.content_hash}:{int(professional)}"
    rendered = cache.get(key)
    if rendered is None:
        if professional:
            summary = revision.professional_summary or revision.summary
            rendered = render_text(summary, revision.professional_body, revision.references)
        else:
            rendered = render_text(revision.summary, revision.body, revision.references)
        cache.set(key, rendered, timeout=None)
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

    @property
    def has_professional(self):
        return has_professional_version(self.revision)

    @property
    def fell_back(self):
        """The reader asked for the professional version, which this article does not have."""
        return self.requested_audience == "professional" and self.audience != "professional"

    @property
    def plain_summary(self):
        return " ".join(strip_tags(self.rendered.summary_html).split())

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


def _approvers(revision: Revision) -> list:
    decisions = revision.approvals().select_related("reviewer__board_profile__specialty").order_by("created_at")
    return [d.reviewer.board_profile for d in decisions if hasattr(d.reviewer, "board_profile")]


def _approved_history(article: Article) -> list:
    """Every approved version, newest first, with its approvers (two queries in all)."""
    versions = list(article.revisions.filter(approved_at__isnull=False).order_by("-number"))
    decisions = (
        ReviewDecision.objects.filter(revision__in=versions, decision=ReviewDecision.Decision.APPROVE)
        .select_related("reviewer__board_profile")
        .order_by("created_at")
    )
    by_revision = {}
    for decision in decisions:
        by_revision.setdefault(decision.revision_id, []).append(decision.reviewer)
    for version in versions:
        version.approvers = [
            getattr(u, "board_profile", None) or u.get_username() for u in by_revision.get(version.pk, [])
        ]
    return versions


def _public_article(slug: str):
    """Return (article, revision, pending) for a slug a reader may see, or raise 404."""
    related = ("published_revision", "pending_revision", "specialty")
    article = Article.objects.public().select_related(*related).filter(slug=slug).first()
    if article is not None:
        return article, article.published_revision, False
    if settings.EDITORIAL_SHOW_PENDING:
        article = Article.objects.pending_public().select_related(*related).filter(slug=slug).first()
        if article is not None:
            return article, article.pending_revision, True
    # Same answer for unknown, draft, archived and in-review slugs: nothing leaks.
    raise Http404("No article found.")


def render_article(request, page: ArticlePage, *, preview=False):
    canonical_path = page.url_for(page.audience) if not page.is_permalink else page.article.get_absolute_url()
    canonical = request.build_absolute_uri(canonical_path)
    json_ld = structured_data.medical_web_page(
        page,
        url=canonical,
        site_name=settings.EDITORIAL_SITE_NAME,
        board_url=request.build_absolute_uri(reverse("articles:board")),
    )
    context = {
        "page": page,
        "canonical": canonical,
        "json_ld": structured_data.to_script(json_ld) if not page.pending else "",
        "noindex": page.pending or page.is_permalink or page.fell_back or preview,
        "preview": preview,
    }
    response = render(request, "articles/article_detail.html", context)
    if context["noindex"]:
        response["X-Robots-Tag"] = "noindex"
    return response


def make_page(article, revision, *, pending, audience="patient", is_permalink=False) -> ArticlePage:
    served = audience if audience == "patient" or has_professional_version(revision) else "patient"
    return ArticlePage(
        article=article,
        revision=revision,
        rendered=rendered_revision(revision, served),
        approvers=[] if pending else _approvers(revision),
        pending=pending,
        is_permalink=is_permalink,
        audience=served,
        requested_audience=audience,
        history=_approved_history(article),
    )


@require_GET
@public_cache
def home(request):
    articles = Article.objects.public().select_related("specialty", "published_revision")
    query = " ".join(request.GET.get("q", "").split())[:200]
    if query:
        articles = search(articles, query)
    else:
        articles = articles.order_by("-published_revision__approved_at")
    specialties = Specialty.objects.filter(articles__in=Article.objects.public()).distinct()
    return render(
        request, "articles/home.html", {"articles": articles[:50], "query": query, "specialties": specialties}
    )


@require_GET
@public_cache
def article_detail(request, slug, audience="patient"):
    article, revision, pending = _public_article(slug)
    return render_article(request, make_page(article, revision, pending=pending, audience=audience))


@require_GET
@public_cache
def article_version(request, slug, number, audience="patient"):
    article = get_object_or_404(Article.objects.public(), slug=slug)
    revision = get_object_or_404(article.revisions.filter(approved_at__isnull=False), number=number)
    return render_article(request, make_page(article, revision, pending=False, audience=audience, is_permalink=True))


def ask(request, slug):
    """Take a reader's follow-up question about a public article into the editors' inbox."""
    article, revision, _ = _public_article(slug)
    audience = request.GET.get("audience") if request.GET.get("audience") in AUDIENCES else "patient"
    form = FollowUpQuestionForm(request.POST or None, initial={"audience": audience})
    limited = False
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
            FollowUpQuestion.objects.create(
                article=article,
                question=form.cleaned_data["question"],
                email=form.cleaned_data["email"],
                audience=form.cleaned_data.get("audience") or "",
            )
            return redirect(reverse("articles:ask_thanks", args=[article.slug]))
    status = 429 if limited else 200
    context = {"article": article, "revision": revision, "form": form, "limited": limited}
    return render(request, "articles/ask.html", context, status=status)


@require_GET
def ask_thanks(request, slug):
    article, revision, _ = _public_article(slug)
    return render(request, "articles/ask_thanks.html", {"article": article, "revision": revision})


@require_GET
@public_cache
def specialty(request, slug):
    topic = get_object_or_404(Specialty, slug=slug)
    articles = (
        Article.objects.public()
        .filter(specialty=topic)
        .select_related("published_revision", "specialty")
        .order_by("published_revision__title")
    )
    return render(request, "articles/specialty.html", {"specialty": topic, "articles": articles})


@require_GET
@public_cache
def board(request):
    members = list(BoardMember.objects.filter(is_active=True).select_related("specialty"))
    reviewed = {}
    approvals = (
        ReviewDecision.objects.filter(
            decision=ReviewDecision.Decision.APPROVE,
            article__in=Article.objects.public(),
            revision__approved_at__isnull=False,
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


@require_GET
@public_cache
def editorial_policy(request):
    policy = Page.objects.filter(slug="editorial-policy").first()
    if policy is None:
        raise Http404("No editorial policy has been published.")
    body_html = render_text("", policy.body, []).body_html
    return render(request, "articles/editorial_policy.html", {"policy": policy, "body_html": body_html})


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /articles/*/ask/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


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
