"""Real HTTP servers on 127.0.0.1 that speak just enough LibreTranslate and OpenAI chat API.

A ``LoopbackServer`` answers every request with whatever its ``respond``
function returns for it and records what it received, so tests can script
misbehaviour (wrong counts, garbage, 429s, slow answers) and count hits.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    json: Any


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | None = None  # raw body instead of json
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering


Responder = Callable[[Received, int], Reply]  # (request, 1-based hit number) -> reply


class LoopbackServer:
    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.received: list[Received] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        # A short poll interval makes shutdown quick between tests.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def hits(self) -> int:
        return len(self.received)

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()  # wakes handlers sleeping on a delay
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                request = Received(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    json.loads(raw) if raw else None,
                )
                with server._lock:
                    server.received.append(request)
                    hit = len(server.received)
                reply = server.respond(request, hit)
                if reply.delay and server._stopping.wait(reply.delay):
                    return
                body = reply.body if reply.body is not None else json.dumps(reply.json).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

        return Handler


def fake_translation(text: str, source: str, target: str) -> str:
    """What the fake servers 'translate' a text to: visibly derived from input and pair."""
    return f"[{source}>{target}] {text[::-1]}"


def libretranslate(
    languages: dict[str, list[str]] | None = None,
    translate: Callable[[str, str, str], str] = fake_translation,
) -> Responder:
    """A well-behaved LibreTranslate: ``GET /languages`` and ``POST /translate`` with list ``q``."""
    languages = languages or {"vi": ["en", "id"], "en": ["vi", "id"], "id": ["en"]}

    def respond(request: Received, hit: int) -> Reply:
        if request.method == "GET" and request.path == "/languages":
            return Reply(json=[{"code": c, "name": c.upper(), "targets": t} for c, t in languages.items()])
        if request.method == "POST" and request.path == "/translate":
            body = request.json
            q = body["q"]
            texts = q if isinstance(q, list) else [q]
            out = [translate(t, body["source"], body["target"]) for t in texts]
            return Reply(json={"translatedText": out if isinstance(q, list) else out[0]})
        return Reply(status=404, json={"error": "Not Found"})

    return respond


_NUMBERED = re.compile(r"^(\d+)\. (.*)$")
_PAIR = re.compile(r"from (\w+) to (\w+)\.")


def numbered_items(request: Received) -> list[str]:
    """The segments a chat request asked to translate, in order (from the first user message)."""
    user = next(m["content"] for m in request.json["messages"] if m["role"] == "user")
    return [m.group(2) for line in user.splitlines() if (m := _NUMBERED.match(line))]


def chat_reply(content: str, finish_reason: str = "stop") -> Reply:
    return Reply(
        json={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": finish_reason,
                }
            ],
        }
    )


def openai_chat(translate: Callable[[str, str, str], str] = fake_translation) -> Responder:
    """A well-behaved chat model: answers the numbered items translated, numbered the same way."""

    def respond(request: Received, hit: int) -> Reply:
        if request.method != "POST" or not request.path.endswith("/chat/completions"):
            return Reply(status=404, json={"error": {"message": "unknown endpoint"}})
        system = request.json["messages"][0]["content"]
        pair = _PAIR.search(system)
        source, target = pair.groups() if pair else ("?", "?")
        items = numbered_items(request)
        return chat_reply("\n".join(f"{n}. {translate(t, source, target)}" for n, t in enumerate(items, 1)))

    return respond
