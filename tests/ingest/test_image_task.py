"""Pictures off the critical path: rows commit first, images are fetched after, cached, attached."""

from __future__ import annotations

import collections
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from kabar.ingest import image_attach as image_module
from kabar.ingest.models import ImageFetch
from kabar.ingest.service import ingest
from kabar.news.models import Article, ArticleText, Media

pytestmark = pytest.mark.django_db

PARAGRAPH = (
    "Đoạn văn số {} nói về mùa lúa mới ở đồng bằng sông Cửu Long, nơi nông dân đang thu hoạch "
    "và bán gạo cho thương lái với giá cao hơn năm ngoái."
)


@pytest.fixture(autouse=True)
def fast_fetch(settings):
    settings.FETCH = {**settings.FETCH, "host_delay": 0.0}


class Pictures(http.server.BaseHTTPRequestHandler):
    """/img/<w>x<h>-<anything>.png answers a PNG of that size; anything else 404."""

    requests: collections.Counter[str] = collections.Counter()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).requests[self.path] += 1
        name = self.path.rsplit("/", 1)[-1]
        if not self.path.startswith("/img/"):
            self.send_error(404)
            return
        width, height = (int(v) for v in name.split("-", 1)[0].split("x"))
        buffer = io.BytesIO()
        Image.new("RGB", (width, height), "teal").save(buffer, format="PNG")
        body = buffer.getvalue()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def picture_server() -> Iterator[str]:
    Pictures.requests = collections.Counter()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pictures)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def page(title: str, *srcs: str) -> str:
    figures = "".join(
        f'<figure><img src="{src}"><figcaption>Ảnh {i} của bài</figcaption></figure>'
        for i, src in enumerate(srcs)
    )
    body = "".join(f"<p>{PARAGRAPH.format(i)}</p>" for i in range(6))
    return (
        f"<html lang='vi'><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"{figures}{body}</article></body></html>"
    )


def write_pages(folder: Path, pages: dict[str, str]) -> str:
    folder.mkdir(exist_ok=True)
    for name, html in pages.items():
        (folder / name).write_text(html, encoding="utf-8")
    return str(folder)


def image_srcs(article: Article) -> list[str]:
    text = article.texts.get(status=ArticleText.Status.ORIGINAL)
    return [b["src"] for b in text.blocks if b["type"] == "image"]


def test_pictures_arrive_after_the_rows_cached_by_address_and_failures_kept(tmp_path, picture_server):
    shared = f"{picture_server}/img/640x400-shared.png"
    folder = write_pages(
        tmp_path / "site",
        {
            "a.html": page("Lúa mùa mới", shared, f"{picture_server}/img/800x500-a.png"),
            "b.html": page("Giá gạo tăng", shared, f"{picture_server}/missing.png"),
        },
    )
    summary = ingest(folder, allow_private=True)
    assert summary.new == 2
    assert (summary.images.attached, summary.images.failed, summary.images.pending) == (3, 1, 0)
    assert Pictures.requests["/img/640x400-shared.png"] == 1, "one download for two articles"
    assert "images: 3 attached, 0 pending, 1 failed" in summary.line()
    failed = ImageFetch.objects.get(outcome=ImageFetch.Outcome.FAILED)
    assert failed.url.endswith("/missing.png") and "404" in failed.reason
    assert summary.as_dict()["images"]["failed"] == [{"url": failed.url, "reason": failed.reason}]
    for article in Article.objects.all():
        srcs = image_srcs(article)
        stored = [s for s in srcs if s.startswith("/media/")]
        assert len(stored) == (2 if "Lúa" in article.texts.get().title else 1)
        for media in article.media.all():
            assert bool(media.image) == (media.url != failed.url), "a failed picture keeps its address"
    second = Article.objects.get(texts__title="Giá gạo tăng")
    assert f"{picture_server}/missing.png" in image_srcs(second), "the article shows, with the outlet's URL"
    block = next(
        b for b in second.texts.get().blocks if b["type"] == "image" and b["src"].startswith("/media/")
    )
    assert (block["width"], block["height"]) == (640, 400)

    # Stored again (changed text): the cached picture is used at once, nothing fetched again.
    Pictures.requests.clear()
    (Path(folder) / "a.html").write_text(
        page("Lúa mùa mới", shared).replace("số 1", "số một"), encoding="utf-8"
    )
    again = ingest(folder, allow_private=True)
    assert again.updated == 1 and "/img/640x400-shared.png" not in Pictures.requests
    updated = Article.objects.get(texts__title="Lúa mùa mới")
    assert all(s.startswith("/media/") for s in image_srcs(updated))
    assert updated.media.get().image


def test_a_picture_that_decodes_small_is_skipped_and_left_out(tmp_path, picture_server):
    logo = f"{picture_server}/img/115x115-agency.png"  # declared no size in the page
    folder = write_pages(
        tmp_path / "site", {"a.html": page("Lúa mùa mới", logo, f"{picture_server}/img/640x400-p.png")}
    )
    summary = ingest(folder, allow_private=True)
    assert (summary.images.attached, summary.images.skipped) == (1, 1)
    article = Article.objects.get()
    assert image_srcs(article) == [article.media.get().image.url]
    row = ImageFetch.objects.get(outcome=ImageFetch.Outcome.SKIPPED)
    assert "115×115" in row.reason


def test_queued_for_a_worker_the_row_is_there_before_the_pictures(
    tmp_path, picture_server, django_capture_on_commit_callbacks, monkeypatch
):
    bumped: list[int] = []
    real_record = image_module.record
    monkeypatch.setattr(
        image_module, "record", lambda **kw: (bumped.extend(kw["articles"]), real_record(**kw))
    )
    folder = write_pages(
        tmp_path / "site", {"a.html": page("Lúa mùa mới", f"{picture_server}/img/640x400-q.png")}
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        summary = ingest(folder, allow_private=True, images="task")
    article = Article.objects.get()
    assert summary.new == 1 and summary.images.pending == 1
    assert image_srcs(article) == [f"{picture_server}/img/640x400-q.png"], "committed with the outlet's URL"
    assert not Pictures.requests
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()  # the task is enqueued; tests run tasks at once
    assert image_srcs(article)[0].startswith("/media/")
    assert Media.objects.get().image and bumped == [article.pk], "the article's page cache tags bumped"


def test_the_command_table_counts_skipped_pages_and_images(tmp_path, picture_server):
    teasers = "".join(f'<li><a href="/bai-{i}.html">Tin số {i} trong ngày</a></li>' for i in range(30))
    home = f"<html lang='vi'><head><title>Trang chủ</title><meta property='og:type' content='website'></head><body><ul>{teasers}</ul></body></html>"
    folder = write_pages(
        tmp_path / "site",
        {
            "a.html": page(
                "Lúa mùa mới", f"{picture_server}/img/640x400-c.png", f"{picture_server}/gone.png"
            ),
            "index.html": home,
        },
    )
    out = io.StringIO()
    # A picture that failed is reported, but the article is stored: exit status 0.
    call_command("ingest", folder, "--allow-private", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "skipped" in text and "images attached" in text and "images failed" in text
    assert "not an article" in text and "/gone.png" in text and "404" in text
