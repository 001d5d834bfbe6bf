"""Static publishing: pages written as files (and .gz) after the commit, equal to what kabar serves."""

from __future__ import annotations

import gzip
import logging

import pagecache_support
import pytest
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


def test_paths_outside_the_directory_are_refused(publish_dir):
    with pytest.raises(ValueError):
        static_publish.file_for("/../../etc/")


def test_off_when_the_setting_is_empty(settings, newsroom, committed, publish_dir):
    settings.STATIC_PUBLISH_DIR = ""
    correct(newsroom["summit_vi"], committed, title="Không xuất bản tĩnh")
    assert not publish_dir.exists()
