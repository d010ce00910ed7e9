"""Library images and the articles showing them: where used, deleting refused, and library edits that
make drafts for review instead of changing what readers see (issue 20)."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.test import Client

from articles.content import images as pixels
from articles.content.figures import figure_markdown
from articles.models import Article, Image
from articles.models import images as library
from articles.review import editing, image_changes, workflow

from . import factories
from . import images_helpers as make

pytestmark = pytest.mark.django_db
BACKEND = "articles.review.board.BoardPermissionsBackend"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def client_for(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def new_image(title="Knee diagram", alt="Diagram of the knee joint", colour="teal", **fields):
    blob = library.store(pixels.clean("k.png", make.encoded("PNG", (60, 30), colour), max_bytes=10**6))
    return Image.objects.create(
        title=title, alt_text=alt, caption=fields.pop("caption", "The knee"), licence="own-work", file=blob, **fields
    )


def with_figure(author, reviewers, image, *, slug, publish=True, alt=None):
    figure = figure_markdown(image.pk, image.alt_text if alt is None else alt, image.caption)
    article = factories.make_article(author=author, slug=slug, title=f"About {slug}", body=f"Text [1].\n\n{figure}\n")
    return factories.publish(article, author=author, reviewers=reviewers) if publish else article


def image_form(image, **fields):
    return {
        "title": image.title,
        "alt_text": image.alt_text,
        "caption": image.caption,
        "credit": image.credit,
        "source_url": image.source_url,
        "licence": image.licence,
        "licence_note": image.licence_note,
        **fields,
    }


# --- Where used --------------------------------------------------------------------


def test_where_used_is_exact_image_1_is_not_image_12(author, reviewer):
    one = new_image(title="One")
    Image.objects.filter(pk=one.pk).update(id=1)
    twelve = new_image(title="Twelve", colour="red")
    Image.objects.filter(pk=twelve.pk).update(id=12)
    one, twelve = Image.objects.get(pk=1), Image.objects.get(pk=12)
    article = with_figure(author, [reviewer], twelve, slug="uses-twelve")
    # A figure of image 1 only as an example in fenced code, which is not a figure.
    factories.make_article(author=author, slug="example", body="Text [1].\n\n```\n![x](image:1)\n```\n")
    assert library.uses(one) == [] and library.used_image_ids([1, 12]) == {12}
    [use] = library.uses(twelve)
    assert use.article == article and use.live.number == 1 and use.working_copy


def test_the_image_page_lists_live_pending_and_draft_uses_with_links(author, reviewer):
    image = new_image()
    live = with_figure(author, [reviewer], image, slug="live-one")
    pending = with_figure(author, [reviewer], image, slug="pending-one", publish=False)
    workflow.submit(pending, user=author)
    draft = with_figure(author, [reviewer], image, slug="draft-one", publish=False)
    page = client_for(author).get(f"/admin/articles/image/{image.pk}/change/").content.decode()
    assert f'/admin/articles/article/{live.pk}/change/">About live-one</a>: live version 1; working copy' in page
    assert f'/admin/articles/article/{pending.pk}/change/">About pending-one</a>: version 1 with the board' in page
    assert f'/admin/articles/article/{draft.pk}/change/">About draft-one</a>: working copy (draft)' in page


def test_the_library_list_counts_uses_and_filters_unused(author, reviewer):
    used = new_image(title="Used one")
    new_image(title="Lonely one", colour="red")
    with_figure(author, [reviewer], used, slug="a")
    client = client_for(author)
    listing = client.get("/admin/articles/image/").content.decode()
    assert "1 article" in listing and "Unused" in listing
    only_unused = client.get("/admin/articles/image/", {"usage": "unused"}).content.decode()
    assert "Lonely one" in only_unused and "Used one" not in only_unused
    only_used = client.get("/admin/articles/image/", {"usage": "used"}).content.decode()
    assert "Used one" in only_used and "Lonely one" not in only_used


def test_deleting_an_image_a_version_shows_is_refused_naming_it(author, reviewer, superuser):
    image = new_image()
    article = with_figure(author, [reviewer], image, slug="kept")
    # Gone from the working copy, still in the approved version 1: still refused.
    article.body = "Text [1]."
    editing.save_content(article, user=author, reason="Figure removed")
    client = client_for(superuser)
    page = client.get(f"/admin/articles/image/{image.pk}/delete/").content.decode()
    assert "cannot be deleted" in page and "About kept" in page and "live version 1" in page
    client.post(f"/admin/articles/image/{image.pk}/delete/", {"post": "yes"})
    assert Image.objects.filter(pk=image.pk).exists()
    with pytest.raises(library.ImageInUse, match="About kept"):
        image.delete()


def test_an_unused_image_may_be_deleted_by_whoever_may_delete_and_its_file_stays(superuser, author, media):
    image = new_image()
    assert client_for(author).post(f"/admin/articles/image/{image.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client_for(superuser).post(f"/admin/articles/image/{image.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Image.objects.filter(pk=image.pk).exists()
    assert (media / image.file.name).exists()  # content-addressed files are never deleted


# --- Library edits on live articles ---------------------------------------------------


def test_an_alt_text_edit_on_a_live_article_makes_a_draft_with_history_and_readers_see_no_change(author, reviewer):
    image = new_image()
    article = with_figure(author, [reviewer], image, slug="knee")
    own_words = with_figure(author, [reviewer], image, slug="own-words", alt="The knee from the side")
    public_before = Client().get("/articles/knee/").content
    response = client_for(author).post(
        f"/admin/articles/image/{image.pk}/change/", image_form(image, alt_text="Diagram of the right knee")
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert figure_markdown(image.pk, "Diagram of the right knee", "The knee") in article.body
    assert article.published_revision.body != article.body  # the live version is untouched
    last = article.history.first()
    assert last.history_change_reason.startswith("Image “Knee diagram” alt text changed in the library by author")
    assert last.history_user == author
    # A figure with words of its own keeps them; the article still becomes a draft to review.
    own_words.refresh_from_db()
    assert "The knee from the side" in own_words.body and own_words.status == Article.Status.DRAFT
    assert Client().get("/articles/knee/").content == public_before
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("now each have a draft" in m and f"/admin/articles/article/{article.pk}/change/" in m for m in messages)
    # The draft goes to the board like any change.
    workflow.submit(article, user=author, change_note="Alt text", change_kind="editorial")


def test_replacing_the_file_makes_a_draft_that_can_be_submitted_and_readers_see_no_change(author, reviewer):
    image = new_image()
    article = with_figure(author, [reviewer], image, slug="knee")
    public_before = Client().get("/articles/knee/").content
    text_before = article.body
    client_for(author).post(
        f"/admin/articles/image/{image.pk}/change/",
        image_form(image, upload=make_upload("new.png", make.encoded("PNG", (60, 30), "red"))),
    )
    article.refresh_from_db()
    image.refresh_from_db()
    assert article.body == text_before and article.status == Article.Status.DRAFT
    assert "file (replaced) changed in the library" in article.history.first().history_change_reason
    assert Client().get("/articles/knee/").content == public_before
    # Saving the unchanged text keeps it a draft, and the text-identical draft can be submitted.
    editing.save_content(article, user=author, reason="Looked at it")
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT
    revision = workflow.submit(article, user=author, change_note="New diagram", change_kind="editorial")
    workflow.start_review(article, user=reviewer, revision=str(revision.number))
    workflow.approve(article, user=reviewer, revision=str(revision.number))
    assert Article.objects.get(pk=article.pk).status == Article.Status.APPROVED  # reviewed: nothing outstanding


def test_a_credit_or_licence_edit_makes_a_draft_too(author, reviewer):
    image = new_image()
    article = with_figure(author, [reviewer], image, slug="knee")
    client_for(author).post(
        f"/admin/articles/image/{image.pk}/change/", image_form(image, licence="cc-by-4.0", credit="A. Artist")
    )
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert "credit and licence changed in the library" in article.history.first().history_change_reason


def test_an_article_with_the_board_is_not_edited_and_the_change_comes_with_its_next_draft(author, reviewer):
    image = new_image()
    article = with_figure(author, [reviewer], image, slug="knee")
    article.body += "\n\nMore."
    editing.save_content(article, user=author, reason="More")
    workflow.submit(article, user=author, change_note="More", change_kind="editorial")
    body = Article.objects.get(pk=article.pk).body
    response = client_for(author).post(
        f"/admin/articles/image/{image.pk}/change/",
        image_form(image, upload=make_upload("new.png", make.encoded("PNG", (60, 30), "red"))),
    )
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED and article.body == body
    assert "while the article is with the board" in article.history.first().history_change_reason
    assert any("With the board now, so not changed" in str(m) for m in response.wsgi_request._messages)
    workflow.start_review(article, user=reviewer, revision="2")
    workflow.approve(article, user=reviewer, revision="2")
    article.refresh_from_db()
    # Version 2 is live as the board saw it; the working copy, showing the new file, is the next draft.
    assert article.published_revision.number == 2 and article.status == Article.Status.DRAFT
    assert "the library changed “Knee diagram” since it was submitted" in article.history.first().history_change_reason


def test_a_user_who_may_not_edit_articles_may_not_change_an_image_live_articles_show(author, reviewer):
    image = new_image()
    article = with_figure(author, [reviewer], image, slug="knee")
    librarian = factories.UserFactory(username="librarian")
    librarian.user_permissions.add(*Permission.objects.filter(codename__in=["view_image", "change_image"]))
    response = client_for(librarian).post(
        f"/admin/articles/image/{image.pk}/change/", image_form(image, alt_text="Something else")
    )
    assert response.status_code == 200
    assert "needs permission to edit articles" in str(response.context["adminform"].form.non_field_errors())
    assert Image.objects.get(pk=image.pk).alt_text == "Diagram of the knee joint"
    assert Article.objects.get(pk=article.pk).status == Article.Status.APPROVED
    # The service refuses whatever calls it.
    with pytest.raises(PermissionDenied):
        image_changes.library_changed(image, before={"alt_text": "Old"}, user=librarian)
    # A title change reviews nothing: allowed.
    ok = client_for(librarian).post(f"/admin/articles/image/{image.pk}/change/", image_form(image, title="Knee (side)"))
    assert ok.status_code == 302 and Article.objects.get(pk=article.pk).status == Article.Status.APPROVED


def make_upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_following_the_library_rewrites_only_that_images_figures_with_the_old_words():
    class Library:
        pk, alt_text, caption, decorative = 1, "New words", "New caption", False

    text = (
        f"{figure_markdown(1, 'Old words', 'Old caption')}\n\n{figure_markdown(12, 'Old words', 'Old caption')}\n\n"
        f"{figure_markdown(1, 'Its own words', 'Old caption')}\n\n```\n{figure_markdown(1, 'Old words')}\n```"
    )
    before = {"alt_text": "Old words", "caption": "Old caption"}
    assert image_changes.follow(text, 1, before, Library) == (
        f"{figure_markdown(1, 'New words', 'New caption')}\n\n{figure_markdown(12, 'Old words', 'Old caption')}\n\n"
        f"{figure_markdown(1, 'Its own words', 'New caption')}\n\n```\n{figure_markdown(1, 'Old words')}\n```"
    )
