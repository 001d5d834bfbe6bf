"""No task is lost when a worker dies, on the RQ backend: RQ's own machinery, configured.

What rq 3.0 does (rq/worker/base.py, rq/registry.py): a running job sits in its queue's
``StartedJobRegistry`` with a score its worker's heartbeat keeps pushing forward
(``job_monitoring_interval`` + 60 s). When the worker is SIGKILLed the score stops moving;
the next *maintenance* of any worker (``clean_registries``, at worker start and every
``maintenance_interval``) calls ``StartedJobRegistry.cleanup``, which retries the abandoned
job if it has ``retries_left`` (``Retry``), else moves it to the ``FailedJobRegistry``
with ``AbandonedJobError`` (django-tasks then reports FAILED). A job taken off the queue
but not yet started is returned by the intermediate-queue cleanup in the same maintenance.

Out of the box none of that saves a kabar task: django-tasks-rq enqueues without ``Retry``
(so the abandoned job is failed, not retried), and the maintenance runs every 10 minutes,
its check waiting behind a 405-second blocking dequeue. So every kabar queue creates jobs
with ``Retry(max=KABAR_TASK_MAX_ATTEMPTS - 1)``, and ``kabar worker`` runs ``LeasedWorker``,
whose heartbeat and maintenance follow KABAR_WORKER_HEARTBEAT and KABAR_WORKER_LEASE.
Unlike the database backend, RQ's ``Retry`` also re-runs a task that *raised*; kabar's
tasks are idempotent, so that costs a repeat, not a wrong result.
"""

from __future__ import annotations

from typing import Any

from django_rq.queues import DjangoRQ
from rq import Worker
from rq.job import Job, Retry
from rq.queue import Queue
from rq.registry import StartedJobRegistry

from kabar.ingest.leases import LeasePolicy


def default_retry(policy: LeasePolicy | None = None) -> Retry | None:
    """RQ counts *re*-tries: the first run plus ``max`` more is ``max_attempts`` runs."""
    policy = policy or LeasePolicy.from_settings()
    return Retry(max=policy.max_attempts - 1) if policy.max_attempts > 1 else None


class RetryingQueue(DjangoRQ):
    """A django-rq queue whose jobs are retried when their worker dies (``QUEUE_CLASS`` in RQ_QUEUES)."""

    def create_job(self, *args: Any, **kwargs: Any) -> Job:
        if kwargs.get("retry") is None:
            kwargs["retry"] = default_retry()
        return super().create_job(*args, **kwargs)


def worker_ttl(policy: LeasePolicy | None = None) -> int:
    """The worker's TTL for ``rqworker --worker-ttl``: RQ blocks in a dequeue for TTL − 15 s
    between two maintenance checks, so this keeps that wait to one lease."""
    policy = policy or LeasePolicy.from_settings()
    return max(int(policy.lease), 1) + 15


class LeasedWorker(Worker):
    """rq's forking worker with kabar's heartbeat and a maintenance (abandoned-job cleanup) every lease."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        policy = LeasePolicy.from_settings()
        kwargs.setdefault("job_monitoring_interval", max(int(policy.heartbeat), 1))
        kwargs.setdefault("maintenance_interval", max(int(policy.lease), 1))
        super().__init__(*args, **kwargs)


def reap_abandoned(queues: list[Queue], *, timestamp: float | None = None) -> int:
    """What a worker's maintenance does to started jobs, now (``kabar worker --reap``).

    Returns how many abandoned jobs were found (each retried or failed by RQ's cleanup).
    ``timestamp`` is the cutoff: jobs whose heartbeat expired before it count as abandoned.
    """
    found = 0
    for queue in queues:
        registry = StartedJobRegistry(queue=queue, job_class=queue.job_class)
        found += len(registry.get_expired_job_ids(timestamp))
        registry.cleanup(timestamp)
    return found
