"""The admin page comparing any two versions of an article (``articles.review.comparing``).

A thin shell: the review wing checks who may compare, reads the pair asked for and diffs it;
this page shows the picker, what is wrong with the input (answered 400, never a 500), the two
versions' metadata and the diffs, rendered or as Markdown source, like the review screen.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from articles.models import Article
from articles.review import comparing


def compare_view(model_admin, request, object_id):
    """Compare versions ``?from=`` and ``?to=`` of an article (by default the pair worth a look)."""
    if not comparing.may_compare(request.user):
        raise PermissionDenied  # before the lookup: guessed ids learn nothing
    article = get_object_or_404(Article, pk=object_id)
    versions = comparing.listed_versions(article)
    default = comparing.default_pair(article, versions)
    choice = comparing.choose(
        request.GET.get("from"), request.GET.get("to"), numbers=[v.number for v in versions], default=default
    )
    comparison = comparing.compare(article, choice.old, choice.new) if choice.ready else None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Compare versions: {article.title}",
        "opts": model_admin.opts,
        "article": article,
        "versions": versions,
        "choice": choice,
        "comparison": comparison,
        # What the picker shows chosen: what was asked for where it names a version, else the default.
        "selected_from": choice.old if choice.old is not None else default[0],
        "selected_to": choice.new if choice.new is not None else default[1],
        # The reader's view by default; ``?diff=source`` for the Markdown, ``?expand=all`` unfolds.
        "diff_view": "source" if request.GET.get("diff") == "source" else "rendered",
        "expand_all": request.GET.get("expand") == "all",
        "expand_query": f"from={comparison.old.number}&to={comparison.new.number}&expand=all" if comparison else "",
    }
    return TemplateResponse(request, "admin/articles/compare.html", context, status=400 if choice.errors else 200)
