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


@dataclass
class Approver:
    """A reviewer as publicly credited on a version: name and credentials as they were then."""

    display_name: str
    credentials: str
    slug: str
    specialty: str
    on_board: bool

    def __str__(self):
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name

    def get_absolute_url(self):
        return f"{reverse('articles:board')}#{self.slug}" if self.on_board else None


def _approvers_by_revision(revisions) -> dict:
    """Map revision id to its approvers, in approval order, in two queries."""
    decisions = list(
        ReviewDecision.objects.filter(revision__in=revisions, decision=ReviewDecision.Decision.APPROVE).order_by(
            "created_at"
        )
    )
    members = {
        m.slug: m
        for m in BoardMember.objects.filter(
            slug__in={d.reviewer_slug for d in decisions if d.reviewer_slug}
        ).select_related("specialty")
    }
    result = {}
    for d in decisions:
        member = members.get(d.reviewer_slug)
        result.setdefault(d.revision_id, []).append(
            Approver(
                display_name=d.reviewer_name or "A board member",
                credentials=d.reviewer_credentials,
                slug=d.reviewer_slug,
                specialty=member.specialty.name if member and member.specialty else "",
                on_board=bool(member and member.is_active),
            )
        )
    return result


def _approved_history(article: Article) -> list:
    """Every approved version, newest first, with its approvers."""
    versions = list(article.revisions.filter(approved_at__isnull=False).order_by("-number"))
    approvers = _approvers_by_revision(versions)
    for version in versions:
        version.approvers = approvers.get(version.pk, [])
    return versions


def _public_article(slug: str):
    """Return (article, revision, pending) for a slug a reader may see, or raise 404."""
    related = ("published_revision__specialty", "pending_revision__specialty", "specialty")
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
    json_ld = ""
    if not page.pending:  # unreviewed content makes no machine-readable claim of review
        data = structured_data.medical_web_page(
            page,
            url=canonical,
            site_name=settings.EDITORIAL_SITE_NAME,
            board_url=request.build_absolute_uri(reverse("articles:board")),
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
    return response


def make_page(article, revision, *, pending, audience="patient", is_permalink=False) -> ArticlePage:
    served = audience if audience == "patient" or has_professional_version(revision) else "patient"
    history = _approved_history(article)
    current = next((v for v in history if v.pk == revision.pk), None)
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
    )


@require_GET
@public_cache
def home(request):
    articles = Article.objects.public().select_related("published_revision__specialty")
    # Printable characters only: a NUL byte would make PostgreSQL refuse the query.
    query = " ".join("".join(c for c in request.GET.get("q", "") if c.isprintable()).split())[:200]
    if query:
        articles = search(articles, query)
    else:
        articles = articles.order_by("-published_revision__approved_at")
    specialties = Specialty.objects.filter(pk__in=Article.objects.public().values("published_revision__specialty"))
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
        .filter(published_revision__specialty=topic)
        .select_related("published_revision__specialty")
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
