"""factory_boy factories for users in each role and for content."""

import importlib

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from articles.models import Article, BoardMember, Reference, Specialty
from articles.review import editing, workflow

_policy = importlib.import_module("articles.migrations.0004_policy_page_and_inbox_permissions")
_assignments = importlib.import_module("articles.migrations.0010_review_assignments")
_images = importlib.import_module("articles.migrations.0018_images")
_redirects = importlib.import_module("articles.migrations.0025_redirects")
GROUPS = {
    name: codenames
    + {"Editors": _policy.EDITOR_PERMISSIONS + _images.EDITOR_PERMISSIONS + _redirects.EDITOR_PERMISSIONS}.get(
        name, _policy.BOARD_PERMISSIONS + _assignments.BOARD_PERMISSIONS + _images.BOARD_PERMISSIONS
    )
    for name, codenames in importlib.import_module("articles.migrations.0002_groups").GROUPS.items()
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if extracted:
            ensure_groups()
            self.groups.add(*[Group.objects.get(name=name) for name in extracted])
        self.save()


def ensure_groups():
    """Recreate the migration's groups after a transactional test flushed them."""
    if Group.objects.filter(name__in=GROUPS).count() == len(GROUPS):
        return
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(content_type__app_label="articles", codename__in=codenames))


def editor(**kwargs):
    return UserFactory(groups=["Editors"], **kwargs)


def reviewer(**kwargs):
    user = UserFactory(groups=["Medical Advisory Board"], **kwargs)
    BoardMemberFactory(user=user)
    return get_user_model().objects.get(pk=user.pk)


def superuser(**kwargs):
    user = UserFactory(is_superuser=True, **kwargs)
    return user


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Specialty {n}")
    slug = factory.Sequence(lambda n: f"specialty-{n}")


class BoardMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardMember

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Dr Reviewer {n}")
    slug = factory.Sequence(lambda n: f"reviewer-{n}")
    credentials = "MD"
    conflicts_of_interest = "None declared."


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    number = factory.Sequence(lambda n: n + 1)
    kind = Reference.Kind.RESEARCH
    title = factory.Sequence(lambda n: f"A study {n}")
    source = "BMJ"
    year = 2020


def make_article(*, author, title="What causes headaches?", slug=None, body="Some text [1].", references=1, **fields):
    """Create a draft through the workflow, as an editor would, with ``references`` references."""
    article = Article(
        title=title,
        slug=slug or factory.Faker._get_faker().unique.slug(),
        specialty=fields.pop("specialty", None) or SpecialtyFactory(),
        summary=fields.pop("summary", "A short answer."),
        body=body,
        **fields,
    )
    editing.save_content(article, user=author, reason="First draft")
    for number in range(1, references + 1):
        ref = ReferenceFactory.build(article=article, number=number)
        ref._history_user = author
        ref.save()
    return article


def publish(article, *, author, reviewers):
    """Take a draft through submit, review and enough approvals to publish (an update with a change note)."""
    workflow.submit(article, user=author, **change_note_for(article))
    workflow.start_review(article, user=reviewers[0], revision=under_decision("start_review", article))
    for user in reviewers[: workflow.required_approvals()]:
        workflow.approve(article, user=user, revision=under_decision("approve", article))
    article.refresh_from_db()
    return article


def under_decision(name, article):
    """The version board step ``name`` would judge on ``article`` now, read from the database as the
    review screen would show it: what a test passes as ``revision`` to decide on what is there."""
    return workflow.under_decision(name, Article.objects.get(pk=article.pk))


def naming_the_version(name, article) -> dict:
    """What ``workflow.run(name, ...)`` needs to decide on what is there now: the version under decision
    for the board's decisions, nothing for other steps."""
    return {"revision": under_decision(name, article)} if name in workflow.DECISIONS else {}


def change_note_for(article, *, kind="editorial", note="Wording clarified.") -> dict:
    """The change note ``workflow.submit`` needs for an update of a published article; none for a first version."""
    article.refresh_from_db()
    return {"change_note": note, "change_kind": kind} if article.published_revision_id else {}


def change_form_post(article, **fields) -> dict:
    """What the admin change form posts for ``article`` as stored (its references formset and the
    version it was loaded from), with ``fields`` overriding any value."""
    references = list(article.references.order_by("number"))
    data = {
        "title": article.title,
        "slug": article.slug,
        "specialty": str(article.specialty_id),
        "flags": list(article.flags),
        "summary": article.summary,
        "body": article.body,
        "professional_summary": article.professional_summary,
        "professional_body": article.professional_body,
        "change_reason": "",
        "edit_base": editing.edit_version(article),
        "references-TOTAL_FORMS": str(len(references)),
        "references-INITIAL_FORMS": str(len(references)),
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
    }
    for i, ref in enumerate(references):
        row = {**ref.as_dict(), "id": ref.pk, "article": article.pk}
        data.update({f"references-{i}-{key}": "" if value is None else value for key, value in row.items()})
    return data | fields


def overwrite_version(revision_id, **fields):
    """Change a version behind the workflow's back (an import, a shell), as tests of stored data do.

    Its stored renderings go too, as for a version approved before renderings were stored: the
    next page renders what is stored now (and stores that), so such tests still reach the renderer.
    """
    from articles.models import RenderedVersion, Revision

    Revision.objects.filter(pk=revision_id).update(**fields)
    RenderedVersion.objects.filter(revision_id=revision_id).delete()
