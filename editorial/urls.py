from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from articles import views
from articles.sitemaps import SITEMAPS

admin.site.site_header = "Editorial admin"
admin.site.site_title = "Editorial admin"
admin.site.index_title = "Articles, reviews and the board"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("", include("articles.urls")),
]
