"""Public pages. Every one starts from ``Article.objects.public()`` (or the pending policy)."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from articles.content.rendering import render as render_text
from articles.models import Article, AuthorProfile, BoardMember, Page, ReviewDecision, Specialty, Withdrawal
from articles.models.figures import library_images

from . import provenance, structured_data
from .pages import make_page, public_article, public_version, render_article
from .search import clean_query, highlighted, search

SEARCH_RESULTS_PER_PAGE = 10


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
        article, revision, pending = public_article(slug, audience)
    except provenance.Withdrawn as gone:
        return withdrawn(request, gone.withdrawal)
    generations = getattr(request, "page_generations", None)
    page = make_page(article, revision, pending=pending, audience=audience, generations=generations)
    return render_article(request, page)


@require_safe
def article_version(request, slug, number, audience="patient"):
    revision = public_version(slug, number, audience)
    article = revision.article
    generations = getattr(request, "page_generations", None)
    page = make_page(article, revision, pending=False, audience=audience, is_permalink=True, generations=generations)
    return render_article(request, page)


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
    # Rendered once per change: the page is cached.
    body_html = render_text("", policy.body, [], images=library_images(policy.body)).body_html
    return render(request, "articles/editorial_policy.html", {"policy": policy, "body_html": body_html})


@require_safe
def privacy_policy(request):
    policy = Page.objects.filter(slug="privacy").first()
    if policy is None:
        raise Http404("No privacy notice has been published.")
    body_html = render_text("", policy.body, []).body_html
    return render(request, "articles/privacy.html", {"policy": policy, "body_html": body_html})


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /articles/*/ask/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def withdrawn(request, withdrawal: Withdrawal):
    """Answer a withdrawn article's address: 410 Gone, saying what was withdrawn, when and why."""
    versions = provenance.approved_history(withdrawal.article)
    canonical = request.build_absolute_uri(withdrawal.article.get_absolute_url())
    data = structured_data.withdrawn_page(withdrawal, url=canonical, site_name=settings.EDITORIAL_SITE_NAME)
    context = {
        "withdrawal": withdrawal,
        "versions": versions,
        "canonical": canonical,
        "json_ld": structured_data.to_script(data),
        "noindex": True,
    }
    response = render(request, "articles/withdrawn.html", context, status=410)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def author(request, slug):
    profile = get_object_or_404(AuthorProfile.objects.select_related("user"), slug=slug, is_public=True)
    articles = provenance.published_articles_by(profile.user)
    return render(request, "articles/author.html", {"profile": profile, "articles": articles})
