"""``kabar worker``: run queued tasks and enqueue sources whose schedule has come round.

A worker that dies (``kill -9``, a crash, a lost machine) loses no task: on the database
backend its heartbeat stops and another worker's reaper re-queues what it was running
(``kabar.ingest.leases``); on RQ, RQ's own abandoned-job cleanup retries it
(``kabar.ingest.rq_backend``). ``--reap`` does one such pass now and exits.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

log = logging.getLogger("kabar.worker")

DB_POLL_SECONDS = 1.0  # how often an idle database worker looks for a READY task (db_worker's default)


# A pending webhook delivery overdue by this much has lost its task (queue down, worker died).
WEBHOOK_REQUEUE_AFTER = dt.timedelta(minutes=10)  # as `kabar webhooks requeue` by default


def schedule_tick() -> None:
    """One scheduler pass: enqueue due sources, and queue again webhook deliveries whose task was lost."""
    from kabar.ingest.tasks import enqueue_due_sources
    from kabar.webhooks.tasks import requeue_overdue

    due = enqueue_due_sources()
    if due:
        log.info("enqueued %d due source(s)", len(due))
    requeued = requeue_overdue(WEBHOOK_REQUEUE_AFTER)
    if requeued:
        log.warning("queued %d overdue webhook delivery(ies) again (their task was lost)", len(requeued))


def schedule_loop(stop: threading.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            schedule_tick()
        except Exception:  # the scheduler must outlive one bad tick (e.g. a locked database)
            log.exception("scheduler tick failed")
        finally:
            close_old_connections()
        stop.wait(interval)


def require_migrated_database() -> None:
    """Refuse to start on a database kabar's migrations have not (all) been applied to."""
    from kabar.cli import unmigrated_database

    problem = unmigrated_database()
    if problem is not None:
        raise CommandError(problem, returncode=2)


class Command(BaseCommand):
    help = "Run the task worker (database backend: db_worker; RQ: rqworker) plus the source scheduler."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-scheduler", action="store_true", help="Only run tasks; another worker schedules."
        )
        parser.add_argument("--interval", type=float, default=60.0, help="Seconds between scheduler ticks.")
        parser.add_argument("--queues", default="default,fetch,translate")
        parser.add_argument(
            "--batch", action="store_true", help="Run what is queued, then exit (database backend)."
        )
        parser.add_argument(
            "--reap",
            action="store_true",
            help="Re-queue the tasks of workers that died (or fail them past KABAR_TASK_MAX_ATTEMPTS), then exit.",
        )

    def handle(
        self,
        *args: Any,
        no_scheduler: bool,
        interval: float,
        queues: str,
        batch: bool,
        reap: bool = False,
        **options: Any,
    ) -> None:
        from kabar.startup import log_plugins

        backend = settings.TASKS["default"]["BACKEND"]
        if not isinstance(backend, str):
            # The settings dict also holds the queue list, so its values type as Sequence[str].
            raise ImproperlyConfigured(f"TASKS['default']['BACKEND'] must be a dotted path, not {backend!r}")
        queue_names = [q for q in queues.split(",") if q]
        rq = backend.startswith("django_tasks_rq")
        if reap:
            self.reap(rq, queue_names)
            return
        require_migrated_database()  # before the scheduler thread, whose first tick would log a traceback
        log_plugins()
        stop = threading.Event()
        if not no_scheduler:
            threading.Thread(
                target=schedule_loop, args=(stop, interval), daemon=True, name="kabar-scheduler"
            ).start()
        try:
            if rq:
                from kabar.ingest.rq_backend import worker_ttl

                call_command(
                    "rqworker",
                    *queue_names,
                    with_scheduler=False,
                    burst=batch,
                    worker_class="kabar.ingest.rq_backend.LeasedWorker",
                    # django-tasks-rq's job class runs the Task and reports to django-tasks.
                    job_class="django_tasks_rq.backend.Job",
                    worker_ttl=worker_ttl(),
                )
            else:
                self.run_database_worker(queue_names, batch=batch, verbosity=options.get("verbosity", 1))
        finally:
            stop.set()

    def run_database_worker(self, queue_names: list[str], *, batch: bool, verbosity: int) -> None:
        """What ``db_worker`` does, with django-tasks-db's own worker class extended by a heartbeat."""
        from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

        from kabar.ingest.leases import LeasedWorker, LeasePolicy, new_worker_id

        DBWorkerCommand().configure_logging(verbosity)  # its log lines, as `db_worker` prints them
        worker = LeasedWorker(
            policy=LeasePolicy.from_settings(),
            queue_names=queue_names,
            interval=DB_POLL_SECONDS,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=new_worker_id(),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()

    def reap(self, rq: bool, queue_names: list[str]) -> None:
        if rq:
            import django_rq
            from django_tasks_rq.backend import Job

            from kabar.ingest.rq_backend import reap_abandoned

            found = reap_abandoned([django_rq.get_queue(name, job_class=Job) for name in queue_names])
            self.stdout.write(f"{found} abandoned job(s) retried or failed by RQ")
            return
        from kabar.ingest.leases import reap

        self.stdout.write(reap().line())
