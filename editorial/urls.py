from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path

from articles.admin import signin
from articles.operations import health
from articles.site import views
from articles.site.sitemaps import SITEMAPS

# A database outage answers 503 with one log line, not a 500 with a traceback per request.
handler500 = "articles.operations.outages.server_error"

admin.site.site_header = "Editorial admin"
admin.site.site_title = "Editorial admin"
admin.site.index_title = "Articles, reviews and the board"

urlpatterns = [
    # Two-factor sign-in: the step after the password, enrolment, passkeys (articles/admin/signin.py).
    path("admin/security/", include(signin.urls)),
    # Passkeys' ceremonies; django-otp-webauthn's scripts find them as "otp_webauthn:...".
    path("admin/security/passkeys/", include(signin.webauthn_urls)),
    path("admin/", admin.site.urls),
    path("api/", include("articles.api.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("robots.txt", views.robots_txt, name="robots"),
    # A sitemap index pointing at one sitemap per section, each paginated (?p=2) per the protocol.
    path(
        "sitemap.xml",
        sitemaps.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemaps.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("", include("articles.urls")),
]
