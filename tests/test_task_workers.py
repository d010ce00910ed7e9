"""Worker processes: a purge survives its worker killed with SIGKILL mid-job, and
``scripts/prod`` and ``scripts/serve`` run workers beside the server and stop them with it.
"""

import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .edge_standin import StandIn

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(tmp_path, **extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "editorial.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "EDITORIAL_CACHE_DIR": str(tmp_path / "cache"),
        "XDG_RUNTIME_DIR": str(tmp_path),
        **extra,
    }
    env.pop("REDIS_URL", None)
    return env


# --- kill -9 during a purge, with real worker processes ------------------------------


def start_worker(env, log):
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_tasks", "--no-startup-delay", "--interval", "0.1", "--no-reload"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_for(condition, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_purge_survives_its_worker_killed_mid_job(tmp_path):
    """The stand-in Varnish holds the first purge; the worker sending it is killed with SIGKILL; a
    new worker finds the job (its worker's process is gone), sends it again, and it arrives."""
    database = tmp_path / "db.sqlite3"
    varnish = StandIn()
    varnish.stall_first = True
    env = production_env(tmp_path, EDITORIAL_PURGE_VARNISH_URLS=varnish.url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    enqueue = (
        "from articles.operations import purges; "
        f"purges.purge.enqueue('varnish', '{varnish.url}', ['article:coffee', 'catalog'], [])"
    )
    subprocess.run([sys.executable, "manage.py", "shell", "-c", enqueue], cwd=ROOT, env=env, check=True)
    log = open(tmp_path / "workers.log", "w")
    first = start_worker(env, log)
    try:
        wait_for(varnish.stalled.is_set, "the first worker to send the purge")
        first.send_signal(signal.SIGKILL)
        first.wait()
        varnish.released.set()
        second = start_worker(env, log)
        try:
            wait_for(lambda: varnish.calls, "the purge to arrive through the second worker")
            with sqlite3.connect(database) as db:
                statuses = "SELECT status FROM django_tasks_database_dbtaskresult"
                wait_for(lambda: db.execute(statuses).fetchall() == [("SUCCESSFUL",)], "the job to be done")
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
        varnish.close()
        log.close()
    [call] = varnish.calls
    assert set(call["headers"]["xkey-purge"].split()) == {"article:coffee", "catalog"}
    assert "stopped while running attempt 1" in (tmp_path / "workers.log").read_text()


# --- scripts/prod runs the workers beside gunicorn -------------------------------------


def session_processes(sid: int, needle: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (
                os.getsid(int(entry.name)) == sid
                and needle in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            ):
                found.append(int(entry.name))
        except (OSError, ProcessLookupError):
            continue
    return found


def test_scripts_prod_runs_a_worker_beside_gunicorn_and_stops_it_with_it(tmp_path):
    varnish, port = StandIn(), free_port()
    env = production_env(
        tmp_path, EDITORIAL_PURGE_VARNISH_URLS=varnish.url, HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY="1"
    )
    log = open(tmp_path / "prod.log", "w")
    prod = subprocess.Popen(
        ["bash", "scripts/prod", "--migrate"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), "gunicorn to answer", seconds=180)
        assert len(session_processes(prod.pid, "manage.py run_tasks")) == 1
        enqueue = "from articles.operations import purges; purges.purge_after_commit(['policy'], [])"
        subprocess.run([sys.executable, "manage.py", "shell", "-c", enqueue], cwd=ROOT, env=env, check=True)
        wait_for(lambda: varnish.calls, "the worker to send the purge")
        prod.send_signal(signal.SIGTERM)
        assert prod.wait(timeout=60) == 0
        assert session_processes(prod.pid, "manage.py") == []
        assert session_processes(prod.pid, "gunicorn") == []
    finally:
        if prod.poll() is None:
            os.killpg(prod.pid, signal.SIGKILL)
        varnish.close()
        log.close()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
            return True
    except OSError:
        return False


def test_scripts_serve_stops_its_worker_on_ctrl_c(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}}
    env |= {"PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "EDITORIAL_CACHE_DIR": str(tmp_path)}
    log = open(tmp_path / "serve.log", "w")
    serve = subprocess.Popen(
        ["bash", "scripts/serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), "runserver to answer", seconds=180)
        assert len(session_processes(serve.pid, "manage.py run_tasks")) == 1
        os.killpg(serve.pid, signal.SIGINT)  # Ctrl-C in the terminal: the whole foreground group
        assert serve.wait(timeout=60) == 0
        assert session_processes(serve.pid, "manage.py") == []
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
        log.close()
    # The demo's jobs ran as it was seeded; their lines do not bury the logins printed after it.
    printed = (tmp_path / "serve.log").read_text()
    assert "editor-demo-pass" in printed
    assert "Task id=" not in printed[: printed.index("editor-demo-pass")]
