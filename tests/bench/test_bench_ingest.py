"""The ingestion benchmark on three real pages: every mode runs, the same pages fail in each."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kabar.bench.ingest import main


def test_three_pages_in_process_and_in_a_pool(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = shared_dir / "bench" / "extraction" / "scrapinghub"
    if not (source / "ground-truth.json").is_file():
        pytest.skip(f"benchmark data not found under {source}")
    truth = json.loads((source / "ground-truth.json").read_text(encoding="utf-8"))
    chosen = sorted(truth)[:3]
    (tmp_path / "html").mkdir()
    for page_id in chosen:
        shutil.copy(source / "html" / f"{page_id}.html.gz", tmp_path / "html")
    (tmp_path / "ground-truth.json").write_text(json.dumps({k: truth[k] for k in chosen}), encoding="utf-8")
    assert main([str(tmp_path), "--json", "--repeats", "1", "--workers", "1,2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["pages"] == 3 and report["repeats"] == 1
    modes = {m["mode"]: m for m in report["modes"]}
    assert list(modes) == ["in-process", "pool 1", "pool 2"]
    assert modes["in-process"]["vs_in_process"] == 1.0
    assert len({m["failed"] for m in modes.values()}) == 1, "a page fails in every mode or in none"
    for mode in modes.values():
        assert mode["pages_per_second"] > 0 and len(mode["seconds"]) == 1


def test_table_output_and_a_refused_argument(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([str(tmp_path), "--workers", "0"])
    assert "worker counts" in capsys.readouterr().err
    source = shared_dir / "bench" / "extraction" / "scrapinghub"
    if not (source / "ground-truth.json").is_file():
        pytest.skip(f"benchmark data not found under {source}")
    truth = json.loads((source / "ground-truth.json").read_text(encoding="utf-8"))
    first = sorted(truth)[0]
    (tmp_path / "html").mkdir()
    shutil.copy(source / "html" / f"{first}.html.gz", tmp_path / "html")
    (tmp_path / "ground-truth.json").write_text(json.dumps({first: truth[first]}), encoding="utf-8")
    assert main([str(tmp_path), "--repeats", "1", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "in-process" in out and "pool 1" in out and "pages/s" in out
