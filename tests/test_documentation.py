"""The README documents every environment variable the code reads."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "editorial" / "settings.py", ROOT / "editorial" / "gunicorn.conf.py"]
READ = re.compile(r"""(?:env(?:\.\w+)?\(|os\.environ\.get\(|os\.environ\[)\s*["']([A-Z][A-Z0-9_]+)["']""")


def test_every_environment_variable_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    names = {name for source in SOURCES for name in READ.findall(source.read_text())}
    assert len(names) > 20
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert missing == []
