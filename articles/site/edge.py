"""The edge in front of the public pages (Varnish, Fastly, Cloudflare, CloudFront): surrogate keys.

Every public page the page cache knows carries its scopes (``caching.PAGE_SCOPES``) as surrogate
keys: ``Surrogate-Key`` (Varnish's xkey, Fastly; space-separated) and ``Cache-Tag`` (Cloudflare;
comma-separated). Each event that makes scopes stale in the page cache also purges them at the
edge, after the commit, as queued jobs (``articles.operations.purges``). CloudFront has no tags,
so each scope stands for the paths of the pages depending on it (``paths_for``).

With a purge backend configured, the edge may keep pages for ``EDITORIAL_EDGE_MAX_AGE`` seconds
(``s-maxage``) because it is told at once when they change; browsers still keep them
``EDITORIAL_PUBLIC_MAX_AGE``.
"""

from django.urls import reverse

from articles.operations import purges


def tag(response, scopes) -> None:
    """Label a public page with the scopes it depends on, for the edge."""
    response["Surrogate-Key"] = " ".join(scopes)
    response["Cache-Tag"] = ",".join(scopes)


def paths_for(scopes) -> list[str]:
    """The paths (CloudFront wildcards) of the pages depending on ``scopes``."""
    paths = set()
    for scope in scopes:
        if scope.startswith("article:"):
            slug = scope.partition(":")[2]
            paths.add(reverse("articles:detail", kwargs={"slug": slug}) + "*")  # both audiences, versions
        elif scope == "catalog":
            home = reverse("articles:home")
            paths |= {home, reverse("articles:board"), reverse("articles:feed") + "*", "/sitemap*"}
            paths.add(reverse("articles:specialty", kwargs={"slug": "x"}).rsplit("x/", 1)[0] + "*")
            paths.add(reverse("articles:author", kwargs={"slug": "x"}).rsplit("x/", 1)[0] + "*")
        elif scope == "people":
            paths.add("/*")  # names and profiles of the board show on every page
        elif scope == "policy":
            paths |= {reverse("articles:editorial_policy"), reverse("articles:privacy")}
    return sorted(paths)


def purge(*scopes: str) -> None:
    """Purge the pages depending on ``scopes`` at the edge once the current transaction commits."""
    if purges.enabled():
        purges.purge_after_commit(scopes, paths_for(scopes))
