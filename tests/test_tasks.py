"""The task queue on its database backend: enqueued after commit, retried with backoff, jobs of
dead workers recovered, failures in the admin (worker processes: tests/test_task_workers.py).
"""

import logging
import os
import subprocess
import sys
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


def test_editors_cannot_see_nor_rerun_jobs(client, author):
    failed = always_fails.enqueue()
    client.force_login(author)
    assert client.get("/admin/django_tasks_database/dbtaskresult/").status_code == 403
    response = client.post(
        "/admin/django_tasks_database/dbtaskresult/", {"action": "run_again", "_selected_action": [failed.id]}
    )
    assert response.status_code == 403


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
    response = client.post(
        "/admin/django_tasks_database/dbtaskresult/",
        {"action": "run_again", "_selected_action": [failed.id, pending.id]},
        follow=True,
    )
    assert "1 failed job(s) will run again" in response.content.decode()
    assert DBTaskResult.objects.get(pk=failed.id).status == TaskResultStatus.READY


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


@pytest.mark.django_db(transaction=True)
def test_seeding_the_demo_queues_no_email_for_the_worker_to_send_later():
    from django.core.management import call_command

    factories.ensure_groups()
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert not DBTaskResult.objects.filter(task_path="articles.operations.mail.deliver").exists()
