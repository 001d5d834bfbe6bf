"""At scale the same tasks run on Redis through django-tasks' RQ backend (needs KABAR_TEST_REDIS_URL)."""

import os

import pytest

from kabar.demo.server import OutletServer
from kabar.news.models import Article, Outlet, Source

REDIS_URL = os.environ.get("KABAR_TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not REDIS_URL, reason="KABAR_TEST_REDIS_URL not set (CI sets it when Redis answers)"),
]


def test_poll_source_runs_on_an_rq_worker(settings):
    import django_rq
    from rq import SimpleWorker

    settings.RQ_QUEUES = {name: {"URL": REDIS_URL} for name in ("default", "fetch")}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "fetch"]}}
    settings.FETCH = {**settings.FETCH, "host_delay": 0.0}
    from kabar.ingest.tasks import poll_source

    queue = django_rq.get_queue("fetch")
    queue.empty()
    with OutletServer() as server:
        outlet = Outlet.objects.create(name="Báo Sông Hồng", slug="bsh", home_url=server.url, language="vi")
        source = Source(outlet=outlet, kind="feed", url=f"{server.url}/rss.xml")
        source.grant_private_access(by=None)  # the operator approves the loopback outlet
        source.save()
        result = poll_source.enqueue(source.pk)
        assert queue.count == 1 and Article.objects.count() == 0, "queued on Redis, not run inline"
        # SimpleWorker runs jobs in this process, so they see this test's database transaction.
        from django_tasks_rq.backend import Job

        SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
    result.refresh()
    assert result.status == "SUCCESSFUL", result.errors
    assert result.return_value["new"] == Article.objects.count() >= 12


def rq_queues(url: str) -> dict[str, dict[str, str]]:
    return {
        name: {"URL": url, "QUEUE_CLASS": "kabar.ingest.rq_backend.RetryingQueue"}
        for name in ("default", "fetch", "translate")
    }


@pytest.fixture
def redis_db():
    """The test Redis database, emptied before and after (only that database: CI may share the server)."""
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    if connection.connection_pool.connection_kwargs.get("db", 0) == 0:
        pytest.skip("KABAR_TEST_REDIS_URL must name a database other than 0 (e.g. /14): the test flushes it")
    connection.flushdb()
    yield connection
    connection.flushdb()


def test_kabar_queues_give_each_job_retries_for_its_worker_dying(settings, redis_db):
    import django_rq
    from django_tasks_rq.backend import Job

    settings.RQ_QUEUES = rq_queues(REDIS_URL)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "fetch"]}}
    settings.TASK_LEASES = {**settings.TASK_LEASES, "max_attempts": 4}
    from kabar.ingest.tasks import poll_source

    result = poll_source.enqueue(12345)
    job = Job.fetch(result.id, connection=django_rq.get_queue("fetch").connection)
    assert job.retries_left == 3, "first run plus three retries: KABAR_TASK_MAX_ATTEMPTS=4"


def test_a_job_whose_worker_was_killed_is_retried_then_failed_when_out_of_attempts(
    tmp_path, settings, redis_db
):
    """Real `kabar worker` processes on RQ, SIGKILLed while running poll_source.

    RQ notices an abandoned job once its heartbeat's score has passed (about a minute): the
    test runs the same cleanup a worker's maintenance runs, with the clock two minutes on.
    """
    import contextlib
    import os
    import signal
    import subprocess
    import time
    from pathlib import Path

    import django_rq
    from django_tasks_rq.backend import Job
    from rq.job import JobStatus
    from worker_helpers import KABAR, kabar_env, write_documents

    from kabar.ingest.rq_backend import reap_abandoned

    settings.RQ_QUEUES = rq_queues(REDIS_URL)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "fetch"]}}
    pages = write_documents(tmp_path / "docs", 3)
    env = kabar_env(
        tmp_path / "data", KABAR_TASKS_BACKEND="rq", KABAR_REDIS_URL=REDIS_URL, KABAR_TASK_MAX_ATTEMPTS="2"
    )
    subprocess.run([KABAR, "migrate", "-v0"], env=env, check=True, timeout=120)
    enqueue = f"""
from kabar.ingest.tasks import poll_source
from kabar.news.models import Outlet, Source
outlet, _ = Outlet.objects.get_or_create(slug="bao-thu", defaults=dict(name="Báo Thử", home_url="https://bao-thu.invalid/", language="vi"))
source, _ = Source.objects.get_or_create(outlet=outlet, kind="file", url={str(tmp_path / "docs")!r})
print(poll_source.enqueue(source.pk).id)
"""
    queue = django_rq.get_queue("fetch", job_class=Job)

    def enqueue_poll() -> str:
        shell = subprocess.run(
            [KABAR, "shell", "-c", enqueue], env=env, check=True, timeout=120, capture_output=True, text=True
        )
        return shell.stdout.strip().splitlines()[-1]

    def status(job_id: str) -> JobStatus | None:
        return Job.fetch(job_id, connection=queue.connection).get_status()

    def kill_with_its_horses(pid: int) -> None:
        """The machine dies: the worker and the work horse it forked (in a process group of its own)."""
        os.kill(pid, signal.SIGSTOP)  # so that it cannot react to its horse's death
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:  # the parent pid
                with contextlib.suppress(ProcessLookupError):  # gone already, or no group of its own
                    os.killpg(int(stat.parent.name), signal.SIGKILL)
        os.killpg(pid, signal.SIGKILL)

    def kill_a_worker_running(job_id: str) -> None:
        worker = subprocess.Popen(
            [KABAR, "worker", "--no-scheduler", "--queues", "fetch"],
            env=env,
            start_new_session=True,  # its own process group: the work horse dies with it
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            end = time.monotonic() + 60
            while status(job_id) != JobStatus.STARTED and time.monotonic() < end:
                time.sleep(0.05)
            assert status(job_id) == JobStatus.STARTED
        finally:
            kill_with_its_horses(worker.pid)
            worker.wait(timeout=30)
        assert status(job_id) == JobStatus.STARTED, "RQ still takes it for running"
        assert reap_abandoned([queue], timestamp=time.time() + 120) == 1

    first = enqueue_poll()
    kill_a_worker_running(first)
    assert status(first) == JobStatus.QUEUED, "retried: KABAR_TASK_MAX_ATTEMPTS=2 allows one more run"
    kill_a_worker_running(first)
    assert status(first) == JobStatus.FAILED, "its second lost worker used its attempts up"
    failed = Job.fetch(first, connection=queue.connection)
    assert "AbandonedJobError" in (failed.latest_result().exc_string or "")

    second = enqueue_poll()
    kill_a_worker_running(second)
    finished = subprocess.run(
        [KABAR, "worker", "--batch", "--no-scheduler", "--queues", "fetch"],
        env=env,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert status(second) == JobStatus.FINISHED
    stored = (
        subprocess.run(
            [
                KABAR,
                "shell",
                "-c",
                "from kabar.news.models import Article; print(sorted(Article.objects.values_list('source_url', flat=True)))",
            ],
            env=env,
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    urls = eval(stored)  # noqa: S307 - our own subprocess printed a list of strings
    assert len(urls) == len(set(urls)) == len(pages), "each article stored once"


def test_kabar_worker_reap_runs_rq_s_cleanup_now(settings, redis_db, capsys):
    from django.core.management import call_command

    settings.RQ_QUEUES = rq_queues(REDIS_URL)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "fetch"]}}
    call_command("worker", reap=True, queues="fetch")
    assert "0 abandoned job(s) retried or failed by RQ" in capsys.readouterr().out
