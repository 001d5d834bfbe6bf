"""The scheduler's side of the ingest tasks: a due source is claimed and queued together, or not at all."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django_tasks_db.models import DBTaskResult

from kabar.ingest import tasks
from kabar.news.models import Outlet, Source

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for the process dying between two statements (not an Exception: nothing catches it)."""


def test_a_scheduler_dying_between_claim_and_enqueue_leaves_the_source_due(settings, monkeypatch):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "fetch"]}
    }
    outlet = Outlet.objects.create(
        name="Báo Thử", slug="bao-thu", home_url="https://bao-thu.invalid/", language="vi"
    )
    source = Source.objects.create(
        outlet=outlet, kind="feed", url="https://bao-thu.invalid/rss", schedule_minutes=30
    )

    def killed(*args, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setattr(tasks, "poll_source", SimpleNamespace(enqueue=killed))  # a Task is frozen
        with pytest.raises(WorkerKilled):
            tasks.enqueue_due_sources()
    source.refresh_from_db()
    assert source.last_polled_at is None, "the claim went with the lost enqueue"
    assert tasks.enqueue_due_sources() == [source.pk], "the next tick queues it"
    assert DBTaskResult.objects.filter(task_path="kabar.ingest.tasks.poll_source").count() == 1
