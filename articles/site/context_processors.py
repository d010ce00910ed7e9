import functools

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse


@functools.cache
def _site_urls(prefix: str, urlconf) -> dict:
    """The site-wide links every public page shows, reversed once per process (and URL prefix)."""
    names = ("home", "board", "editorial_policy", "privacy")
    urls = {name: reverse(f"articles:{name}", urlconf=urlconf) for name in names}
    try:
        urls["api"] = reverse("api_docs", urlconf=urlconf)  # the partners' API (articles/api), if served
    except NoReverseMatch:
        urls["api"] = None
    return urls


def site(request):
    return {
        "site_name": settings.EDITORIAL_SITE_NAME,
        "site_urls": _site_urls(get_script_prefix(), get_urlconf()),
        # The admin's login page says the demo signs in without a second factor.
        "demo_without_second_factor": settings.DEBUG and not settings.EDITORIAL_REQUIRE_2FA,
    }
