"""Create the editorial policy page and give editors the questions inbox and pages."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

POLICY = """Every article on this site is written by our editors from current clinical guidelines and
peer-reviewed research, and every claim that rests on evidence carries a numbered citation to its source.

## How an article is reviewed

1. An editor writes or updates the article and submits it for review.
2. A member of our Medical Advisory Board who did not write it checks the exact text, the sources and
   how they are cited. They approve it, or send it back with their reasons.
3. Only approved text is published. The reviewer's name, credentials and the date of review appear on
   the article, and each approved version keeps a permanent link.

## Keeping articles current

Each article is reviewed again at least every twelve months, and sooner when guidance changes. When an
update is under review, the approved version stays online and the page says so.

## Independence

Board members declare their conflicts of interest on their profiles. We do not accept advertising that
depends on what we write.

## Questions and corrections

Every article has a form for follow-up questions. Our editors read every message, and corrections go
through the same review as any other change.
"""

EDITOR_PERMISSIONS = ["view_followupquestion", "change_followupquestion", "view_page", "change_page"]
BOARD_PERMISSIONS = ["view_followupquestion"]


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Page = apps.get_model("articles", "Page")
    Page.objects.get_or_create(slug="editorial-policy", defaults={"title": "Editorial policy", "body": POLICY})
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("Editors", EDITOR_PERMISSIONS), ("Medical Advisory Board", BOARD_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="articles", codename__in=codenames))


def backwards(apps, schema_editor):
    apps.get_model("articles", "Page").objects.filter(slug="editorial-policy").delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_pages_and_questions")]

    operations = [migrations.RunPython(forwards, backwards)]
