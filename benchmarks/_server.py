"""Shared by the server benchmarks: manage.py, a throwaway database, gunicorn on a free loopback port."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(tmp: str, **extra: str) -> dict:
    """The environment of a production server for a benchmark: DEBUG off, a fresh secret key,
    loopback hosts, plain-HTTP cookies, the file cache under ``tmp``, errors only in the log."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "editorial.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_COOKIES": "0",
        "EDITORIAL_CACHE_DIR": f"{tmp}/cache",
        "DJANGO_LOG_LEVEL": "ERROR",
        # The harness approves as an operator's command would, not through a signed-in session:
        # board members' second factor is tested in tests/test_two_factor.py.
        "EDITORIAL_REQUIRE_2FA": "0",
        **extra,
    }


def manage(env, *args, input_text=None) -> str:
    """Run a management command with ``env``; return what it printed (fail loudly if it fails)."""
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True, input=input_text
    ).stdout


@contextmanager
def throwaway_postgres(url: str, suffix: str):
    """Create ``<name>_<suffix>`` on the server of ``url``, yield its URL, drop it afterwards."""
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'editorial'}_{suffix}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def gunicorn(env, *, workers: int, extra_args=(), stdout=None):
    """Start editorial/gunicorn.conf.py on a free loopback port; yield (base URL, process) once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "-c", "editorial/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "-w", str(workers), *extra_args, "editorial.wsgi"],
        cwd=ROOT, env=env, stdout=stdout, stderr=subprocess.STDOUT if stdout else None,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310 - loopback only
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not start")
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)
