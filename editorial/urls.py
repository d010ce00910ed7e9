from django.contrib import admin
from django.urls import include, path

from articles import views

admin.site.site_header = "Editorial admin"
admin.site.site_title = "Editorial admin"
admin.site.index_title = "Articles, reviews and the board"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("", include("articles.urls")),
]
