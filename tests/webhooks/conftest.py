"""Fixtures for the webhooks tests: a local receiver on 127.0.0.1, subscriptions, a task backend that defers.

The receiver is a threaded ``http.server`` that answers from a script (status, body, delay,
headers per request) and records every request it got. Loopback is refused to webhooks by
default; ``subscribe`` approves private access as the operator would, for that URL only.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django_tasks import task_backends
from django_tasks.backends.dummy import DummyBackend

from kabar.webhooks.models import EVENT_TYPES, Subscription

# The reader-site factories (make_article, make_text, ...), imported by basename as tests/api does.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "site"))


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    delay: float = 0.0  # seconds before the status line
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.received: list[Received] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                    answer = receiver.script.pop(0) if receiver.script else Answer()
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts, caps)
                    pass

            do_GET = do_POST  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"


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
