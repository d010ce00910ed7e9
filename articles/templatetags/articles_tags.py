from django import template

from articles.rendering import plain_text

register = template.Library()


@register.filter
def plain(markdown_text):
    """Render Markdown to plain text without citations, for summaries in lists."""
    return plain_text(markdown_text)
