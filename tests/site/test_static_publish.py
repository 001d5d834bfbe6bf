"""Static publishing: pages written as files (and .gz) after the commit, equal to what kabar serves."""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pagecache_support
import pytest
from django.http import HttpResponse
from django.utils import translation

from kabar.pagecache import static_publish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache", "publish_dir")]
page_cache, committed, newsroom = (
    pagecache_support.page_cache,
    pagecache_support.committed,
    pagecache_support.newsroom,
)


@pytest.fixture
def publish_dir(settings, tmp_path):
    settings.STATIC_PUBLISH_DIR = str(tmp_path / "published")
    return tmp_path / "published"


def published(publish_dir, path: str) -> bytes | None:
    page = publish_dir / path.strip("/") / "index.html"
    zipped = page.with_name("index.html.gz")
    if not page.exists():
        assert not zipped.exists(), f"{zipped} left without its page"
        return None
    body = page.read_bytes()
    assert gzip.decompress(zipped.read_bytes()) == body
    return body


def correct(text, committed, **changes) -> None:
    with committed():
        for name, value in changes.items():
            setattr(text, name, value)
        text.save()


def test_publishing_writes_the_page_and_gz_with_the_live_bytes(client, newsroom, committed, publish_dir):
    url = newsroom["summit_vi_url"]
    assert published(publish_dir, url) is None  # nothing committed yet
    correct(newsroom["summit_vi"], committed, title="Hội nghị thượng đỉnh khai mạc sáng nay")
    body = published(publish_dir, url)
    assert body is not None
    assert "Hội nghị thượng đỉnh khai mạc sáng nay".encode() in body
    assert body == client.get(url).content
    # The Vietnamese listings it is on: the home page and its section's first page; not the English ones.
    assert published(publish_dir, "/vi/") == client.get("/vi/").content
    with translation.override("vi"):
        section_url = newsroom["world"].get_absolute_url()
    assert published(publish_dir, section_url) == client.get(section_url).content
    assert published(publish_dir, "/en/") is None
    assert published(publish_dir, newsroom["match_vi_url"]) is None  # another article: untouched
    assert not list(publish_dir.rglob("*.tmp"))


def test_a_correction_rewrites_the_file(client, newsroom, committed, publish_dir):
    url = newsroom["summit_vi_url"]
    correct(newsroom["summit_vi"], committed, title="Bản đầu")
    assert b"B\xe1\xba\xa3n \xc4\x91\xe1\xba\xa7u" in published(publish_dir, url)
    correct(newsroom["summit_vi"], committed, title="Bản đã đính chính")
    body = published(publish_dir, url)
    assert "Bản đã đính chính".encode() in body and "Bản đầu".encode() not in body
    assert body == client.get(url).content


def test_unpublishing_removes_the_file(client, newsroom, committed, publish_dir):
    url = newsroom["summit_vi_url"]
    correct(newsroom["summit_vi"], committed, title="Sắp gỡ")
    assert published(publish_dir, url) is not None
    correct(newsroom["summit_vi"], committed, is_published=False)
    assert client.get(url).status_code == 404
    assert published(publish_dir, url) is None
    assert "Sắp gỡ".encode() not in published(publish_dir, "/vi/")  # the home page no longer lists it


def test_a_new_slug_moves_the_file(client, newsroom, committed, publish_dir):
    old = newsroom["summit_vi_url"]
    correct(newsroom["summit_vi"], committed, title="Tên cũ")
    assert published(publish_dir, old) is not None
    correct(newsroom["summit_vi"], committed, slug="hoi-nghi-be-mac")
    assert published(publish_dir, old) is None
    new = "/vi/2025/10/hoi-nghi-be-mac/"
    assert published(publish_dir, new) == client.get(new).content


def test_a_write_failure_is_logged_and_the_edit_stands(newsroom, committed, publish_dir, monkeypatch, caplog):
    def refuse(target, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(static_publish, "_write", refuse)
    with caplog.at_level(logging.ERROR, logger="kabar.pagecache"):
        correct(newsroom["summit_vi"], committed, title="Vẫn lưu được")
    newsroom["summit_vi"].refresh_from_db()
    assert newsroom["summit_vi"].title == "Vẫn lưu được"
    assert published(publish_dir, newsroom["summit_vi_url"]) is None
    assert any(
        "not published" in r.getMessage() and "No space left" in r.getMessage() for r in caplog.records
    )


class _Renderer:
    """A stand-in for the internal client: answers ``body``, optionally after being let go."""

    def __init__(self, body: bytes, hold: threading.Event | None = None) -> None:
        self.body, self.hold, self.rendering = body, hold, threading.Event()

    def get(self, path):
        self.rendering.set()
        if self.hold is not None:
            assert self.hold.wait(10), "the test never let the render finish"
        return HttpResponse(self.body, headers={"Surrogate-Key": "article:1 home:vi"})


def test_a_render_begun_before_an_edit_never_overwrites_the_page_rendered_after_it(publish_dir):
    # Two workers: the first renders the page from data older than an edit and is slow to write;
    # the second renders after the edit. The older render must not be the file left behind.
    release = threading.Event()
    stale, fresh = _Renderer(b"before the edit", release), _Renderer(b"after the edit")
    first = threading.Thread(target=static_publish.publish, args=("/vi/", stale))
    first.start()
    assert stale.rendering.wait(10)
    second = threading.Thread(target=static_publish.publish, args=("/vi/", fresh))
    second.start()
    second.join(0.5)  # without the page's lock it writes now, and the stale render then overwrites it
    release.set()
    first.join(10)
    second.join(10)
    assert published(publish_dir, "/vi/") == b"after the edit"


def test_paths_outside_the_directory_are_refused(publish_dir):
    with pytest.raises(ValueError):
        static_publish.file_for("/../../etc/")


def test_off_when_the_setting_is_empty(settings, newsroom, committed, publish_dir):
    settings.STATIC_PUBLISH_DIR = ""
    correct(newsroom["summit_vi"], committed, title="Không xuất bản tĩnh")
    assert not publish_dir.exists()


# --- nginx in front (deploy/nginx/kabar.conf) ----------------------------------------------------

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "kabar.conf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nginx(tmp_path, publish_dir, live_server) -> Iterator[str]:
    """nginx on a free loopback port, with deploy/nginx/kabar.conf pointed at this test's dirs and kabar."""
    if NGINX is None:
        pytest.skip("Debian nginx is not installed (`make wrk-nginx` installs it)")
    port = free_port()
    kabar = live_server.url.removeprefix("http://")
    site = CONF.read_text(encoding="utf-8")
    for default, here in {
        "server 127.0.0.1:8000;": f"server {kabar};",
        "listen 80;": f"listen 127.0.0.1:{port};",
        "/var/lib/kabar/published": str(publish_dir),
        "/var/lib/kabar/static": str(tmp_path / "static"),
        "/var/lib/kabar/media": str(tmp_path / "media"),
    }.items():
        assert default in site, f"{default} is no longer in {CONF}"
        site = site.replace(default, here)
    publish_dir.mkdir(parents=True, exist_ok=True)
    (tmp_path / "kabar.conf").write_text(site, encoding="utf-8")
    temp = tmp_path / "nginx-temp"
    temp.mkdir()
    (tmp_path / "nginx.conf").write_text(
        # As root, nginx's workers would run as nobody, who cannot read pytest's private tmp_path.
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"""daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {tmp_path}/kabar.conf;
}}
""",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"nginx did not start: {process.stderr.read().decode() if process.stderr else ''}"
                )
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_nginx_serves_the_published_file_and_falls_back_to_kabar(newsroom, nginx, publish_dir):
    text = newsroom["summit_vi"]
    text.title = "Qua nginx"
    text.save()  # autocommit: published at once
    url = newsroom["summit_vi_url"]
    body = published(publish_dir, url)
    assert body is not None

    with httpx.Client(base_url=nginx, timeout=10) as http:
        plain = http.get(url, headers={"Accept-Encoding": "identity"})
        assert plain.status_code == 200
        assert plain.content == body
        assert "Surrogate-Key" not in plain.headers  # the file, not kabar
        assert plain.headers["Content-Type"] == "text/html; charset=utf-8"

        zipped = http.get(url, headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert zipped.content == body  # httpx decodes it: the .gz holds the same page

        # A miss (author pages are never published as files): kabar answers, through nginx.
        author_url = "/vi/author/lan-pham/"
        assert published(publish_dir, author_url) is None
        miss = http.get(author_url)
        assert miss.status_code == 200
        assert "author:" in miss.headers["Surrogate-Key"]

        # The file's security headers are kabar's own (kabar.conf copies them: this notices a drift).
        def directives(response: httpx.Response, header: str) -> set[str]:
            # django-csp does not keep its directives in one order: compare them as a set.
            return {part.strip() for part in response.headers[header].replace(",", ";").split(";")}

        for header in ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "Referrer-Policy"):
            assert directives(plain, header) == directives(miss, header), header

        # A query string is kabar's too, even where a file exists.
        assert "Surrogate-Key" in http.get(url, params={"utm_source": "x"}).headers

        # Unpublished: the file is gone and kabar's 404 comes through.
        text.is_published = False
        text.save()
        assert http.get(url).status_code == 404


def test_a_renamed_section_rewrites_every_page_showing_the_menu(client, newsroom, committed, publish_dir):
    correct(newsroom["summit_vi"], committed, title="Tin một")
    correct(newsroom["match_vi"], committed, title="Tin hai")
    urls = [newsroom["summit_vi_url"], newsroom["match_vi_url"], "/vi/"]
    assert all(published(publish_dir, url) is not None for url in urls)
    with committed():
        newsroom["world"].names = {**newsroom["world"].names, "vi": "Quốc tế"}
        newsroom["world"].save()
    for url in urls:
        body = published(publish_dir, url)
        assert "Quốc tế".encode() in body, url
        assert body == client.get(url).content


def test_too_many_pages_at_once_are_removed_not_rendered(newsroom, committed, publish_dir, monkeypatch):
    correct(newsroom["summit_vi"], committed, title="Tin một")
    correct(newsroom["match_vi"], committed, title="Tin hai")
    assert published(publish_dir, newsroom["match_vi_url"]) is not None
    monkeypatch.setattr(static_publish, "MAX_RENDERS", 2)
    with committed():
        newsroom["world"].names = {**newsroom["world"].names, "vi": "Quốc tế"}
        newsroom["world"].save()
    # Nothing names a page of its own here (section:S, site): every file showing the menu goes.
    assert not list(publish_dir.rglob("index.html*"))
    assert static_publish.written_with(["site"]) == set()
