"""Ingestion through the Django shell: sources, failures kept with reasons, commands, tasks."""

import json
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from stage_hogs import HANG, HangOnMarker

from kabar.core.pipeline import Pipeline, PipelineLimits
from kabar.core.stage import InProcessStages
from kabar.core.types import RawDocument
from kabar.core.workers import StagePool
from kabar.demo.server import OutletServer
from kabar.detector import get_detector
from kabar.ingest.models import IngestFailure
from kabar.ingest.service import ingest
from kabar.news.models import Article, Outlet, Source

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_fetch(settings):
    settings.FETCH = {**settings.FETCH, "host_delay": 0.0}


def test_seed_captures_ingest_and_the_truncated_one_is_kept_as_a_failure(shared_dir):
    summary = ingest(str(shared_dir / "seeds"), kind="capture")
    assert summary.new == 1
    assert [stage for _, stage, _ in summary.failed] == ["store"]
    failure = IngestFailure.objects.get()
    assert failure.url.endswith("000_37899a9f6d338283.txt") and "no title" in failure.reason
    article = Article.objects.get()
    assert article.source_url.startswith("https://nhandan.vn/")
    assert article.outlet.name == "Báo Nhân dân"
    assert article.source_language == "id"
    # the same captures again: nothing new, the failure counted once more
    again = ingest(str(shared_dir / "seeds"), kind="capture")
    assert again.unchanged == 1 and again.new == 0
    assert IngestFailure.objects.get().attempts == 2


def test_a_refused_address_is_a_recorded_failure_not_a_crash():
    summary = ingest("http://127.0.0.1:9/feed.xml", kind="feed")
    assert summary.total == 1 and summary.failed
    url, stage, reason = summary.failed[0]
    assert stage == "fetch" and ("private" in reason or "loopback" in reason)
    assert IngestFailure.objects.filter(url=url).exists()


def test_kabar_extract_json_on_a_seed(shared_dir, capsys):
    call_command("extract", str(shared_dir / "seeds" / "001_db531604993b4b5d.txt"), json=True)
    data = json.loads(capsys.readouterr().out)
    for key in ("title", "lead", "outlet", "author", "published", "language", "source_url", "images", "body"):
        assert key in data
    assert data["outlet"] == "Báo Nhân dân" and data["author"] == "HANH NGUYEN" and data["language"] == "id"
    assert data["published"].startswith("2025-10-12")
    assert all(set(image) >= {"caption", "credit"} for image in data["images"])
    assert len(data["body"]) == len(set(data["body"]))
    assert Article.objects.count() == 0, "extract stores nothing"


def test_kabar_ingest_prints_a_summary(shared_dir, capsys):
    with pytest.raises(CommandError) as some_failed:  # the truncated seed fails: exit status 1
        call_command("ingest", str(shared_dir / "seeds"), json=True)
    assert some_failed.value.returncode == 1
    data = json.loads(capsys.readouterr().out)
    assert data["new"] == 1 and data["failed"][0]["stage"] == "store"


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks, as in production
def test_poll_source_task_runs_through_the_database_worker(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "fetch"]}
    }
    from kabar.ingest.tasks import enqueue_due_sources

    with OutletServer() as server:
        outlet = Outlet.objects.create(name="Báo Sông Hồng", slug="bsh", home_url=server.url, language="vi")
        source = Source(outlet=outlet, kind="feed", url=f"{server.url}/rss.xml", schedule_minutes=30)
        source.grant_private_access(by=None)  # the operator approves the loopback outlet
        source.save()
        due = enqueue_due_sources()
        assert len(due) == 1
        assert enqueue_due_sources() == [], "a claimed source is not enqueued twice"
        call_command("worker", batch=True, no_scheduler=True, queues="fetch")
    assert Article.objects.count() >= 12
    source = Source.objects.get()
    assert source.last_result.startswith(f"{Article.objects.count()} new")


def test_a_polled_feed_is_fetched_conditionally_and_an_unchanged_one_costs_one_request():
    import http.server
    import threading

    from kabar.demo import OUTLET_BASE, OUTLET_DIR

    requests: list[tuple[str, str | None]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append((self.path, self.headers.get("If-None-Match")))
            if self.path == "/robots.txt":
                self.send_response(404)
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            name = "rss.xml" if self.path == "/rss.xml" else self.path.lstrip("/")
            body = (OUTLET_DIR / name).read_bytes().replace(OUTLET_BASE.encode(), base.encode())
            self.send_response(200)
            self.send_header("Content-Type", "application/xml" if name.endswith(".xml") else "text/html")
            if self.path == "/rss.xml":
                self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/rss.xml"
        outlet = Outlet.objects.create(name="Báo Sông Hồng", slug="bsh", home_url=url, language="vi")
        source = Source.objects.create(outlet=outlet, kind="feed", url=url, allow_private=True)
        first = ingest(url, outlet=outlet, kind="feed", allow_private=True, source=source)
        assert first.new >= 12 and Source.objects.get().etag == '"v1"'
        requests.clear()
        source.refresh_from_db()
        second = ingest(url, outlet=outlet, kind="feed", allow_private=True, source=source)
    finally:
        server.shutdown()
        server.server_close()
    assert second.not_modified and second.total == 0
    # one conditional request, nothing else: robots.txt is still cached from the first poll
    assert requests == [("/rss.xml", '"v1"')]
    assert Source.objects.get().last_result == "feed not modified since the last poll"


def test_images_come_only_from_the_web_or_beside_a_local_document(tmp_path):
    from PIL import Image

    from kabar.core.fetch.fetch import Fetcher
    from kabar.ingest.images import Downloaded, Refused, download

    folder = tmp_path / "site"
    folder.mkdir()
    Image.new("RGB", (240, 160), "red").save(folder / "photo.jpg")
    (tmp_path / "secret.txt").write_text("not for readers")
    Image.new("RGB", (240, 160), "blue").save(tmp_path / "outside.png")
    (folder / "fake.jpg").write_text("<html>not a picture</html>")
    local = [
        f"file://{p}"
        for p in (
            folder / "photo.jpg",
            tmp_path / "secret.txt",
            tmp_path / "outside.png",
            folder / "fake.jpg",
        )
    ]
    fetcher = Fetcher()
    from_web_page = [download(src, "https://bao.example/a.html", fetcher) for src in local]
    assert all(isinstance(r, Refused) for r in from_web_page), "a web page never makes kabar read local files"
    from_local_page = [download(src, f"file://{folder / 'a.html'}", fetcher) for src in local]
    stored = [r for r in from_local_page if isinstance(r, Downloaded)]
    assert [r.url for r in stored] == [local[0]], "only real pictures beside the document"
    assert stored[0].name.endswith(".jpg") and (stored[0].width, stored[0].height) == (240, 160)
    assert all(r.reason for r in from_local_page if isinstance(r, Refused)), "each refusal says why"


def test_a_very_long_failing_url_is_recorded_every_time():
    url = "http://127.0.0.1:9/" + "a" * 1200
    for _ in range(2):
        summary = ingest(url, kind="url")
        assert len(summary.failed) == 1
    assert IngestFailure.objects.get().attempts == 2


def test_a_web_page_claiming_a_known_outlets_name_gets_an_outlet_of_its_own():
    from kabar.core.types import Extracted
    from kabar.ingest.service import outlet_for

    real = Outlet.objects.create(
        name="Báo Thử", slug="bao-thu", home_url="https://www.thu.example/", language="vi"
    )
    own_page = Extracted(url="https://thu.example/a.html", title="t", outlet="Báo Thử")
    assert outlet_for(own_page) == real, "the outlet's own site (www. or not) is the outlet"
    impostor = outlet_for(Extracted(url="https://copy.example/a.html", title="t", outlet="Báo Thử"))
    assert impostor != real and impostor.name == "Báo Thử (copy.example)"
    assert impostor.home_url == "https://copy.example/"
    local = Extracted(url="file:///srv/captures/a.txt", title="t", outlet="Báo Thử")
    assert outlet_for(local) == real, "the operator's own files are trusted by name"


PAGE_TOPICS = [
    (
        "Cầu mới nối hai bờ sông Hồng thông xe",
        "cây cầu dây văng dài một nghìn mét nối quận Long Biên với trung tâm",
    ),
    (
        "Ferry timetable changes for the winter",
        "the morning crossing now leaves at nine and the last boat returns at six",
    ),
    (
        "Pasar ikan baru dibuka di pelabuhan",
        "pedagang menempati dua ratus lapak baru yang dibangun pemerintah kota",
    ),
    (
        "Thư viện thành phố mở cửa đến nửa đêm",
        "sinh viên có thể mượn sách và dùng phòng đọc suốt mùa thi cuối năm",
    ),
]


def local_page(title: str, sentence: str) -> str:
    """An article page with nothing to fetch (no images, no canonical URL)."""
    paragraphs = "".join(
        f"<p>{sentence.capitalize()}, theo thông báo số {n} ({n * 37}).</p>" for n in range(1, 5)
    )
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"


def test_a_document_that_hangs_a_stage_fails_at_its_limit_and_the_others_are_stored(tmp_path):
    hanging = local_page(*PAGE_TOPICS[0]).replace("<body>", f"<body>{HANG}", 1)
    (tmp_path / "0_hangs.html").write_text(hanging, encoding="utf-8")
    for number, topic in enumerate(PAGE_TOPICS[1:], start=1):
        (tmp_path / f"{number}_page.html").write_text(local_page(*topic), encoding="utf-8")
    reports: list[tuple[str, str]] = []
    with StagePool(2) as pool:
        pipeline = Pipeline(get_detector(), PipelineLimits(extract_timeout=1.0), stages=HangOnMarker(pool))
        started = time.monotonic()
        summary = ingest(
            str(tmp_path), kind="file", pipeline=pipeline, on_document=lambda u, s: reports.append((u, s))
        )
        elapsed = time.monotonic() - started
    hung = (tmp_path / "0_hangs.html").as_uri()
    assert summary.failed == [(hung, "extract", "took longer than 1s")]
    assert summary.new == 3 and Article.objects.count() == 3
    failure = IngestFailure.objects.get()
    assert (failure.url, failure.stage, failure.reason) == (hung, "extract", "took longer than 1s")
    # Reported and stored in the folder's order, though the first document finished last.
    assert [status for _, status in reports] == ["failed", "new", "new", "new"]
    assert reports[0][0] == hung
    assert elapsed < 30


def test_documents_in_flight_are_bounded(monkeypatch):
    from kabar.ingest import service

    pulled: list[int] = []
    in_flight_seen: list[int] = []

    class ManyPages:
        def documents(self, location):
            for number in range(20):
                pulled.append(number)
                yield RawDocument(
                    url=f"https://bao.example/{number}.html", content="<html><body></body></html>"
                )

    monkeypatch.setattr(service, "pick_source", lambda *args, **kwargs: ManyPages())
    pipeline = Pipeline(get_detector())  # in this process: the bound is the same, the test quicker
    summary = ingest("many", pipeline=pipeline, on_document=lambda u, s: in_flight_seen.append(len(pulled)))
    assert len(summary.failed) == 20
    settled = range(1, 21)
    assert (
        max(seen - done for seen, done in zip(in_flight_seen, settled, strict=True))
        <= 2 * pipeline.stages.capacity
    )


def test_the_pipeline_of_the_settings_uses_worker_processes_unless_told_not_to(settings):
    from kabar.ingest.service import build_pipeline

    settings.INGEST = {"workers": 2, "extract_timeout": 7.0, "clean_timeout": 3.0}
    pipeline = build_pipeline()
    assert isinstance(pipeline.stages, StagePool) and pipeline.stages.capacity == 2
    assert build_pipeline().stages is pipeline.stages, "one pool per process"
    assert (pipeline.limits.extract_timeout, pipeline.limits.clean_timeout) == (7.0, 3.0)
    settings.INGEST = {**settings.INGEST, "workers": 0}
    assert isinstance(build_pipeline().stages, InProcessStages)
