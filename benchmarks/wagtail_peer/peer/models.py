from wagtail.fields import RichTextField
from wagtail.models import Page


class ArticlePage(Page):
    """The peer of our article page: a title, an intro and a rich-text body."""

    intro = RichTextField(blank=True)
    body = RichTextField(blank=True)
