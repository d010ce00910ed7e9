from django import template
from django.utils.html import format_html, format_html_join

from articles.content import times
from articles.content.rendering import plain_text

register = template.Library()


@register.filter
def plain(markdown_text):
    """Render Markdown to plain text without citations, for summaries in lists."""
    return plain_text(markdown_text)


@register.simple_tag
def editorial_dashboard(user):
    """Return what waits for this user: the board's queue, or the editors' work and inbox."""
    from articles.models import Article, FollowUpQuestion

    dashboard = {}
    if user.has_perm("articles.review_article"):
        queue = list(Article.objects.review_queue().values_list("is_overdue", "claimed_by", "queue_kind"))
        dashboard["queue"] = len(queue)
        dashboard["overdue"] = sum(1 for overdue, _, _ in queue if overdue)
        dashboard["mine"] = sum(1 for _, claimed, _ in queue if claimed == user.pk)
        dashboard["rereviews"] = sum(1 for _, _, kind in queue if kind == "rereview")
    if user.has_perm("articles.submit_article"):
        dashboard["changes_requested"] = Article.objects.filter(status=Article.Status.CHANGES_REQUESTED).count()
        dashboard["drafts"] = Article.objects.filter(status=Article.Status.DRAFT).count()
    if user.has_perm("articles.change_followupquestion"):
        dashboard["new_questions"] = FollowUpQuestion.objects.filter(status=FollowUpQuestion.Status.NEW).count()
    return dashboard


# Characters that already end a sentence: a title ending in one gets no second full stop.
_SENTENCE_ENDS = (".", "?", "!", "…")


def _with_full_stop(text: str) -> str:
    return "" if text.rstrip().endswith(_SENTENCE_ENDS) else "."


@register.simple_tag
def reference_line(ref):
    """Return a reference as "Title. Source, 2023." with no stray punctuation for missing parts."""
    data = ref.data
    title = (data.get("title") or "").strip()
    if ref.link_url:
        title_html = format_html('<a href="{}" rel="noopener noreferrer">{}</a>', ref.link_url, title)
    else:
        title_html = format_html("{}", title)
    source = (data.get("source") or "").strip()
    year = str(data.get("year") or "").strip()
    parts = [format_html('<span class="ref-title">{}</span>{}', title_html, _with_full_stop(title))]
    if source or year:
        source_html = format_html('<span class="ref-source">{}</span>', source) if source else ""
        separator = ", " if source and year else ""
        last = year or source
        parts.append(format_html("{}{}{}{}", source_html, separator, year, _with_full_stop(last)))
    return format_html_join(" ", "{}", ((part,) for part in parts))


@register.filter
def site_time(value):
    """An instant in the site's time zone with its UTC offset: ``Wed 10 Dec 2026, 00:01 GMT (UTC+00:00)``."""
    return times.describe(value)
