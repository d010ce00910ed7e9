"""The code's layout stays as the README maps it: wings that depend one way, no cycles, small modules.

The import rules are import-linter contracts in pyproject.toml (also run by CI as
``lint-imports``); these tests run them in the suite, and show they catch a bad import.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
# "~450 lines" in the house style; migrations (generated) are left out.
MAX_MODULE_LINES = 460
WINGS = ["admin", "api", "content", "interchange", "models", "operations", "questions", "review", "site"]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project_copy(tmp_path):
    """A copy of the app and its contracts, to plant an import that breaks them."""
    shutil.copytree(ROOT / "articles", tmp_path / "articles", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def plant(root: Path, module: str, line: str) -> None:
    path = root / module
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_wings_keep_their_import_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # A lower wing reaching up: the text layer must not know the workflow.
        ("articles/content/rendering.py", "from articles.review import workflow  # noqa", "Wings depend one way"),
        # The site must never use the admin.
        ("articles/site/views.py", "from articles.admin import base  # noqa", "Nothing imports the admin"),
        # Two modules of one wing importing each other.
        ("articles/review/steps.py", "from articles.review import workflow  # noqa", "No import cycles"),
    ],
    ids=["upward", "admin", "cycle"],
)
def test_a_bad_import_breaks_a_contract(project_copy, module, line, broken):
    plant(project_copy, module, line)
    result = lint_imports(project_copy)
    assert result.returncode != 0
    assert f"{broken}" in result.stdout
    assert "BROKEN" in result.stdout


def test_every_wing_opens_by_saying_what_lives_there_and_what_it_may_use():
    for wing in WINGS:
        text = (ROOT / "articles" / wing / "__init__.py").read_text()
        assert text.startswith('"""'), f"articles/{wing}/__init__.py has no docstring"
        docstring = text.split('"""')[1]
        assert len(docstring.split()) >= 20, f"articles/{wing}/__init__.py says too little"


def test_no_module_passes_the_size_a_newcomer_can_read():
    too_long = {}
    for path in (ROOT / "articles").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        lines = len(path.read_text().splitlines())
        if lines > MAX_MODULE_LINES:
            too_long[str(path.relative_to(ROOT))] = lines
    assert too_long == {}, f"split by what they do: {too_long}"


def test_the_top_level_of_the_app_holds_only_the_wings_and_what_django_needs_there():
    entries = {p.name for p in (ROOT / "articles").iterdir() if p.name != "__pycache__"}
    django_needs = {"__init__.py", "apps.py", "urls.py", "migrations", "management", "templatetags", "demo"}
    assert entries == django_needs | set(WINGS)
