"""The task queue on its database backend: enqueued after commit, retried with backoff, jobs of
dead workers recovered, failures in the admin, and a purge that survives its worker's kill -9.
"""

import logging
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from articles.operations import tasks
from articles.operations.tasks import background
from articles.review import workflow

from . import factories
from .edge_standin import StandIn

ROOT = Path(__file__).resolve().parent.parent
CALLS = []


@background(attempts=3, backoff=10, max_backoff=15)
def flaky(label: str) -> str:
    """Fails while ``CALLS`` holds fewer than two entries (a CDN coming back after two failures)."""
    CALLS.append(label)
    if len(CALLS) <= 2:
        raise ConnectionRefusedError(f"stand-in down (call {len(CALLS)})")
    return "done"


@background(attempts=2, backoff=5)
def always_fails() -> None:
    raise ValueError("the payload is bad")


@pytest.fixture(autouse=True)
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    CALLS.clear()


def run_worker() -> None:
    """Run every job that is ready now in this process, as ``manage.py run_tasks --batch`` would.

    (Inside the test's transaction: the worker's ``close_old_connections`` would close it on
    PostgreSQL, so it is left out here.)
    """
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        _worker().run()


def _worker():
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=tasks.new_worker_id(),
        excluded_queue_names=[],
    )


def come_due(job) -> None:
    """Let a job waiting for its backoff run now (moving its time, not waiting)."""
    DBTaskResult.objects.filter(pk=getattr(job, "pk", None) or job.id).update(
        run_after=timezone.now() - timedelta(seconds=1)
    )


# --- After commit ------------------------------------------------------------------


def test_a_rolled_back_step_enqueues_nothing(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            tasks.enqueue_after_commit(flaky, "x")
            raise RuntimeError("the request failed later")
    assert not DBTaskResult.objects.exists()


def test_notifications_are_jobs_sent_by_the_worker(
    author, reviewer, second_reviewer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    article = factories.make_article(author=author)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(article, user=author)
    jobs = DBTaskResult.objects.filter(task_path="articles.operations.mail.deliver")
    assert jobs.count() == 2  # one per board member: a retry never mails anyone twice
    assert mail.outbox == []  # nothing sent inside the request
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == ["reviewer@example.com", "second_reviewer@example.com"]
    assert set(jobs.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}


# --- Retries ------------------------------------------------------------------------


def test_a_failing_job_is_retried_with_backoff_and_keeps_its_error(db, caplog):
    job = flaky.enqueue("purge")
    with caplog.at_level(logging.WARNING, logger="articles.operations.tasks"):
        before = timezone.now()
        run_worker()
    job = DBTaskResult.objects.get(pk=job.id)
    assert job.status == TaskResultStatus.READY
    assert timedelta(seconds=9) < job.run_after - before < timedelta(seconds=11)  # backoff: 10 s
    assert "stand-in down (call 1)" in job.traceback
    assert [r.getMessage() for r in caplog.records] == [
        f"task flaky {job.pk} failed (attempt 1 of 3): ConnectionRefusedError: stand-in down (call 1); "
        "next attempt in 10 s"
    ]
    run_worker()
    assert CALLS == ["purge"]  # not due yet
    come_due(job)
    run_worker()
    job.refresh_from_db()
    assert job.status == TaskResultStatus.READY and len(job.worker_ids) == 2
    assert timedelta(seconds=14) < job.run_after - timezone.now() < timedelta(seconds=16)  # doubled, capped at 15
    come_due(job)
    run_worker()
    job.refresh_from_db()
    assert job.status == TaskResultStatus.SUCCESSFUL and job.return_value == "done"
    assert CALLS == ["purge"] * 3


def test_a_job_failing_every_attempt_is_left_failed_with_its_error(db, caplog):
    job = always_fails.enqueue()
    run_worker()
    come_due(job)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        run_worker()
    job = DBTaskResult.objects.get(pk=job.id)
    assert job.status == TaskResultStatus.FAILED and "ValueError: the payload is bad" in job.traceback
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert lines == [f"task always_fails {job.pk} failed for good (attempt 2 of 2): ValueError: the payload is bad"]


def test_failed_and_pending_jobs_show_in_the_admin_with_their_error(client, superuser):
    failed = always_fails.enqueue()
    run_worker()
    come_due(failed)
    run_worker()
    pending = flaky.enqueue("later")
    client.force_login(superuser)
    response = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert [job.task_name for job in response.context["cl"].result_list] == ["always_fails"]
    listing = response.content.decode()
    assert "ValueError: the payload is bad" in listing and "2 of 2" in listing  # the error, in the list
    response = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=READY")
    assert [job.task_name for job in response.context["cl"].result_list] == ["flaky"]
    detail = client.get(f"/admin/django_tasks_database/dbtaskresult/{failed.id}/change/").content.decode()
    assert "ValueError: the payload is bad" in detail
    assert pending.id


# --- Workers that died -----------------------------------------------------------------


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def running_job(worker_id: str, *, started_ago: float = 0, attempts: int = 1):
    job = flaky.enqueue("x")
    DBTaskResult.objects.filter(pk=job.id).update(
        status=TaskResultStatus.RUNNING,
        worker_ids=[worker_id] * attempts,
        started_at=timezone.now() - timedelta(seconds=started_ago),
    )
    return DBTaskResult.objects.get(pk=job.id)


def test_jobs_of_a_dead_worker_on_this_machine_run_again_at_once(db, caplog):
    orphan = running_job(f"{tasks.HOST}:{dead_pid()}:abc")
    alive = running_job(f"{tasks.HOST}:{os.getppid()}:def")  # pytest's parent: alive
    elsewhere = running_job("other-host:123:ghi", started_ago=60)
    with caplog.at_level(logging.WARNING):
        assert tasks.recover_abandoned() == 1
    statuses = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert statuses == {
        orphan.pk: TaskResultStatus.READY,
        alive.pk: TaskResultStatus.RUNNING,
        elsewhere.pk: TaskResultStatus.RUNNING,
    }
    assert "WorkerLost" in DBTaskResult.objects.get(pk=orphan.pk).traceback
    assert len(caplog.records) == 1 and "ready to run again" in caplog.records[0].getMessage()
    run_worker()
    assert CALLS == ["x"]


def test_jobs_of_a_worker_silent_past_the_lease_run_again(db, settings):
    settings.EDITORIAL_TASK_LEASE_SECONDS = 600
    lost = running_job("other-host:123:abc", started_ago=601)
    assert tasks.recover_abandoned() == 1
    assert DBTaskResult.objects.get(pk=lost.pk).status == TaskResultStatus.READY


def test_a_job_that_keeps_killing_its_worker_is_failed(db):
    poison = running_job(f"{tasks.HOST}:{dead_pid()}:abc", attempts=3)  # flaky allows 3 attempts
    tasks.recover_abandoned()
    poison.refresh_from_db()
    assert poison.status == TaskResultStatus.FAILED and "WorkerLost" in poison.traceback


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
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "editorial.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DATABASE_URL": f"sqlite:///{database}",
        "EDITORIAL_CACHE_DIR": str(tmp_path / "cache"),
        "EDITORIAL_PURGE_VARNISH_URLS": varnish.url,
    }
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    enqueue = "from articles.operations import purges; purges.purge_after_commit(['article:coffee', 'catalog'], [])"
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
                # The purge is done; its repeat (REPEAT_SECONDS later) waits.
                statuses = "SELECT status FROM django_tasks_database_dbtaskresult ORDER BY status"
                wait_for(lambda: db.execute(statuses).fetchall() == [("READY",), ("SUCCESSFUL",)], "the job to be done")
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
    varnish = StandIn()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "editorial.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "EDITORIAL_CACHE_DIR": str(tmp_path / "cache"),
        "EDITORIAL_PURGE_VARNISH_URLS": varnish.url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
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


@pytest.mark.django_db(transaction=True)
def test_seeding_the_demo_queues_no_email_for_the_worker_to_send_later():
    from django.core.management import call_command

    factories.ensure_groups()
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert not DBTaskResult.objects.filter(task_path="articles.operations.mail.deliver").exists()
