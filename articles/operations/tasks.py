"""Background work on a persistent task queue: django-tasks with its database backend.

Why this engine (README, "Background work"): jobs are rows in the app's own database, so one
machine needs nothing more than ``manage.py run_tasks`` beside the web server (SQLite included),
and N machines share one PostgreSQL queue, whose workers claim jobs with
``SELECT ... FOR UPDATE SKIP LOCKED``. It is the backport of Django 6's tasks framework, so the
code written against it moves to ``django.tasks`` unchanged. Its admin lists every job (ready,
running, failed, with the traceback).

What this module adds to it:

- ``enqueue_after_commit``: a job is enqueued only once the transaction that asked for it has
  committed, so a rolled-back approval sends no email and purges nothing. An enqueue that fails
  (the database went away just after the commit) is logged in one line, never raised.
- Retries with backoff (the library has none): a job declared with ``background`` that fails is
  set back to ready with ``run_after`` = now + ``backoff`` x 2^(attempt - 1) (capped), up to
  ``attempts`` attempts; the row keeps the last error, so the admin shows it while the job waits.
  Each failure is one log line.
- Recovery of jobs whose worker died mid-run (killed, machine lost), which the library would
  leave "running" for ever: each worker, when it starts and every
  ``EDITORIAL_TASK_RECOVERY_SECONDS``, sets such jobs back to ready: at once when their worker
  ran on this machine and its process is gone (worker ids are ``host:pid:random``), otherwise
  once they have been running ``EDITORIAL_TASK_LEASE_SECONDS``. A job that has taken its worker
  down ``attempts`` times is marked failed instead, so one poisonous job cannot stop the queue.
"""

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import close_old_connections, transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus, task
from django_tasks.signals import task_finished

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int  # in all, the first included
    backoff: float  # seconds before the second attempt; doubled before each next one
    max_backoff: float

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1 for the first)."""
        return min(self.max_backoff, self.backoff * 2 ** (attempt - 1))


# Task module path -> its retry policy (filled in by ``background``).
POLICIES: dict[str, RetryPolicy] = {}


def background(*, attempts: int = 8, backoff: float = 10, max_backoff: float = 3600, priority: int = 0):
    """Declare a module-level function a background task, retried with backoff when it raises.

    Its arguments must be JSON values (the job is stored as a database row).
    """

    def declare(func):
        declared = task(priority=priority)(func)
        POLICIES[declared.module_path] = RetryPolicy(attempts, backoff, max_backoff)
        return declared

    return declare


def enqueue_after_commit(declared, *args, **kwargs) -> None:
    """Enqueue ``declared(*args, **kwargs)`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(_enqueue, declared, args, kwargs))


def _enqueue(declared, args, kwargs) -> None:
    try:
        declared.enqueue(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - the write that asked for it is committed: log, never fail it
        logger.error("task queue: could not enqueue %s (%s: %s)", declared.name, type(error).__name__, error)


def summary(exception_class_path: str, traceback: str) -> str:
    """The error in one line: the traceback's last line, which names the exception and its message."""
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else exception_class_path or "unknown error"


@receiver(task_finished, dispatch_uid="editorial-task-retries")
def _retry_failed(sender, task_result, **kwargs):
    """Set a failed job declared with ``background`` back to ready after its backoff, or give up."""
    if task_result.status != TaskResultStatus.FAILED or task_result.task.module_path not in POLICIES:
        return
    db_result = getattr(task_result, "db_result", None)
    if db_result is None:  # run at once, not queued (the test settings): nothing to retry
        error = task_result.errors[-1] if task_result.errors else None
        line = summary(error.exception_class_path, error.traceback) if error else "unknown error"
        logger.error("task %s failed (run at once, not retried): %s", task_result.task.name, line)
        return
    policy = POLICIES[db_result.task_path]
    attempt = len(db_result.worker_ids)
    error = summary(db_result.exception_class_path, db_result.traceback)
    name = db_result.task_path.rsplit(".", 1)[-1]
    if attempt >= policy.attempts:
        logger.error(
            "task %s %s failed for good (attempt %d of %d): %s", name, db_result.pk, attempt, policy.attempts, error
        )
        return
    delay = policy.delay(attempt)
    type(db_result).objects.filter(pk=db_result.pk, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, run_after=timezone.now() + timedelta(seconds=delay)
    )
    logger.warning(
        "task %s %s failed (attempt %d of %d): %s; next attempt in %d s",
        name,
        db_result.pk,
        attempt,
        policy.attempts,
        error,
        delay,
    )


# --- Workers that vanished ----------------------------------------------------------

HOST = socket.gethostname()[:40]


def new_worker_id() -> str:
    """``host:pid:random``: lets a worker on the same machine tell whether the job's worker is alive."""
    return f"{HOST}:{os.getpid()}:{get_random_string(8)}"


def _process_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] in ("Z", "X")  # a zombie has finished
    except FileNotFoundError:
        return True
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _worker_gone(worker_id: str) -> bool:
    """Whether ``worker_id`` was a worker process on this machine that no longer runs."""
    host, _, rest = worker_id.partition(":")
    pid = rest.partition(":")[0]
    return host == HOST and pid.isdigit() and int(pid) != os.getpid() and _process_gone(int(pid))


def recover_abandoned(*, now=None) -> int:
    """Set jobs whose worker died back to ready (or failed, after too many); return how many."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    lease = timedelta(seconds=settings.EDITORIAL_TASK_LEASE_SECONDS)
    recovered = 0
    for job in DBTaskResult.objects.running().only("id", "task_path", "worker_ids", "started_at"):
        owner = job.worker_ids[-1] if job.worker_ids else ""
        if not (_worker_gone(owner) or (job.started_at and job.started_at < now - lease)):
            continue
        policy = POLICIES.get(job.task_path, RetryPolicy(attempts=3, backoff=0, max_backoff=0))
        attempts = len(job.worker_ids)
        note = (
            f"WorkerLost: worker {owner or '?'} stopped while running attempt {attempts} (killed, or its machine lost)"
        )
        give_up = attempts >= policy.attempts
        changed = DBTaskResult.objects.filter(pk=job.pk, status=TaskResultStatus.RUNNING, started_at=job.started_at)
        updated = changed.update(
            status=TaskResultStatus.FAILED if give_up else TaskResultStatus.READY,
            run_after=now,
            finished_at=now if give_up else None,
            exception_class_path="articles.operations.tasks.WorkerLost",
            traceback=note + "\n",
        )
        if updated:
            recovered += 1
            name = job.task_path.rsplit(".", 1)[-1]
            outcome = "failed for good" if give_up else "ready to run again"
            logger.warning("task %s %s: %s; %s", name, job.pk, note, outcome)
    return recovered


class RecoveryLoop(threading.Thread):
    """In each worker: look for abandoned jobs every ``EDITORIAL_TASK_RECOVERY_SECONDS``."""

    def __init__(self):
        super().__init__(name="task-recovery", daemon=True)
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(settings.EDITORIAL_TASK_RECOVERY_SECONDS):
            try:
                recover_abandoned()
            except Exception as error:  # noqa: BLE001 - the database may be away for a while: try again later
                logger.warning("task queue: could not look for abandoned jobs (%s: %s)", type(error).__name__, error)
            finally:
                close_old_connections()
