"""The developer scripts as a newcomer runs them: what they print and the environment they set."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _serve_env(**overrides) -> dict:
    """Return the environment ``scripts/serve`` hands to Django, given the operator's variables."""
    env = {key: value for key, value in os.environ.items() if key not in ("PORT", "EDITORIAL_BASE_URL")}
    env.update(overrides)
    script = 'source scripts/_serve_env.sh && echo "$PORT|$EDITORIAL_BASE_URL|$DJANGO_DEBUG"'
    out = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    port, base_url, debug = out.stdout.strip().split("|")
    return {"PORT": port, "EDITORIAL_BASE_URL": base_url, "DJANGO_DEBUG": debug}


def test_serve_links_emails_to_the_port_it_serves():
    assert _serve_env(PORT="21080")["EDITORIAL_BASE_URL"] == "http://127.0.0.1:21080"


def test_serve_defaults_to_port_8000():
    env = _serve_env()
    assert env["PORT"] == "8000"
    assert env["EDITORIAL_BASE_URL"] == "http://127.0.0.1:8000"


def test_serve_keeps_a_base_url_the_operator_set():
    env = _serve_env(PORT="21080", EDITORIAL_BASE_URL="https://tunnel.example.org")
    assert env["EDITORIAL_BASE_URL"] == "https://tunnel.example.org"


def test_serve_sources_its_environment_before_runserver():
    serve = (ROOT / "scripts" / "serve").read_text()
    assert serve.index("_serve_env.sh") < serve.index("runserver")
    assert "8000" not in serve.split("_serve_env.sh", 1)[1], "the port comes from _serve_env.sh only"


def test_requirements_install_shows_pips_progress():
    """A quiet install looked hung for three minutes on a fresh clone."""
    install_lines = [
        line for line in (ROOT / "scripts" / "_venv.sh").read_text().splitlines() if '-r "$REQUIREMENTS"' in line
    ]
    assert install_lines, "scripts/_venv.sh installs the requirements file"
    assert all("--quiet" not in line and "-q " not in line for line in install_lines)
