"""Every admin page of django-simple-history, one rule: history is for reading.

simple-history's history form view saves whatever is posted to it after checking only view
permission, and its URLs take any text as ids. Every model registered with a history admin is
covered here by iterating over the admin site's registry, so a model registered tomorrow is
tested too (and the test names the builder it needs).
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core import checks
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from articles.admin.base import HistoryAdmin, check_history_admins
from articles.content import images as pixels
from articles.models import Article, AuthorProfile, FollowUpQuestion, Image, Page
from articles.models import images as image_library

from . import factories
from . import images_helpers as make_image_file


def history_admins():
    return {model: model_admin for model, model_admin in admin.site._registry.items() if _is_history(model_admin)}


def _is_history(model_admin) -> bool:
    return isinstance(model_admin, SimpleHistoryAdmin)


def make_page(editor):
    page = Page(slug="history-test-page", title="A page", body="Some text.")
    page._history_user = editor
    page.save()
    return page


def make_author_profile(editor):
    profile = AuthorProfile(
        user=editor, display_name="Sam Rivera", slug="sam-rivera", role="Medical writer", bio="Bio."
    )
    profile._history_user = editor
    profile.save()
    return profile


def make_question(editor):
    article = factories.make_article(author=editor, slug="asked-about")
    return FollowUpQuestion.objects.create(article=article, question="Is decaf better?", email="r@example.com")


def make_image(editor):
    blob = image_library.store(pixels.clean("h.png", make_image_file.encoded("PNG"), max_bytes=10**6))
    image = Image(title="A diagram", alt_text="A teal square", licence="own-work", file=blob, uploaded_by=editor)
    image._history_user = editor
    image.save()
    return image


# One object of each history-registered model, and a text field to change it by; the registry
# test below fails for a model without one.
BUILDERS = {
    Article: (lambda editor: factories.make_article(author=editor, slug="with-history"), "summary"),
    Page: (make_page, "body"),
    AuthorProfile: (make_author_profile, "bio"),
    FollowUpQuestion: (make_question, "editor_notes"),
    Image: (make_image, "alt_text"),
}


def with_two_records(model, editor):
    """An object of ``model`` saved twice: its first history record is an older version."""
    build, field = BUILDERS[model]
    obj = build(editor)
    setattr(obj, field, "The current text.")
    obj._history_user = editor
    obj.save()
    return obj


def test_every_history_admin_reads_through_the_one_guard():
    registered = history_admins()
    # The models the issue names are among them, so this never passes over an empty registry.
    assert {Article, Page, AuthorProfile, FollowUpQuestion} <= set(registered)
    for model, model_admin in registered.items():
        assert isinstance(model_admin, HistoryAdmin), f"{model.__name__}: register it with HistoryAdmin"
        assert model in BUILDERS, f"{model.__name__}: add a builder to BUILDERS in this test"


def test_system_check_names_a_history_admin_that_bypasses_the_guard():
    assert check_history_admins(None) == []

    class Loose(SimpleHistoryAdmin):
        pass

    site = admin.AdminSite(name="loose")
    site.register(AuthorProfile, Loose)
    problems = check_history_admins(None, site=site)
    assert [p.id for p in problems] == ["articles.E001"]
    assert "AuthorProfile" in problems[0].msg and isinstance(problems[0], checks.Error)


def viewer_of(model):
    """Staff with only the view permission of ``model`` (the probe's user)."""
    user = factories.UserFactory(username=f"viewer-{model._meta.model_name}")
    user.user_permissions.add(Permission.objects.get(codename=f"view_{model._meta.model_name}"))
    return user


def changer_of(model):
    user = viewer_of(model)
    user.user_permissions.add(Permission.objects.get(codename=f"change_{model._meta.model_name}"))
    return user


def form_post(response) -> dict:
    """The history form as the browser would post it back, with every text field changed."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        value = getattr(value, "pk", value)
        if isinstance(value, str) and name not in ("slug", "email", "status", "role_kind"):
            value = "Rewritten through the history form"
        if value is not None and value is not False:
            data[name] = value
    return data


@pytest.mark.parametrize("model", sorted(BUILDERS, key=lambda m: m.__name__), ids=lambda m: m.__name__)
@pytest.mark.parametrize("who", [viewer_of, changer_of], ids=["view only", "view and change"])
def test_history_form_posts_change_nothing_for_any_registered_model(client, author, model, who):
    assert model in history_admins()
    obj = with_two_records(model, author)
    record = obj.history.order_by("history_id").first()
    url = reverse(f"admin:articles_{model._meta.model_name}_simple_history", args=[obj.pk, record.history_id])
    before = model.objects.filter(pk=obj.pk).values().get()
    records = obj.history.count()
    client.force_login(who(model))

    page = client.get(url)
    assert page.status_code == 200  # reading an old record is fine
    response = client.post(url, form_post(page))

    assert response.status_code == 403
    assert model.objects.filter(pk=obj.pk).values().get() == before
    assert obj.history.count() == records


def test_author_profile_history_post_leaves_the_public_author_page_alone(client, author):
    profile = with_two_records(AuthorProfile, author)
    record = profile.history.order_by("history_id").first()
    url = reverse("admin:articles_authorprofile_simple_history", args=[profile.pk, record.history_id])
    client.force_login(viewer_of(AuthorProfile))
    response = client.post(
        url,
        {"user": author.pk, "display_name": "Mallory", "slug": "sam-rivera", "role": "Writer", "bio": "Owned."},
    )
    assert response.status_code == 403
    page = client.get(profile.get_absolute_url()).content.decode()
    assert "Sam Rivera" in page and "The current text." in page
    assert "Mallory" not in page and "Owned." not in page


@pytest.mark.parametrize("model", sorted(BUILDERS, key=lambda m: m.__name__), ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    "ids",
    [("{pk}", "abc"), ("abc", "{record}"), ("{pk}", "1.5"), ("{pk}", "-1"), ("{pk}", "9" * 30)],
    ids=["record abc", "object abc", "decimal record", "negative record", "huge record"],
)
def test_history_urls_with_ids_that_are_not_numbers_answer_404(admin_client, author, model, ids):
    obj = with_two_records(model, author)
    record = obj.history.first()
    object_id, version_id = (part.format(pk=obj.pk, record=record.history_id) for part in ids)
    base = reverse(f"admin:articles_{model._meta.model_name}_changelist")
    response = admin_client.get(f"{base}{object_id}/history/{version_id}/")
    assert response.status_code == 404


@pytest.mark.parametrize("model", sorted(BUILDERS, key=lambda m: m.__name__), ids=lambda m: m.__name__)
def test_history_list_with_an_object_id_that_is_not_a_number_answers_404(admin_client, author, model):
    with_two_records(model, author)
    base = reverse(f"admin:articles_{model._meta.model_name}_changelist")
    assert admin_client.get(f"{base}abc/history/").status_code == 404
