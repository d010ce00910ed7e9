"""What the API says, gathered from the site's own helpers so it says what the pages say.

Articles come from ``Article.objects.public()`` and ``pages.public_article`` (the version readers
see), version permalinks from ``pages.public_version``, text from the stored renderings
(``pages.make_page``), credits from ``provenance``. Nothing here filters on a workflow state or an
approval date itself: what is public is decided in one place, for pages and API alike.
"""

from datetime import datetime

from django.conf import settings
from django.db.models import Count, DateTimeField, Q
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse

from articles.content.rendering import http_url, plain_text
from articles.content.versions import has_professional_version
from articles.models import Article, AuthorProfile, BoardMember, Revision, Specialty, Withdrawal
from articles.site import pages, provenance

from . import cursors

LOG_ENTRIES = 100


class Gone(Exception):
    """The article was withdrawn (410), with what the withdrawn page says."""

    def __init__(self, withdrawal):
        super().__init__("This article was withdrawn.")
        self.withdrawal = withdrawal


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


def api_url(request, name: str, **kwargs) -> str:
    return absolute(request, reverse(f"api-1:{name}", kwargs=kwargs))


# --- Lists ----------------------------------------------------------------------------


def public_articles():
    """Public articles with ``modified_at``: the last approval or confirmation of the live version."""
    modified = Coalesce("last_reviewed_at", "published_revision__approved_at", output_field=DateTimeField())
    return (
        Article.objects.public()
        .select_related("published_revision__specialty", "specialty")
        .defer("body", "professional_summary", "summary")
        .annotate(modified_at=modified)
    )


def article_list(request, *, topic=None, audience=None, modified_since=None, cursor=None, page_size=20) -> dict:
    articles = public_articles()
    if topic is not None:
        articles = articles.filter(published_revision__specialty=topic)
    if audience == "professional":
        articles = articles.exclude(published_revision__professional_body="")
    if modified_since is not None:
        articles = articles.filter(modified_at__gte=modified_since)
    if cursor is not None:
        when, pk = cursor
        articles = articles.filter(Q(modified_at__lt=when) | Q(modified_at=when, pk__lt=pk))
    rows = list(articles.order_by("-modified_at", "-pk")[: page_size + 1])
    more, rows = len(rows) > page_size, rows[:page_size]
    following = None
    if more:
        query = request.GET.copy()
        query["cursor"] = cursors.encode(rows[-1].modified_at, rows[-1].pk)
        following = absolute(request, request.path) + "?" + query.urlencode()
    return {"next": following, "page_size": page_size, "results": [_summary(request, a) for a in rows]}


def _summary(request, article) -> dict:
    revision = article.published_revision
    topic = revision.specialty or article.specialty
    return {
        "slug": article.slug,
        "title": revision.title,
        "summary": _plain(revision.summary),
        "topic": {"slug": topic.slug, "name": topic.name},
        "audiences": ["patient", "professional"] if has_professional_version(revision) else ["patient"],
        "version": revision.number,
        "last_updated": revision.approved_at,
        "last_reviewed": article.last_reviewed_at,
        "modified_at": article.modified_at,
        "url": absolute(request, article.get_absolute_url()),
        "api_url": api_url(request, "article", slug=article.slug),
    }


def _plain(markdown: str) -> str:
    return plain_text(markdown)


def topic_by_slug(slug: str):
    return Specialty.objects.filter(slug=slug).first()


def topics(request) -> list:
    counts = dict(
        Article.objects.public()
        .values_list("published_revision__specialty")
        .annotate(n=Count("pk"))
        .values_list("published_revision__specialty", "n")
    )
    return [
        {"slug": t.slug, "name": t.name, "articles": counts[t.pk], "url": absolute(request, t.get_absolute_url())}
        for t in Specialty.objects.filter(pk__in=counts)
    ]


def board(request) -> list:
    members = BoardMember.objects.filter(is_active=True).select_related("specialty")
    return [
        {
            "name": m.display_name,
            "slug": m.slug,
            "credentials": m.credentials,
            "specialty": m.specialty.name if m.specialty else None,
            "bio": m.bio,
            "conflicts_of_interest": m.declaration,
            "url": absolute(request, m.get_absolute_url()),
        }
        for m in members
    ]


def authors(request) -> list:
    return [_author(request, p) for p in AuthorProfile.objects.filter(is_public=True)]


def _author(request, profile) -> dict:
    return {
        "name": profile.display_name,
        "slug": profile.slug,
        "role": profile.role,
        "credentials": profile.credentials,
        "url": absolute(request, profile.get_absolute_url()),
    }


def log(request, *, modified_since: datetime | None = None) -> dict:
    """Corrections (approved updates of kind "correction") and withdrawals, newest first."""
    corrections = (
        provenance.readable_versions()
        .filter(kind=Revision.Kind.UPDATE, change_kind=Revision.ChangeKind.CORRECTION)
        .select_related("article")
        .only("number", "title", "approved_at", "change_note", "article__slug", "article__status")
        .order_by("-approved_at")
    )
    withdrawals = (
        Withdrawal.objects.filter(article__in=Article.objects.withdrawn())
        .select_related("article", "revision", "replacement")
        .order_by("-withdrawn_at")
    )
    if modified_since is not None:
        corrections = corrections.filter(approved_at__gte=modified_since)
        withdrawals = withdrawals.filter(withdrawn_at__gte=modified_since)
    entries = [
        {
            "type": "correction",
            "date": v.approved_at,
            "slug": v.article.slug,
            "title": v.title,
            "version": v.number,
            "note": v.change_note,
            "url": absolute(request, v.get_absolute_url()),
            "api_url": api_url(request, "version", slug=v.article.slug, number=v.number),
        }
        for v in corrections[:LOG_ENTRIES]
    ] + [
        {
            "type": "withdrawal",
            "date": w.withdrawn_at,
            "slug": w.article.slug,
            "title": w.revision.title,
            "version": w.revision.number,
            "note": w.reason,
            "url": absolute(request, w.article.get_absolute_url()),
            "api_url": None,
            "replacement_url": _replacement_url(request, w),
        }
        for w in withdrawals[:LOG_ENTRIES]
    ]
    entries.sort(key=lambda e: e["date"], reverse=True)
    return {"results": entries[:LOG_ENTRIES]}


def _replacement_url(request, withdrawal) -> str | None:
    replacement = withdrawal.replacement
    if replacement is None or not replacement.is_public():
        return None
    return absolute(request, replacement.get_absolute_url())


# --- One article ------------------------------------------------------------------------


def article(request, slug: str) -> dict:
    """The live version of a public article, both audiences, as its pages show it."""
    try:
        found, revision, pending = pages.public_article(slug, "professional")  # joins both audiences' renderings
    except provenance.Withdrawn as gone:
        raise Gone(gone.withdrawal) from None
    if pending:  # EDITORIAL_SHOW_PENDING shows it on the site, with a caution; the API never does
        raise Http404("No article found.")
    return _article(request, found, revision, is_permalink=False)


def version(request, slug: str, number: int) -> dict:
    revision = pages.public_version(slug, number, "professional")
    return _article(request, revision.article, revision, is_permalink=True)


def _article(request, article, revision, *, is_permalink: bool) -> dict:
    history = pages.article_history(article, getattr(request, "page_generations", None))
    patient = pages.make_page(article, revision, pending=False, audience="patient", history=history)
    professional = None
    if has_professional_version(revision):
        professional = pages.make_page(article, revision, pending=False, audience="professional", history=history)
    current = next(v for v in history if v.pk == revision.pk)
    canonical = absolute(request, article.get_absolute_url())
    withdrawal = provenance.current_withdrawal(article) if is_permalink else None
    title = revision.title
    topic = revision.specialty or article.specialty
    return {
        "slug": article.slug,
        "title": title,
        "topic": {"slug": topic.slug, "name": topic.name},
        "version": revision.number,
        "url": absolute(request, revision.get_absolute_url()) if is_permalink else canonical,
        "canonical_url": canonical,
        "api_url": api_url(request, "version", slug=article.slug, number=revision.number)
        if is_permalink
        else api_url(request, "article", slug=article.slug),
        "patient": _audience(patient),
        "professional": _audience(professional) if professional else None,
        "reviewers": _reviewers(request, patient),
        "written_by": [_author(request, p) for p in patient.byline.authors] if patient.byline else [],
        "written_by_editorial_team": bool(patient.byline and patient.byline.editorial_team),
        "last_reviewed": provenance.last_reviewed(current) if is_permalink else article.last_reviewed_at,
        "last_updated": revision.approved_at,
        "next_review_due": None if is_permalink else article.next_review_due,
        "change_notes": [
            {"version": v.number, "date": v.approved_at, "kind": v.change_kind, "note": v.change_note}
            for v in history
            if v.number <= revision.number and v.kind == Revision.Kind.UPDATE and v.change_note
        ],
        "versions": [
            {
                "number": v.number,
                "title": v.title,
                "approved_at": v.approved_at,
                "url": absolute(request, _version_path(article, v)),
                "api_url": api_url(request, "version", slug=article.slug, number=v.number),
            }
            for v in history
        ],
        "is_live_version": revision.pk == article.published_revision_id and article.is_public(),
        "withdrawal": _withdrawal(request, withdrawal) if withdrawal else None,
        "licence": settings.EDITORIAL_CONTENT_LICENCE,
        "attribution": settings.EDITORIAL_ATTRIBUTION_TEXT.format(
            site_name=settings.EDITORIAL_SITE_NAME, title=title, url=canonical
        ),
    }


def _version_path(article, version) -> str:
    return reverse("articles:version", args=[article.slug, version.number])


def _audience(page) -> dict:
    revision = page.revision
    professional = page.audience == "professional"
    return {
        "audience": page.audience,
        "summary": page.plain_summary,
        "summary_html": page.rendered.summary_html,
        "body_html": page.rendered.body_html,
        "references_html": page.references_html or "",
        "summary_markdown": (revision.professional_summary or revision.summary) if professional else revision.summary,
        "body_markdown": revision.professional_body if professional else revision.body,
        "references": [_reference(ref) for ref in page.rendered.references],
    }


def _reference(ref) -> dict:
    data = ref.data
    doi, pmid = (data.get("doi") or "").strip(), (data.get("pmid") or "").strip()
    return {
        "number": ref.display_number,
        "kind": data.get("kind") if data.get("kind") in ("guideline", "research") else "other",
        "title": data.get("title") or "",
        "source": data.get("source") or "",
        "year": data.get("year"),
        "url": http_url(data.get("url") or "") or None,
        "doi": doi or None,
        "pmid": pmid or None,
        "doi_url": f"https://doi.org/{doi}" if doi else None,
        "pubmed_url": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
    }


def _reviewers(request, page) -> list:
    """The trust line's credits: who approved the version (on its approval date), then who last confirmed it."""
    credited = [_reviewer(request, a, "approved", page.revision.approved_at) for a in page.approvers]
    if page.confirmations:
        last = page.confirmations[-1]
        credited.append(_reviewer(request, last, "confirmed", last.decided_at))
    return credited


def _reviewer(request, approver, role: str, date) -> dict:
    profile = approver.get_absolute_url()
    return {
        "name": approver.display_name,
        "credentials": approver.credentials,
        "role": role,
        "date": date,
        "conflicts": approver.conflicts,
        "profile_url": absolute(request, profile) if profile else None,
    }


def _withdrawal(request, withdrawal) -> dict:
    return {
        "withdrawn_at": withdrawal.withdrawn_at,
        "reason": withdrawal.reason,
        "replacement_url": _replacement_url(request, withdrawal),
    }
