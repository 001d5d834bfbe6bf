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
