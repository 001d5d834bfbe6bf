"""No task is lost when a worker dies: heartbeats and a reaper for the database task backend.

django-tasks-db marks a task RUNNING when a worker claims it and nothing ever looks at
it again: after a ``kill -9`` it stays RUNNING forever. Here each ``kabar worker`` has a
``WorkerHeartbeat`` row that its heartbeat thread keeps fresh, and ``reap`` (run at
worker start, on every heartbeat and by ``kabar worker --reap``) puts the RUNNING tasks
of a worker that has been quiet for longer than the lease back to READY. A task whose
workers died under it ``max_attempts`` times is FAILED with ``WorkerLost`` instead, so a
task that kills its worker (memory, a native crash) cannot take every worker down in turn.

Every claim appends the worker's id to the task's ``worker_ids`` and sets ``started_at``,
so the number of ids is the number of attempts and ``started_at`` tells one claim from
the next: a task is only re-queued when it is still in the very claim the reaper looked
at (a conditional UPDATE), so two reapers at once, or a reaper racing a fresh claim,
change a task at most once (SQLite and PostgreSQL alike).

A re-queued task runs again from the start, so tasks must be idempotent (``poll_source``
stores each document once by URL and content hash; a translation is written in one
transaction and a re-run finds it current). A worker wrongly presumed dead (its
heartbeat thread starved for a whole lease) only makes a task run twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from traceback import format_exception
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from kabar.ingest.models import WorkerHeartbeat

log = logging.getLogger("kabar.worker")


class WorkerLost(Exception):
    """The task's worker stopped (killed, crashed, machine lost) too many times while running it."""


@dataclass(frozen=True)
class LeasePolicy:
    heartbeat: float  # seconds between two beats
    lease: float  # seconds of silence after which a worker counts as dead
    max_attempts: int  # runs a task gets before a dead worker fails it

    def __post_init__(self) -> None:
        if self.heartbeat <= 0 or self.lease < 2 * self.heartbeat:
            # A lease of less than two beats would declare a worker dead after one slow beat.
            raise ImproperlyConfigured(
                f"KABAR_WORKER_LEASE ({self.lease:g}) must be at least twice "
                f"KABAR_WORKER_HEARTBEAT ({self.heartbeat:g}), which must be above 0"
            )
        if self.max_attempts < 1:
            raise ImproperlyConfigured(f"KABAR_TASK_MAX_ATTEMPTS must be 1 or more, not {self.max_attempts}")

    @classmethod
    def from_settings(cls) -> LeasePolicy:
        conf = settings.TASK_LEASES
        return cls(float(conf["heartbeat"]), float(conf["lease"]), int(conf["max_attempts"]))


@dataclass
class ReapResult:
    requeued: list[str] = field(default_factory=list)  # task ids put back to READY
    failed: list[str] = field(default_factory=list)  # task ids FAILED with WorkerLost
    forgotten_workers: list[str] = field(default_factory=list)  # heartbeat rows of dead workers removed

    def line(self) -> str:
        return (
            f"{len(self.requeued)} task(s) re-queued, {len(self.failed)} failed after "
            f"too many lost workers, {len(self.forgotten_workers)} dead worker(s) forgotten"
        )


def new_worker_id() -> str:
    """Unique and readable in the admin: host, pid, and a random part (db_worker allows 64 characters)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"[:64]


def beat(worker_id: str, *, started_at: dt.datetime | None = None) -> None:
    """Record that ``worker_id`` is alive now."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(pk=worker_id).update(last_beat_at=now)
    if updated:
        return
    if started_at is None:
        # Only the first beat passes started_at; a missing row later means a reaper took us for dead.
        log.warning(
            "worker %s was presumed dead (no heartbeat for a whole lease); "
            "its running task may be re-queued and run twice",
            worker_id,
        )
    WorkerHeartbeat.objects.update_or_create(
        pk=worker_id,
        defaults={"last_beat_at": now},
        create_defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at or now,
            "last_beat_at": now,
        },
    )


def forget(worker_id: str) -> None:
    """A worker that stops cleanly takes its row with it."""
    WorkerHeartbeat.objects.filter(pk=worker_id).delete()


def _orphans(policy: LeasePolicy, now: dt.datetime) -> dict[str, tuple[dt.datetime | None, list[str]]]:
    """RUNNING tasks whose last worker has not beaten within the lease: id → (started_at, worker_ids)."""
    cutoff = now - dt.timedelta(seconds=policy.lease)
    beats = dict(WorkerHeartbeat.objects.values_list("worker_id", "last_beat_at"))
    orphans = {}
    for pk, started_at, worker_ids in DBTaskResult.objects.running().values_list(
        "pk", "started_at", "worker_ids"
    ):
        owner = worker_ids[-1] if worker_ids else None
        last_sign = beats.get(owner) if owner is not None else None
        # A worker without a row (a plain `db_worker`, or a row already forgotten) is
        # judged by when it claimed the task: so a task is never re-queued within a lease.
        last_sign = last_sign or started_at
        if last_sign is None or last_sign < cutoff:
            orphans[str(pk)] = (started_at, list(worker_ids))
    return orphans


def reap(policy: LeasePolicy | None = None, *, now: dt.datetime | None = None) -> ReapResult:
    """Re-queue (or fail, past ``max_attempts``) the tasks of workers that stopped beating."""
    policy = policy or LeasePolicy.from_settings()
    now = now or timezone.now()
    result = ReapResult()
    orphans = _orphans(policy, now)  # a read first: most beats find nothing and take no write lock
    for pk, (started_at, worker_ids) in orphans.items():
        # One conditional UPDATE, for the very claim that was looked at: a task claimed again
        # meanwhile, finished, or reaped by another worker no longer matches and is left alone.
        same_claim = DBTaskResult.objects.filter(
            pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at
        )
        if len(worker_ids) >= policy.max_attempts:
            error = WorkerLost(
                f"{len(worker_ids)} worker(s) stopped while running this task "
                f"(the last: {worker_ids[-1] if worker_ids else 'unknown'}); "
                f"not retried after KABAR_TASK_MAX_ATTEMPTS={policy.max_attempts}"
            )
            changed = same_claim.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback="".join(format_exception(error)),
            )
            if changed:
                result.failed.append(pk)
                log.error("task %s failed: %s", pk, error)
        elif same_claim.update(status=TaskResultStatus.READY):
            result.requeued.append(pk)
            log.warning(
                "task %s re-queued: worker %s stopped while running it (attempt %d of %d)",
                pk,
                worker_ids[-1] if worker_ids else "unknown",
                len(worker_ids),
                policy.max_attempts,
            )
    # Dead workers' rows go once their tasks are dealt with; a live worker re-creates its own.
    cutoff = now - dt.timedelta(seconds=policy.lease)
    dead = list(WorkerHeartbeat.objects.filter(last_beat_at__lt=cutoff).values_list("pk", flat=True))
    if dead:
        WorkerHeartbeat.objects.filter(pk__in=dead, last_beat_at__lt=cutoff).delete()
        result.forgotten_workers = dead
    return result


def heartbeat_loop(stop: threading.Event, worker_id: str, policy: LeasePolicy) -> None:
    """The worker's heartbeat thread: beat, then look for other workers' orphaned tasks."""
    while not stop.wait(policy.heartbeat):
        try:
            beat(worker_id)
            reap(policy)
        except Exception:  # one bad beat (e.g. a locked database) must not stop the next
            log.exception("heartbeat failed")
        finally:
            close_old_connections()


class LeasedWorker(Worker):
    """django-tasks-db's worker, beating while it runs: if it dies, ``reap`` re-queues its task."""

    def __init__(self, *, policy: LeasePolicy, **options: Any) -> None:
        super().__init__(**options)
        self.policy = policy

    def run(self) -> None:
        # The first beat lands before the first claim, so no task of ours is ever without one.
        beat(self.worker_id, started_at=timezone.now())
        found = reap(self.policy)
        if found.requeued or found.failed:
            log.info("at start: %s", found.line())
        stop = threading.Event()
        thread = threading.Thread(
            target=heartbeat_loop,
            args=(stop, self.worker_id, self.policy),
            daemon=True,
            name="kabar-heartbeat",
        )
        thread.start()
        try:
            super().run()  # returns in batch mode; a signal while idle ends it with SystemExit
        finally:
            stop.set()
            thread.join(timeout=self.policy.heartbeat + 5)
            forget(self.worker_id)
