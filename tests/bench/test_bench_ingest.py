"""The ingestion benchmark on three real pages: trafilatura, the pipeline and a whole ingest with images."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kabar.bench.ingest import main
from kabar.bench.ingest_pages import rewrite_page


def _three_pages(shared_dir: Path, tmp_path: Path) -> Path:
    source = shared_dir / "bench" / "extraction" / "scrapinghub"
    if not (source / "ground-truth.json").is_file():
        pytest.skip(f"benchmark data not found under {source}")
    truth = json.loads((source / "ground-truth.json").read_text(encoding="utf-8"))
    chosen = sorted(truth)[:3]
    (tmp_path / "html").mkdir(parents=True)
    for page_id in chosen:
        shutil.copy(source / "html" / f"{page_id}.html.gz", tmp_path / "html")
    (tmp_path / "ground-truth.json").write_text(json.dumps({k: truth[k] for k in chosen}), encoding="utf-8")
    return tmp_path


@pytest.mark.django_db(transaction=True)
def test_three_pages_every_stage_and_the_pictures_arrive(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], settings
) -> None:
    settings.INGEST = {**settings.INGEST, "workers": 1}
    dataset = _three_pages(shared_dir, tmp_path / "set")
    assert main([str(dataset), "--json", "--repeats", "1", "--workers", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["pages"] == 3 and report["workers"] == 1
    for key in ("trafilatura_pps", "pipeline_pps", "ingest_pps", "ingest_rows_pps"):
        assert report[key] > 0, key
    ingested = report["ingest"]
    assert ingested["stored"] + ingested["failed"] + ingested["skipped"] == 3
    images = ingested["images"]
    assert images["attached"] > 0 and images["pending"] == 0 and images["failed"] == 0
    assert ingested["image_requests"] >= images["attached"], "every picture came from the local servers"


def test_pages_point_at_the_local_servers_and_bad_arguments_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    origins = ["http://127.0.0.2:8001", "http://127.0.0.3:8002"]
    html = '<html><head><base href="https://x.example/"></head><body><img src="https://cdn.example/a.jpg"><img src="/b.jpg"></body></html>'
    page, address = rewrite_page(html, "https://news.example/2019/11/story.html", origins)
    assert address.split("/news.example/")[0] in origins and address.endswith(
        "/news.example/2019/11/story.html"
    )
    assert "https://" not in page and "/cdn.example/a.jpg" in page and page.count("<base") == 1
    assert '/news.example/2019/11/">' in page, "relative addresses resolve beside the page"
    with pytest.raises(SystemExit):
        main([str(tmp_path), "--workers", "0"])
    assert "no ground-truth.json" in capsys.readouterr().err
