"""Argos Translate packages built by ``package_argos`` and loaded by the CTranslate2 engine."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from kabar.core.errors import StageError
from kabar.core.translate.mt import argos
from kabar.core.translate.mt.ct2 import CTranslate2Engine
from kabar.core.translate.mt.tiny import tiny_corpus

pytestmark = pytest.mark.slow

FAST = {"intra_threads": 1, "max_decoding_length": 24}
SENTENCES = [row[0] for row in tiny_corpus(("vi", "en"), size=6, seed=3)]


def test_package_has_the_argos_layout(tiny_argos_package: Path) -> None:
    with zipfile.ZipFile(tiny_argos_package) as archive:
        names = set(archive.namelist())
        metadata = json.loads(archive.read("translate-vi_en-1_0/metadata.json"))
    assert {
        "translate-vi_en-1_0/metadata.json",
        "translate-vi_en-1_0/sentencepiece.model",
        "translate-vi_en-1_0/model/model.bin",
        "translate-vi_en-1_0/model/config.json",
    } <= names
    assert (metadata["from_code"], metadata["to_code"]) == ("vi", "en")
    assert argos.read_metadata(tiny_argos_package).package_version == "1.0"


def test_engine_unpacks_once_and_translates(tiny_argos_package: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    engine = CTranslate2Engine(models=[{"path": str(tiny_argos_package)}], cache_dir=str(cache), **FAST)
    assert engine.pairs() == {("vi", "en")}
    assert engine.model_version.startswith("translate-vi_en-1_0@") and engine.model_version.endswith("-v1.0")
    assert not cache.exists()  # nothing is unpacked before the first translation

    out = engine.translate(SENTENCES, "vi", "en")

    assert len(out) == len(SENTENCES) and all(out)
    assert not any("\u2581" in t for t in out)
    unpacked = list(cache.iterdir())
    assert len(unpacked) == 1 and (unpacked[0] / "model" / "model.bin").is_file()
    marker = unpacked[0] / "metadata.json"
    first_mtime = marker.stat().st_mtime_ns

    again = CTranslate2Engine(models=[str(tiny_argos_package)], cache_dir=str(cache), **FAST)
    assert again.translate(SENTENCES, "vi", "en") == out
    assert list(cache.iterdir()) == unpacked and marker.stat().st_mtime_ns == first_mtime  # reused


def test_cache_defaults_to_the_data_dir(tiny_argos_package: Path, tmp_path: Path) -> None:
    engine = CTranslate2Engine(models=[str(tiny_argos_package)], data_dir=str(tmp_path), **FAST)
    engine.translate(SENTENCES[:1], "vi", "en")
    assert [p.name.startswith("translate-vi_en-1_0-") for p in (tmp_path / "mt-cache").iterdir()] == [True]


def test_an_unpacked_package_folder_loads_directly(tiny_argos_package: Path, tmp_path: Path) -> None:
    folder = argos.unpack(tiny_argos_package, tmp_path)
    engine = CTranslate2Engine(models=[str(folder)], **FAST)
    packed = CTranslate2Engine(models=[str(tiny_argos_package)], cache_dir=str(tmp_path / "c"), **FAST)
    assert engine.pairs() == {("vi", "en")}
    assert engine.translate(SENTENCES, "vi", "en") == packed.translate(SENTENCES, "vi", "en")


def test_a_corrupt_package_fails_with_a_clear_reason(tmp_path: Path) -> None:
    broken = tmp_path / "translate-vi_en-1_0.argosmodel"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip file")
    engine = CTranslate2Engine(models=[str(broken)], cache_dir=str(tmp_path / "cache"), **FAST)
    assert engine.pairs() == {("vi", "en")}  # from the file name, so the failure reaches a document

    with pytest.raises(StageError, match="is not a valid zip file") as err:
        engine.translate(SENTENCES[:1], "vi", "en")
    assert str(broken) in err.value.reason


def test_a_package_without_a_model_is_refused(tiny_argos_package: Path, tmp_path: Path) -> None:
    hollow = tmp_path / "translate-vi_en-2_0.argosmodel"
    with zipfile.ZipFile(tiny_argos_package) as source, zipfile.ZipFile(hollow, "w") as out:
        for item in source.infolist():
            if "/model/" not in item.filename:
                out.writestr(item, source.read(item))
    engine = CTranslate2Engine(models=[str(hollow)], cache_dir=str(tmp_path / "cache"), **FAST)

    with pytest.raises(StageError, match="lacks model/model.bin"):
        engine.translate(SENTENCES[:1], "vi", "en")


def test_a_package_with_escaping_paths_is_refused(tiny_argos_package: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "pkg" / "translate-vi_en-3_0.argosmodel"
    hostile.parent.mkdir()
    with zipfile.ZipFile(tiny_argos_package) as source, zipfile.ZipFile(hostile, "w") as out:
        for item in source.infolist():
            out.writestr(item, source.read(item))
        out.writestr("../escaped.txt", "gotcha")
    cache = tmp_path / "pkg" / "cache"

    with pytest.raises(StageError, match="unsafe member path '../escaped.txt'"):
        argos.unpack(hostile, cache)
    assert not (tmp_path / "pkg" / "escaped.txt").exists()
    assert list(cache.iterdir()) == []  # the staging folder was cleaned up


def test_codes_from_filename() -> None:
    assert argos.codes_from_filename(Path("translate-vi_en-1_0.argosmodel")) == ("vi", "en")
    assert argos.codes_from_filename(Path("id_en.argosmodel")) == ("id", "en")
    assert argos.codes_from_filename(Path("model.argosmodel")) is None
