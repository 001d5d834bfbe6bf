"""Crash consistency of `kabar worker`: kill -9 it at random moments, restart it, lose nothing.

A real worker process (database backend, SQLite file in a temporary data dir) runs real
``poll_source`` tasks on a folder of local HTML articles. It is SIGKILLed ten times at
moments drawn from a fixed seed (half while a task is known to be running), restarted each
time, then one worker runs what is left with ``--batch``. Every task must end SUCCESSFUL
(FAILED only with the reaper's reason), none RUNNING or READY, and each article stored once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from worker_helpers import KABAR, kabar_env, write_documents

SEED = 20260107
KILLS = 10
HEARTBEAT, LEASE = 0.2, 1.0
DEADLINE = 150.0  # seconds for the whole test; it takes about a minute on two busy cores

pytestmark = pytest.mark.timeout(int(DEADLINE) + 30)


def crash_env(data_dir: Path) -> dict[str, str]:
    return kabar_env(
        data_dir,
        KABAR_TASKS_BACKEND="database",
        KABAR_WORKER_HEARTBEAT=str(HEARTBEAT),
        KABAR_WORKER_LEASE=str(LEASE),
        # High enough that the kills below cannot use a task's attempts up (the cap has its own test).
        KABAR_TASK_MAX_ATTEMPTS="50",
    )


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=20) as conn:
        return conn.execute(sql).fetchall()


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_kill_9_at_random_moments_loses_no_task_and_stores_each_article_once(tmp_path):
    started = time.monotonic()
    data, docs = tmp_path / "data", tmp_path / "docs"
    pages = write_documents(docs / "a", 3) + write_documents(docs / "b", 3, skip=3)
    env = crash_env(data)
    subprocess.run([KABAR, "migrate", "-v0"], env=env, check=True, timeout=120)
    setup = f"""
from kabar.ingest.tasks import poll_source
from kabar.news.models import Outlet, Source
outlet = Outlet.objects.create(name="Báo Thử", slug="bao-thu", home_url="https://bao-thu.invalid/", language="vi")
for folder in ("a", "b"):
    source = Source.objects.create(outlet=outlet, kind="file", url={str(docs)!r} + "/" + folder)
    for _ in range(2):
        poll_source.enqueue(source.pk)
"""
    subprocess.run([KABAR, "shell", "-c", setup], env=env, check=True, timeout=120)
    db = data / "kabar.sqlite3"
    tasks_sql = "SELECT id, status, worker_ids, exception_class_path FROM django_tasks_database_dbtaskresult"
    assert len(query(db, tasks_sql)) == 4

    rng = random.Random(SEED)
    killed_while_running = 0
    for round_ in range(KILLS):
        worker = subprocess.Popen(
            [KABAR, "worker", "--no-scheduler"],
            env=env,
            start_new_session=True,  # its own process group: the kill takes its helpers too
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            if round_ % 2:  # a random moment after a task was claimed
                wait_for(lambda: bool(query(db, tasks_sql + " WHERE status = 'RUNNING'")), 20)
                time.sleep(rng.uniform(0.0, 1.5))
            else:  # a random moment from the start, start-up included
                time.sleep(rng.uniform(0.2, 4.0))
            killed_while_running += bool(query(db, tasks_sql + " WHERE status = 'RUNNING'"))
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
    assert killed_while_running >= KILLS // 2, "the kills must land in running tasks to test anything"

    time.sleep(LEASE + 0.5)  # the last worker's lease runs out: the next start re-queues its task
    finished = subprocess.run(
        [KABAR, "worker", "--batch", "--no-scheduler"], env=env, timeout=120, capture_output=True, text=True
    )
    assert finished.returncode == 0, finished.stderr[-3000:]

    rows = query(db, tasks_sql)
    statuses = {status for _, status, _, _ in rows}
    assert statuses <= {"SUCCESSFUL", "FAILED"}, rows
    assert all(path.endswith("WorkerLost") for _, status, _, path in rows if status == "FAILED"), rows
    assert any(len(json.loads(ids)) > 1 for _, _, ids, _ in rows), "some task was re-run after a kill"
    stored = query(db, "SELECT source_url, COUNT(*) FROM news_article GROUP BY source_url")
    assert len(stored) == len(pages) and all(n == 1 for _, n in stored), stored
    texts = query(db, "SELECT article_id, COUNT(*) FROM news_articletext GROUP BY article_id")
    assert len(texts) == len(pages) and all(n == 1 for _, n in texts), texts
    assert query(db, "SELECT COUNT(*) FROM ingest_workerheartbeat") == [(0,)], "the last worker left cleanly"
    assert time.monotonic() - started < DEADLINE
