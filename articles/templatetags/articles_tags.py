from django import template

from articles.rendering import plain_text

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
