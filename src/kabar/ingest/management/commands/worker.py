"""``kabar worker``: run queued tasks and enqueue sources whose schedule has come round."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

log = logging.getLogger("kabar.worker")


def schedule_loop(stop: threading.Event, interval: float) -> None:
    from kabar.ingest.tasks import enqueue_due_sources

    while not stop.is_set():
        try:
            due = enqueue_due_sources()
            if due:
                log.info("enqueued %d due source(s)", len(due))
        except Exception:  # the scheduler must outlive one bad tick (e.g. a locked database)
            log.exception("scheduler tick failed")
        finally:
            close_old_connections()
        stop.wait(interval)


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

    def handle(
        self, *args: Any, no_scheduler: bool, interval: float, queues: str, batch: bool, **options: Any
    ) -> None:
        from kabar.startup import log_plugins

        backend = settings.TASKS["default"]["BACKEND"]
        if not isinstance(backend, str):
            # The settings dict also holds the queue list, so its values type as Sequence[str].
            raise ImproperlyConfigured(f"TASKS['default']['BACKEND'] must be a dotted path, not {backend!r}")
        log_plugins()
        stop = threading.Event()
        if not no_scheduler:
            threading.Thread(
                target=schedule_loop, args=(stop, interval), daemon=True, name="kabar-scheduler"
            ).start()
        try:
            if backend.startswith("django_tasks_rq"):
                call_command("rqworker", *queues.split(","), with_scheduler=False, burst=batch)
            else:
                call_command(
                    "db_worker", queue_name=queues, batch=batch, startup_delay=not batch, reload=False
                )
        finally:
            stop.set()
