from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("articles/<slug:slug>/v/<int:number>/", views.article_version, name="version"),
    path("topics/<slug:slug>/", views.specialty, name="specialty"),
    path("board/", views.board, name="board"),
    path("editorial-policy/", views.editorial_policy, name="editorial_policy"),
]
