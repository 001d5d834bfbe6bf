"""CaptureSource: plain-text page captures."""

from __future__ import annotations

from pathlib import Path

from kabar.core.sources.capture import CaptureSource
from kabar.core.types import RawDocument
from kabar.hookspecs import DocumentFailure


def test_folder_of_captures(fixtures: Path) -> None:
    folder = fixtures / "captures"
    capture, empty = CaptureSource().documents(str(folder))
    assert isinstance(capture, RawDocument)
    assert capture.kind == "text"
    assert capture.url == (folder / "bao-thu-nghiem.txt").resolve().as_uri()
    assert capture.content == (folder / "bao-thu-nghiem.txt").read_text(encoding="utf-8")
    assert empty == DocumentFailure((folder / "empty.txt").resolve().as_uri(), "empty capture", "fetch")


def test_shared_seed_captures(shared_dir: Path) -> None:
    seeds = shared_dir / "seeds"
    items = list(CaptureSource().documents(str(seeds)))
    assert len(items) == len(list(seeds.glob("*.txt")))
    for item in items:
        assert isinstance(item, RawDocument) and item.kind == "text"
        path = Path(item.hints["path"])
        assert item.content == path.read_text(encoding="utf-8")


def test_legacy_encoded_capture_is_detected(fixtures: Path, tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes((fixtures / "vi-cp1258.txt").read_bytes())
    (item,) = CaptureSource().documents(str(legacy))
    assert isinstance(item, RawDocument)
    assert item.content.strip() == (fixtures / "vi-utf8.txt").read_text(encoding="utf-8").strip()


def test_accepts(fixtures: Path) -> None:
    source = CaptureSource()
    assert source.accepts(str(fixtures / "captures"))
    assert source.accepts(str(fixtures / "captures" / "bao-thu-nghiem.txt"))
    assert not source.accepts(str(fixtures / "saved-pages"))  # HTML pages beside a .txt: the file source's
    assert not source.accepts(str(fixtures / "feed-rss.xml"))
    assert not source.accepts("https://news.example/capture.txt")
