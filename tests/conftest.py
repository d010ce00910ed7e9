import pytest
from django.core.cache import cache

from . import factories


@pytest.fixture(autouse=True)
def _site_settings(settings):
    settings.EDITORIAL_REQUIRED_APPROVALS = 1
    settings.EDITORIAL_SHOW_PENDING = False
    settings.EDITORIAL_REVIEW_INTERVAL_DAYS = 365


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def author(db):
    return factories.editor(username="author")


@pytest.fixture
def other_editor(db):
    return factories.editor(username="other_editor")


@pytest.fixture
def reviewer(db):
    return factories.reviewer(username="reviewer")


@pytest.fixture
def second_reviewer(db):
    return factories.reviewer(username="second_reviewer")


@pytest.fixture
def superuser(db):
    return factories.superuser(username="boss")


@pytest.fixture
def draft(author):
    return factories.make_article(author=author)


@pytest.fixture
def published(author, reviewer):
    article = factories.make_article(author=author, title="Is coffee bad for you?", slug="coffee")
    return factories.publish(article, author=author, reviewers=[reviewer])
