"""The public URLs (namespace ``articles``), gathered from the wings that serve them."""

from django.urls import path, re_path

from articles.questions import views as questions
from articles.site import media, views
from articles.site.feeds import LatestArticlesFeed

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path(
        "articles/<slug:slug>/professional/",
        views.article_detail,
        {"audience": "professional"},
        name="detail_professional",
    ),
    path("articles/<slug:slug>/v/<int:number>/", views.article_version, name="version"),
    path(
        "articles/<slug:slug>/v/<int:number>/professional/",
        views.article_version,
        {"audience": "professional"},
        name="version_professional",
    ),
    path("articles/<slug:slug>/ask/", questions.ask, name="ask"),
    path("articles/<slug:slug>/ask/thanks/", questions.ask_thanks, name="ask_thanks"),
    path("topics/<slug:slug>/", views.specialty, name="specialty"),
    path("board/", views.board, name="board"),
    path("authors/<slug:slug>/", views.author, name="author"),
    path("editorial-policy/", views.editorial_policy, name="editorial_policy"),
    path("privacy/", views.privacy_policy, name="privacy"),
    path("feeds/articles/", LatestArticlesFeed(), name="feed"),
    re_path(media.PATTERN, media.serve, name="media"),
]
