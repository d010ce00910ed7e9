"""The article page's SQL (articles/models/reads.py) reads what the ORM would, field for field."""

from django.db.models import Model

from articles.models import Article, RenderedVersion, Revision, reads
from articles.models.rendered import store_renderings
from articles.review import editing, workflow

from . import factories


def _fields(instance: Model) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_article_and_its_live_version_read_as_the_orm_reads_them(published):
    store_renderings(published.published_revision)
    article, renderings = reads.article_with_live_version("coffee", ("patient", "professional"))
    orm = Article.objects.select_related("published_revision__specialty", "specialty").get(slug="coffee")
    assert _fields(article) == _fields(orm)
    assert _fields(article.published_revision) == _fields(orm.published_revision)
    assert _fields(article.specialty) == _fields(orm.specialty)
    assert _fields(article.published_revision.specialty) == _fields(orm.published_revision.specialty)
    stored = RenderedVersion.objects.get(revision=orm.published_revision, audience="patient")
    assert _fields(renderings["patient"]) == _fields(stored)
    assert renderings["professional"] is None  # no professional text: nothing stored for it


def test_an_unknown_slug_reads_as_nothing(db):
    assert reads.article_with_live_version("no-such-article", ("patient",)) == (None, {})


def test_the_history_lists_approved_versions_newest_first_with_their_authors(published, author, other_editor, reviewer):
    published.body = "New text [1]."
    editing.save_content(published, user=other_editor, reason="Update")
    workflow.submit(published, user=other_editor, **factories.change_note_for(published))  # with the board: not listed
    versions = reads.approved_versions(published)
    approved = list(Revision.objects.filter(article=published, approved_at__isnull=False).order_by("-number"))
    assert [v.pk for v in versions] == [v.pk for v in approved]
    assert [v.approved_at for v in versions] == [v.approved_at for v in approved]
    assert [row["user"] for row in versions[0].author_rows] == [author.pk]
    decisions = reads.approvals_and_confirmations(published)
    assert [(d["revision_id"], d["decision"]) for d in decisions] == [(approved[0].pk, "approve")]
    assert decisions[0]["board_slug"] == getattr(getattr(reviewer, "board_profile", None), "slug", None)
