"""The article page: what one version shows a reader, assembled from stored facts and rendered text.

``make_page`` gathers a version's rendered text (``articles.content.versions``) and its
provenance (who wrote, approved and confirmed it; ``provenance.py``) into an ``ArticlePage``;
``render_article`` turns that into the response, with the structured data and cache lifetime.
The public views, the admin's previews and the question form all start here.
"""

import logging
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from articles.content.rendering import RenderedText
from articles.content.versions import has_professional_version, served_audience
from articles.models import Article, Revision, reads
from articles.models.rendered import (
    REFERENCES_TEMPLATE,
    attach_renderings,
    joined_audiences,
    reader_text,
    with_renderings,
)

from . import provenance, responses, schedule, structured_data
from .jinja import page_url

logger = logging.getLogger(__name__)


@dataclass
class ArticlePage:
    article: Article
    revision: Revision
    rendered: RenderedText
    plain_summary: str  # the summary this audience reads, as plain text without citation marks (meta, og, JSON-LD)
    references_html: str | None  # the stored references section; None: render it (a version not approved)
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
    def stage_credits(self):
        """Each review stage's approvers with their role, where the version's stages name one."""
        return provenance.stage_credits(self.approvers)

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

    @cached_property
    def patient_url(self):
        return self.url_for("patient")

    @cached_property
    def professional_url(self):
        return self.url_for("professional")

    def version_url(self, version):
        """The permanent link of ``version`` (one in ``history``) for this page's audience."""
        name = "articles:version_professional" if self.audience == "professional" else "articles:version"
        return page_url(name, self.article.slug, version.number)

    @property
    def references_section(self):
        """The references section's HTML: stored with an approved version, rendered for any other."""
        if self.references_html is not None:
            return mark_safe(self.references_html)  # noqa: S308 - rendered by the references template, escaped there
        return render_to_string(REFERENCES_TEMPLATE, {"references": self.rendered.reference_groups})

    def url_for(self, audience):
        if self.is_permalink:
            name, args = "articles:version", [self.article.slug, self.revision.number]
        else:
            name, args = "articles:detail", [self.article.slug]
        url = page_url(name, *args)
        return url + "professional/" if audience == "professional" else url


def public_article(slug: str, audience: str = "patient"):
    """Return (article, revision, pending) for a slug a reader may see, or raise 404.

    One query (``reads.article_with_live_version``) brings the article, its live version and that
    version's stored renderings for ``audience``; whether a reader may see it is the model's call.
    """
    article, renderings = reads.article_with_live_version(
        slug, tuple(joined_audiences(audience)), pending=settings.EDITORIAL_SHOW_PENDING
    )
    if article is not None and schedule.settle(article):
        return public_article(slug, audience)  # a go-live or end date came: read the article as it is now
    if article is not None and article.is_public():
        article.published_revision.joined_renderings = renderings
        return article, article.published_revision, False
    if article is not None and settings.EDITORIAL_SHOW_PENDING and article.is_pending_public():
        return article, article.pending_revision, True
    withdrawal = provenance.current_withdrawal(article) if article is not None else None
    if withdrawal is not None:
        raise provenance.Withdrawn(withdrawal)
    # Same answer for unknown, draft, never-published archived and in-review slugs: nothing leaks.
    raise Http404("No article found.")


def public_version(slug: str, number: int, audience: str = "patient") -> Revision:
    """Return an approved version readers may open by its permalink (stored renderings for ``audience``
    joined), or raise 404. Versions of a withdrawn article stay readable: citations point to them."""
    versions = provenance.readable_versions().select_related("specialty", "article__specialty")
    revision = with_renderings(versions, "", audience).filter(article__slug=slug, number=number).first()
    due = Article.objects.due().filter(slug=slug).first() if revision is None else revision.article
    if due is not None and schedule.settle(due):
        return public_version(slug, number, audience)  # a go-live or end date came: read it as it is now
    if revision is None:
        raise Http404("No such version.")
    attach_renderings(revision, revision, audience)
    return revision


def render_article(request, page: ArticlePage, *, preview=False):
    if page.is_permalink:
        canonical_path = page_url("articles:detail", page.article.slug)
    else:
        canonical_path = page.professional_url if page.audience == "professional" else page.patient_url
    canonical = request.build_absolute_uri(canonical_path)
    json_ld = ""
    if not page.pending:  # unreviewed content makes no machine-readable claim of review
        data = structured_data.medical_web_page(
            page,
            url=canonical,
            site_name=settings.EDITORIAL_SITE_NAME,
            board_url=request.build_absolute_uri(page_url("articles:board")),
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
        json_ld = structured_data.to_script(data)
    context = {
        "page": page,
        "canonical": canonical,
        "json_ld": json_ld,
        "og_image": structured_data.og_image(page, request.build_absolute_uri("/").rstrip("/")),
        "noindex": page.pending or page.is_permalink or page.fell_back or preview,
        "preview": preview,
    }
    response = render(request, "articles/article_detail.html", context, using="jinja2")
    if context["noindex"]:
        response["X-Robots-Tag"] = "noindex"
    if not page.is_permalink:
        # The page turns "review overdue" when the review falls due, and drops a correction's
        # notice when its period ends: store it no longer than the first of those.
        changes_at = [page.article.next_review_due, provenance.correction_notice_until(page.correction)]
        responses.expire_at(response, min((t for t in changes_at if t), default=None))
    # A scheduled version going live, or the end date, changes every page of the article.
    responses.expire_at(response, page.article.next_scheduled_change())
    return response


# Part of the history fragment's key: bump it when what ``approved_history`` returns changes shape.
HISTORY_FRAGMENT_VERSION = 2


def article_history(article, generations: dict | None = None) -> list:
    """``provenance.approved_history``, kept in the cache as a fragment (page cache off) while the
    article's and the people's scopes keep their generations (``generations``: scope -> generation, from the page
    cache middleware; the same events that make the article's pages stale make this stale)."""
    scopes = (f"article:{article.slug}", "people")
    stamps = [(generations or {}).get(scope) for scope in scopes]
    if None in stamps or settings.EDITORIAL_PAGE_CACHE:
        # With the page cache on, the whole page is kept under the same generations: a fragment
        # would be one more write per page (a crawl of the library) for little use.
        return provenance.approved_history(article)
    # What the article row says changed too (an approval, a confirmation, a withdrawal), so that
    # the fragment is never older than the row this request read, even before the event's bump.
    reviewed = article.last_reviewed_at.timestamp() if article.last_reviewed_at else ""
    changed = f"{article.published_revision_id}:{reviewed}:{article.status}"
    key = f"fragment:history:{HISTORY_FRAGMENT_VERSION}:{article.pk}:{changed}:{stamps[0]}:{stamps[1]}"
    try:
        history = cache.get(key)
    except Exception:  # the cache is down: read the database, as if it were empty
        return provenance.approved_history(article)
    if history is None:
        history = provenance.approved_history(article)
        try:
            cache.set(key, history, timeout=settings.EDITORIAL_PAGE_CACHE_TIMEOUT)
        except Exception:  # served all the same
            logger.warning("history fragment not kept (cache unavailable)", extra={"outage": "cache"})
    return history


def make_page(
    article, revision, *, pending, audience="patient", is_permalink=False, history=None, generations=None
) -> ArticlePage:
    served = served_audience(revision, audience)
    text = reader_text(revision, served)
    history = article_history(article, generations) if history is None else history
    current = next((v for v in history if v.pk == revision.pk), None)
    reviewed = current is not None and not pending
    return ArticlePage(
        article=article,
        revision=revision,
        rendered=text.rendered,
        plain_summary=text.plain_summary,
        references_html=text.references_html,
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
