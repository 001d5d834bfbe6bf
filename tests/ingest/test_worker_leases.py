"""Heartbeats and the reaper (kabar.ingest.leases): a dead worker's tasks are re-queued, once."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from worker_helpers import write_documents

from kabar.ingest import leases
from kabar.ingest.leases import LeasePolicy, WorkerLost, beat, forget, reap
from kabar.ingest.models import WorkerHeartbeat
from kabar.news.models import Article, Outlet, Source

pytestmark = pytest.mark.django_db

POLICY = LeasePolicy(heartbeat=1.0, lease=5.0, max_attempts=3)


@pytest.fixture(autouse=True)
def database_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "fetch", "translate"]}
    }
    settings.TASK_LEASES = {"heartbeat": 0.1, "lease": 0.5, "max_attempts": 3}


def running_task(*workers: str, started: dt.datetime | None = None, source_id: int = 1) -> DBTaskResult:
    """A poll_source task claimed in turn by ``workers`` (the last one holds it now)."""
    from kabar.ingest.tasks import poll_source

    row = DBTaskResult.objects.get(pk=poll_source.enqueue(source_id).id)
    for worker in workers:
        row.claim(worker)
    if started is not None:
        DBTaskResult.objects.filter(pk=row.pk).update(started_at=started)
        row.refresh_from_db()
    return row


def heartbeat(worker: str, seconds_ago: float) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=worker,
        hostname="test",
        pid=1,
        started_at=now - dt.timedelta(hours=1),
        last_beat_at=now - dt.timedelta(seconds=seconds_ago),
    )


def status(row: DBTaskResult) -> str:
    row.refresh_from_db()
    return row.status


def test_only_tasks_of_silent_workers_go_back_to_the_queue():
    heartbeat("dead", seconds_ago=30)
    heartbeat("alive", seconds_ago=1)
    dead = running_task("dead")
    alive = running_task("alive")
    unknown_new = running_task("no-heartbeat")  # claimed just now: within its lease
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    unknown_old = running_task("plain-db-worker", started=long_ago)

    found = reap(POLICY)

    assert sorted(found.requeued) == sorted([str(dead.pk), str(unknown_old.pk)])
    assert [status(r) for r in (dead, alive, unknown_new, unknown_old)] == [
        "READY",
        "RUNNING",
        "RUNNING",
        "READY",
    ]
    assert found.forgotten_workers == ["dead"]
    assert list(WorkerHeartbeat.objects.values_list("pk", flat=True)) == ["alive"]
    assert dead.worker_ids == ["dead"], "the attempt stays on record"
    assert reap(POLICY).requeued == [], "nothing twice"


def test_a_task_whose_workers_died_max_attempts_times_fails_with_the_reason():
    heartbeat("w3", seconds_ago=30)
    row = running_task("w1", "w2", "w3")

    found = reap(POLICY)

    assert found.failed == [str(row.pk)] and found.requeued == []
    row.refresh_from_db()
    result = row.task_result
    assert result.status == "FAILED" and row.finished_at is not None
    assert result.errors[0].exception_class is WorkerLost
    assert "3 worker(s) stopped while running this task (the last: w3)" in result.errors[0].traceback
    assert "KABAR_TASK_MAX_ATTEMPTS=3" in result.errors[0].traceback


def test_two_reapers_at_once_and_a_new_claim_in_between_change_each_task_once(monkeypatch):
    heartbeat("dead", seconds_ago=30)
    first, second = running_task("dead"), running_task("dead")
    inner: list[leases.ReapResult] = []
    look = leases._orphans

    def another_reaper_runs_between_look_and_write(policy, now):
        seen = look(policy, now)
        if not inner:
            inner.append(leases.ReapResult())  # the other reaper's own look is a plain one
            monkeypatch.setattr(leases, "_orphans", look)
            inner[0] = reap(policy, now=now)  # the other reaper does its whole pass first
            DBTaskResult.objects.get(pk=second.pk).claim("fresh")  # and a worker claims one again
        return seen

    monkeypatch.setattr(leases, "_orphans", another_reaper_runs_between_look_and_write)
    outer = reap(POLICY)

    assert sorted(inner[0].requeued) == sorted([str(first.pk), str(second.pk)])
    assert outer.requeued == [] and outer.failed == []
    assert status(first) == "READY"
    assert status(second) == "RUNNING" and second.worker_ids == ["dead", "fresh"]


def test_heartbeats_create_refresh_and_forget_the_worker_row(caplog):
    started = timezone.now() - dt.timedelta(seconds=3)
    beat("w", started_at=started)
    row = WorkerHeartbeat.objects.get()
    assert row.started_at == started and row.pid > 0
    first = row.last_beat_at
    beat("w")
    assert WorkerHeartbeat.objects.get().last_beat_at >= first
    forget("w")
    assert not WorkerHeartbeat.objects.exists()
    with caplog.at_level(logging.WARNING, logger="kabar.worker"):
        beat("w")  # a reaper took this worker for dead and removed its row
    assert WorkerHeartbeat.objects.filter(pk="w").exists()
    assert "presumed dead" in caplog.text


@pytest.mark.parametrize(
    ("heartbeat_s", "lease_s", "attempts", "message"),
    [(10, 15, 3, "at least twice"), (0, 60, 3, "above 0"), (10, 60, 0, "1 or more")],
)
def test_a_lease_policy_that_cannot_work_is_refused(heartbeat_s, lease_s, attempts, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        LeasePolicy(heartbeat_s, lease_s, attempts)


@pytest.mark.django_db(transaction=True)  # the worker's heartbeat thread has its own connection
def test_a_batch_worker_reruns_the_task_of_a_worker_that_died(tmp_path, settings):
    settings.FETCH = {**settings.FETCH, "host_delay": 0.0}
    write_documents(tmp_path / "docs", 2)
    outlet = Outlet.objects.create(
        name="Báo Thử", slug="bao-thu", home_url="https://bao-thu.invalid/", language="vi"
    )
    source = Source.objects.create(outlet=outlet, kind="file", url=str(tmp_path / "docs"))
    heartbeat("killed", seconds_ago=30)
    row = running_task("killed", source_id=source.pk)

    call_command("worker", batch=True, no_scheduler=True, queues="fetch")

    row.refresh_from_db()
    assert row.status == "SUCCESSFUL", row.traceback
    assert row.worker_ids[0] == "killed" and len(row.worker_ids) == 2
    assert row.return_value["new"] == 2 == Article.objects.count()
    assert not WorkerHeartbeat.objects.exists(), "the dead worker forgotten, the batch worker gone"


def test_kabar_worker_reap_says_what_it_did(capsys):
    heartbeat("dead", seconds_ago=3600)
    running_task("dead")
    call_command("worker", reap=True)
    assert "1 task(s) re-queued, 0 failed" in capsys.readouterr().out
