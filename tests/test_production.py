"""The production server as operators run it: gunicorn workers, the page cache, migrations check."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


@pytest.fixture
def production_env(tmp_path):
    """Production settings on a fresh SQLite file and the default (file) cache; no Redis."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "editorial.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "EDITORIAL_CACHE_DIR": str(tmp_path / "cache"),
        "DJANGO_LOG_LEVEL": "ERROR",
        # gunicorn's control socket, otherwise one fixed $HOME/.gunicorn/gunicorn.ctl for every server.
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    return env


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
        return dict(response.headers), response.read().decode()


def test_gunicorn_config_defaults_follow_the_machine():
    config = {}
    exec((ROOT / "editorial" / "gunicorn.conf.py").read_text(), config)  # noqa: S102 - our own file
    assert config["workers"] == 2 * os.cpu_count()
    assert config["worker_class"] == "gthread"
    assert config["preload_app"] is True


def test_a_worker_with_a_request_running_past_the_timeout_restarts(monkeypatch):
    """gthread workers keep heartbeating while a thread waits: the config's watchdog bounds requests."""
    import threading
    from types import SimpleNamespace

    config = {}
    exec((ROOT / "editorial" / "gunicorn.conf.py").read_text(), config)  # noqa: S102 - our own file
    killed, logged = [], []
    monkeypatch.setattr(os, "kill", lambda pid, sig: killed.append((pid, sig)))
    worker = SimpleNamespace(
        pid=4321,
        cfg=SimpleNamespace(timeout=30, graceful_timeout=30),
        log=SimpleNamespace(error=lambda *args: logged.append(args)),
    )
    request = SimpleNamespace(method="GET", path="/articles/coffee/")
    config["pre_request"](worker, request)
    started = config["_requests"][threading.get_ident()][0]
    assert not config["restart_if_stuck"](worker, now=started + 29)
    assert killed == []
    assert config["restart_if_stuck"](worker, now=started + 31)
    assert killed == [(4321, signal.SIGTERM)]
    assert logged
    config["post_request"](worker, request, {}, None)
    assert not config["restart_if_stuck"](worker, now=started + 300)


def test_prod_script_refuses_to_start_with_unapplied_migrations(production_env):
    result = subprocess.run(
        ["bash", "scripts/prod"], cwd=ROOT, env=production_env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "run 'manage.py migrate' once" in result.stderr


def test_an_edit_reaches_every_gunicorn_worker_on_the_next_request(production_env):
    env = production_env
    assert manage(env, "migrate", "--noinput").returncode == 0
    assert manage(env, "seed_demo").returncode == 0
    # As scripts/prod does: production pages name the hashed files in the static manifest.
    assert manage(env, "collectstatic", "--noinput").returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [str(GUNICORN), "-c", "editorial/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "-w", "2", "editorial.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                get(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        # Warm both workers (requests spread over them) and check they serve from the cache.
        seen = [get(base + "/board/") for _ in range(12)]
        assert any(headers.get("X-Page-Cache") == "hit" for headers, _ in seen)
        assert all("Dr Renamed On Every Worker" not in html for _, html in seen)

        rename = (
            "from articles.models import BoardMember; m = BoardMember.objects.order_by('pk').first(); "
            "m.display_name = 'Dr Renamed On Every Worker'; m.save()"
        )
        assert manage(env, "shell", "-c", rename).returncode == 0
        after = [get(base + "/board/")[1] for _ in range(12)]
        assert all("Dr Renamed On Every Worker" in html for html in after)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_each_log_line_is_printed_once():
    """Django's "django" logger has its own console handler in debug; ours sends records to root only."""
    import logging

    chain, logger = [], logging.getLogger("django.request")
    while logger is not None:
        chain += [h for h in logger.handlers if type(h) is logging.StreamHandler]  # not pytest's capture
        logger = logger.parent if logger.propagate else None
    assert len(chain) == 1


@pytest.mark.parametrize("reload", [True, False], ids=["autoreloader", "noreload"])
def test_scripts_serve_prints_each_log_line_once(tmp_path, reload):
    """Run the development server as ./scripts/serve does (its environment, the autoreloader) and count lines."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DJANGO_LOG_LEVEL", "REDIS_URL", "EDITORIAL_BASE_URL"}
    }
    env |= {
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "EDITORIAL_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONUNBUFFERED": "1",
    }
    assert manage(env, "migrate", "--noinput").returncode == 0
    command = f'source scripts/_serve_env.sh && exec "{sys.executable}" manage.py runserver "127.0.0.1:$PORT"'
    if not reload:
        command += " --noreload"
    output = tmp_path / "serve.log"
    with output.open("w") as log:
        # Its own process group: the autoreloader's child server is stopped with it.
        server = subprocess.Popen(
            ["bash", "-c", command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                get(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the development server did not start:\n" + output.read_text())
        with pytest.raises(urllib.error.HTTPError):
            get(base + "/no-such-page/")
        time.sleep(0.5)  # let the server write the request lines
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    text = output.read_text()
    lines = text.splitlines()
    for expected in ("Starting development server at", '"GET /healthz HTTP/1.1" 200', "Not Found: /no-such-page/"):
        assert sum(expected in line for line in lines) == 1, f"{expected!r} not printed exactly once:\n{text}"
    assert sum('"GET /no-such-page/ HTTP/1.1" 404' in line for line in lines) == 1, text
