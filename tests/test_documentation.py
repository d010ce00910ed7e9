"""The README documents every environment variable the code reads, and its examples work on the demo."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import resolve

from articles.interchange import guide, service
from articles.interchange.sources import Source

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "editorial" / "settings.py", ROOT / "editorial" / "gunicorn.conf.py"]
READ = re.compile(r"""(?:env(?:\.\w+)?\(|os\.environ\.get\(|os\.environ\[)\s*["']([A-Z][A-Z0-9_]+)["']""")


def test_every_environment_variable_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    names = {name for source in SOURCES for name in READ.findall(source.read_text())}
    assert len(names) > 20
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert missing == []


@pytest.mark.django_db
def test_the_readme_examples_work_on_the_demo():
    readme = (ROOT / "README.md").read_text()
    call_command("seed_demo", verbosity=0)
    # The example article file is the import page's, and it imports into the demo (its topic exists).
    example = re.search(r"```markdown\n(.*?)```", readme, re.S).group(1)
    assert example == guide.example()
    plan = service.plan([Source(name="what-causes-gout.md", data=example.encode())])
    assert [item.report(dry_run=True) for item in plan.items] == ["what-causes-gout.md: would create"]
    # The logins table and the commands' --as name demo users.
    logins = re.findall(r"^\| [^|]+ \| `([^`]+)` \| `([^`]+)` \|$", readme, re.M)
    assert len(logins) == 6  # the editor, four board members (two of them pharmacists), the administrator
    for username, password in logins:
        assert get_user_model().objects.get(username=username).check_password(password), username
    assert set(re.findall(r"--as (\S+)", readme)) <= {username for username, _ in logins}
    # The demo partner's webhook endpoint is the README's example address, inactive.
    from articles.models import Webhook

    demo_hook = Webhook.objects.get()
    assert f"`{demo_hook.url}`" in readme and not demo_hook.active
    # Every admin address it names exists.
    for path in re.findall(r"`(/admin/[a-z/]*)`", readme):
        resolve(path)
