"""The article page renders through Jinja2 (articles/site/jinja.py): the frame and escaping of the other pages."""

import re

from django.template import engines
from django.utils import timezone

from articles.site import jinja


def _frame(html: str) -> str:
    """The page around its content: head links, header and footer."""
    head = re.findall(r"<link rel=\"(?:icon|stylesheet)\"[^>]*>", html)
    header = html[html.index("<body>") : html.index("<main")]
    footer = html[html.index("</main>") :]
    footer = footer[: footer.index("</footer>")]
    return "\n".join([*head, header, footer])


def test_the_article_page_has_the_frame_of_every_other_public_page(client, published):
    article_page = client.get(published.get_absolute_url()).content.decode()
    home = client.get("/").content.decode()
    assert _frame(article_page) == _frame(home)


def test_the_jinja_environment_escapes_what_it_shows():
    template = engines["jinja2"].from_string('<p title="{{ text }}">{{ text }}</p>')
    html = template.render({"text": '<script>alert("x")</script> & \''})
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") == 2


def test_the_date_filter_reads_as_djangos(settings):
    from django.template.defaultfilters import date as django_date

    settings.TIME_ZONE = "Europe/London"
    moment = timezone.now().replace(month=7, day=3, hour=23, minute=30)  # 00:30 the next day in London
    with timezone.override("Europe/London"):
        for fmt in ("c", "j F Y", "Y-m-d"):
            assert jinja.date(moment, fmt) == django_date(timezone.template_localtime(moment), fmt)
    assert jinja.date(None, "j F Y") == ""
