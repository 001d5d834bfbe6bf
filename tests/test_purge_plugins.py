"""CDN purgers against local fake endpoints: the exact requests, chunking, failures, retries, and the task on publish."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kabar.core.errors import NotConfigured
from kabar.hookspecs import PURGER_GROUP, CDNPurger, load_plugins, plugin_classes
from kabar.pagecache import tasks
from kabar.pagecache.purgers import CloudflarePurger, FastlyPurger, PurgeFailed, VarnishPurger


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeEndpoint:
    """A purge API on 127.0.0.1: records every request, answers from ``answers`` (then the last one)."""

    url: str
    seen: list[Seen] = field(default_factory=list)
    answers: list[tuple[int, bytes]] = field(default_factory=lambda: [(200, b'{"success": true}')])


@pytest.fixture
def endpoint() -> Iterator[FakeEndpoint]:
    fake = FakeEndpoint(url="")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            fake.seen.append(
                Seen(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
            )
            status, body = fake.answers.pop(0) if len(fake.answers) > 1 else fake.answers[0]
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_BAN = do_PURGE = _answer  # noqa: N815 - http.server's naming

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


TAGS = ["article:12", "home:vi", "section:3:vi"]


def test_the_three_purgers_are_plugins_behind_one_protocol():
    classes = plugin_classes(PURGER_GROUP)
    assert {"varnish", "fastly", "cloudflare"} <= set(classes)
    for cls in (VarnishPurger, FastlyPurger, CloudflarePurger):
        with pytest.raises(NotConfigured):
            cls()
    assert isinstance(VarnishPurger(urls=["http://127.0.0.1:1/"]), CDNPurger)
    enabled = load_plugins(PURGER_GROUP, {"fastly": {"service_id": "s", "token": "t"}})
    assert set(enabled) == {"fastly"}


def test_varnish_bans_by_a_regex_on_surrogate_key(endpoint):
    VarnishPurger(urls=[endpoint.url + "/"]).purge(TAGS)
    (ban,) = endpoint.seen
    assert ban.method == "BAN" and ban.path == "/"
    pattern = ban.headers["x-ban-tags"]
    assert pattern == r"(^|\s)(article:12|home:vi|section:3:vi)(\s|$)"
    # The regex Varnish applies to each stored page's Surrogate-Key header:
    assert re.search(pattern, "site language:vi article:12 outlet:1")
    assert re.search(pattern, "home:vi")
    assert not re.search(pattern, "site article:120 home:vie section:3:vi2")


def test_varnish_sends_every_url_and_large_sets_in_several_bans(endpoint):
    many = [f"article:{n}" for n in range(250)]
    VarnishPurger(urls=[endpoint.url + "/a", endpoint.url + "/b"]).purge(many)
    assert [s.path for s in endpoint.seen] == ["/a", "/b"] * 3
    banned = set()
    for seen in endpoint.seen[::2]:
        banned |= set(re.search(r"\((article:[^)]*)\)", seen.headers["x-ban-tags"]).group(1).split("|"))
    assert banned == set(many)


def test_fastly_soft_purges_by_surrogate_key(endpoint):
    FastlyPurger(service_id="SVC123", token="fastly-secret", base_url=endpoint.url).purge(TAGS)
    (seen,) = endpoint.seen
    assert seen.method == "POST" and seen.path == "/service/SVC123/purge"
    assert seen.headers["fastly-key"] == "fastly-secret"
    assert seen.headers["fastly-soft-purge"] == "1"
    assert seen.headers["surrogate-key"] == "article:12 home:vi section:3:vi"


def test_fastly_hard_purge_and_its_256_key_limit(endpoint):
    keys = [f"article:{n}" for n in range(300)]
    FastlyPurger(service_id="S", token="t", base_url=endpoint.url, soft=False).purge(keys)
    assert [len(s.headers["surrogate-key"].split(" ")) for s in endpoint.seen] == [256, 44]
    assert all("fastly-soft-purge" not in s.headers for s in endpoint.seen)


def test_cloudflare_purges_cache_tags_with_a_bearer_token(endpoint):
    CloudflarePurger(zone="ZONE9", token="cf-token", base_url=endpoint.url).purge(TAGS)
    (seen,) = endpoint.seen
    assert seen.method == "POST" and seen.path == "/client/v4/zones/ZONE9/purge_cache"
    assert seen.headers["authorization"] == "Bearer cf-token"
    assert seen.headers["content-type"] == "application/json"
    assert json.loads(seen.body) == {"tags": TAGS}


def test_cloudflare_in_chunks_of_30_and_a_reported_failure_raises(endpoint):
    CloudflarePurger(zone="Z", token="t", base_url=endpoint.url).purge([f"story:{n}" for n in range(31)])
    assert [len(json.loads(s.body)["tags"]) for s in endpoint.seen] == [30, 1]
    endpoint.answers = [(200, b'{"success": false, "errors": [{"code": 1134}]}')]
    with pytest.raises(PurgeFailed, match="success"):
        CloudflarePurger(zone="Z", token="t", base_url=endpoint.url).purge(TAGS)
    endpoint.answers = [(403, b'{"success": false}')]
    with pytest.raises(PurgeFailed, match="403"):
        CloudflarePurger(zone="Z", token="t", base_url=endpoint.url).purge(TAGS)


def test_an_unreachable_or_slow_endpoint_fails_within_its_timeout():
    import socket
    import time

    quiet = socket.socket()
    quiet.bind(("127.0.0.1", 0))
    quiet.listen(1)  # accepts the connection, never answers
    try:
        started = time.monotonic()
        with pytest.raises(Exception):  # noqa: B017 - httpx's timeout class
            FastlyPurger(
                service_id="S", token="t", base_url=f"http://127.0.0.1:{quiet.getsockname()[1]}", timeout=0.5
            ).purge(TAGS)
        assert time.monotonic() - started < 5
    finally:
        quiet.close()


def test_tags_that_are_not_tags_are_refused():
    with pytest.raises(ValueError):
        VarnishPurger(urls=["http://127.0.0.1:1/"]).purge(["article:1) | (.*"])


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(tasks, "PAUSES", (0.0, 0.0))


def test_the_task_retries_a_failing_purger_and_reports(endpoint, settings, fast_retries):
    settings.CDN_PURGERS = {"fastly": {"service_id": "S", "token": "t", "base_url": endpoint.url}}
    endpoint.answers = [(503, b"busy"), (200, b"{}")]
    result = tasks.purge_cdn.call(TAGS)
    assert result == {"tags": 3, "purged": ["fastly"], "failed": {}, "round": 1}
    assert len(endpoint.seen) == 2
    endpoint.seen.clear()
    endpoint.answers = [(500, b"down")]
    result = tasks.purge_cdn.call(TAGS)
    assert result["purged"] == [] and "500" in result["failed"]["fastly"]
    assert len(endpoint.seen) == 3  # the tries of one run, then (this backend cannot defer) a log line


@pytest.mark.django_db
def test_a_committed_correction_purges_the_cdn(endpoint, settings, django_capture_on_commit_callbacks):
    from django.db import transaction
    from django.utils import timezone

    from kabar.news.models import Article, ArticleText, Outlet, Section

    settings.CDN_PURGERS = {
        "cloudflare": {"zone": "Z", "token": "t", "base_url": endpoint.url},
        "varnish": {"urls": [endpoint.url + "/varnish"]},
    }
    outlet = Outlet.objects.create(
        slug="purge-outlet", name="Báo Thử", home_url="https://thu.example/", language="vi"
    )
    section = Section.objects.create(slug="purge-section", names={"vi": "Thời sự"})
    article = Article.objects.create(
        outlet=outlet,
        section=section,
        source_url="https://thu.example/a.html",
        source_language="vi",
        published_at=timezone.now(),
    )
    text = ArticleText.objects.create(
        article=article,
        language="vi",
        title="Tin gốc",
        slug="tin-goc",
        status="original",
        blocks=[{"type": "paragraph", "text": "Nội dung."}],
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        text.title = "Tin đã đính chính"
        text.save()
    cloudflare = [s for s in endpoint.seen if s.path.endswith("/purge_cache")]
    (varnish,) = [s for s in endpoint.seen if s.path == "/varnish"]
    purged = {tag for s in cloudflare for tag in json.loads(s.body)["tags"]}
    assert purged == {
        f"article:{article.pk}",
        "home:vi",
        f"section:{article.section_id}:vi",
    }
    for tag in purged:
        assert re.search(varnish.headers["x-ban-tags"], f"site {tag} language:vi")


@pytest.mark.django_db
def test_start_logs_the_configured_purgers_and_the_page_cache(settings, caplog):
    import logging

    from kabar.startup import log_plugins

    settings.CDN_PURGERS = {"varnish": {"urls": ["http://127.0.0.1:6081/"]}, "fastly": {"service_id": "S"}}
    with caplog.at_level(logging.INFO, logger="kabar.plugins"):
        enabled = log_plugins()
    assert enabled["purgers"] == ["varnish"]  # fastly without a token is off, and says why
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("page cache: ") and "CDN purgers enabled: varnish" in m for m in messages)
    assert any("kabar.purgers fastly: disabled" in m for m in messages)


# --- `kabar purge` misuse: exit 2 with what to pass, nothing bumped -----------------------------


@pytest.mark.parametrize(
    ("argv", "says"),
    [([], "name the cache tags to invalidate, or --all"), (["article 12"], "not a cache tag: 'article 12'")],
)
def test_purge_misuse_is_a_usage_error_saying_what_to_pass(argv, says, monkeypatch):
    from django.core.management import CommandError, call_command

    bumped: list[set[str]] = []
    monkeypatch.setattr("kabar.pagecache.management.commands.purge.after_bump", bumped.append)
    with pytest.raises(CommandError) as raised:
        call_command("purge", *argv)
    assert raised.value.returncode == 2
    assert says in str(raised.value) and "kabar purge --all" in str(raised.value)
    assert bumped == []


def test_purge_bumps_the_named_tags_and_site_for_all(monkeypatch, capsys):
    from django.core.management import call_command

    bumped: list[set[str]] = []
    monkeypatch.setattr("kabar.pagecache.management.commands.purge.after_bump", bumped.append)
    call_command("purge", "article:12", "home:vi")
    call_command("purge", "--all")
    assert bumped == [{"article:12", "home:vi"}, {"site"}]
    assert "invalidated: article:12 home:vi" in capsys.readouterr().out
