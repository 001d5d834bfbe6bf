"""Fixtures for the webhooks tests: a local receiver on 127.0.0.1, subscriptions, a task backend that defers.

The receiver is a threaded ``http.server`` that answers from a script (status, body, delay,
headers per request) and records every request it got. Loopback is refused to webhooks by
default; ``subscribe`` approves private access as the operator would, for that URL only.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django_tasks import task_backends
from django_tasks.backends.dummy import DummyBackend
from webhook_receiver import Receiver  # noqa: E402

from kabar.webhooks.models import EVENT_TYPES, Subscription

# The reader-site factories (make_article, make_text, ...), imported by basename as tests/api does.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "site"))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    try:
        yield r
    finally:
        r.server.shutdown()
        r.server.server_close()


@pytest.fixture
def subscribe(db: None) -> Any:
    def make(
        url: str, *, events: list[str] | None = None, private: bool = True, **fields: Any
    ) -> Subscription:
        subscription = Subscription(
            name=fields.pop("name", "Partner"), url=url, events=events or list(EVENT_TYPES), **fields
        )
        if private:
            subscription.grant_private_access(None)  # the operator approves this loopback receiver
        subscription.save()
        return subscription

    return make


@pytest.fixture
def deferred_tasks(settings: Any) -> Iterator[DummyBackend]:
    """A task backend that keeps what is queued (with run_after), so tests run each attempt themselves."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "fetch", "translate"],
        }
    }
    backend = task_backends["default"]
    assert isinstance(backend, DummyBackend)
    yield backend
    backend.clear()


@pytest.fixture
def fast_delivery(settings: Any) -> None:
    """Short timeouts so a test of a slow receiver takes a second, not ten."""
    settings.WEBHOOK_DELIVERY = {"timeout": 1.0}


@pytest.fixture
def run_queued(deferred_tasks: DummyBackend, django_capture_on_commit_callbacks: Any) -> Any:
    """Run the tasks queued so far (whatever their run_after), in order; returns their run_after values.

    Each runs as if committed: what it queues after commit (the next attempt) is queued, for
    the next call to run.
    """

    def run() -> list[Any]:
        ran = []
        due, deferred_tasks.results[:] = list(deferred_tasks.results), []
        for result in due:
            ran.append(result.task.run_after)
            with django_capture_on_commit_callbacks(execute=True):
                result.task.call(*result.args, **result.kwargs)
        return ran

    return run
