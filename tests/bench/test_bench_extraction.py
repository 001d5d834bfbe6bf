"""The extraction benchmark: its metric on hand-made cases, and full runs on small data sets."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from kabar.bench.extraction import main, page_counts, score, shingles, tokens

FIXTURES = Path(__file__).resolve().parents[1] / "core" / "fixtures" / "html"


def test_tokens_are_word_runs_without_punctuation() -> None:
    assert tokens("Hà Nội, 12/10 — đẹp!") == ["Hà", "Nội", "12", "10", "đẹp"]


def test_shingles_are_a_multiset_of_four_token_windows() -> None:
    assert shingles(tokens("a b c d e")) == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert shingles(tokens("x y z x y z x y z"))[("x", "y", "z", "x")] == 2
    assert shingles(tokens("only two")) == {("only", "two"): 1}
    assert shingles([]) == {}


def test_identical_texts_score_one() -> None:
    result = score([("The ferry leaves at nine every morning.", "The ferry leaves at nine, every morning!")])
    assert (result.precision, result.recall, result.f1, result.accuracy) == (1.0, 1.0, 1.0, 1.0)


def test_disjoint_texts_score_zero() -> None:
    result = score([("one two three four five", "six seven eight nine ten")])
    assert (result.precision, result.recall, result.f1, result.accuracy) == (0.0, 0.0, 0.0, 0.0)


def test_partial_prediction() -> None:
    counts = page_counts("a b c d e", "a b c d")
    # gold shingles abcd, bcde; predicted abcd -> TP 1, FP 0, FN 1, scaled to sum to 1.
    assert (counts.tp, counts.fp, counts.fn) == (0.5, 0.0, 0.5)
    result = score([("a b c d e", "a b c d")])
    assert result.precision == 1.0
    assert result.recall == 0.5
    assert result.f1 == pytest.approx(2 / 3)
    assert result.accuracy == 0.0


def test_extra_prediction_costs_precision_only() -> None:
    result = score([("a b c d", "a b c d e")])
    assert result.recall == 1.0
    assert result.precision == 0.5


def test_empty_prediction_is_left_out_of_precision() -> None:
    result = score([("a b c d e", "a b c d e"), ("f g h i j", "")])
    assert result.precision == 1.0  # only the first page has a prediction
    assert result.recall == 0.5  # the second page recalled nothing
    assert result.accuracy == 0.5


def test_empty_gold_is_left_out_of_recall() -> None:
    result = score([("a b c d e", "a b c d e"), ("", "stray words here now")])
    assert result.recall == 1.0
    assert result.precision == 0.5


def _write_dataset(root: Path, pages: dict[str, tuple[str, dict[str, object]]]) -> Path:
    (root / "html").mkdir(parents=True)
    truth = {}
    for page_id, (html, gold) in pages.items():
        (root / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(html.encode("utf-8")))
        truth[page_id] = gold
    (root / "ground-truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return root


def test_run_on_a_three_page_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vn = (FIXTURES / "vn_cms.html").read_text(encoding="utf-8")
    wp = (FIXTURES / "wordpress_en.html").read_text(encoding="utf-8")
    jl = (FIXTURES / "jsonld_id.html").read_text(encoding="utf-8")
    vn_body = "\n".join(
        [
            "Sở Xây dựng Hà Nội cho biết ba tuyến xe buýt điện mới sẽ chạy từ ngày 1/11, nối sân bay Nội Bài "
            "với khu vực Hồ Gươm, bến xe Mỹ Đình và khu đô thị Ecopark. Mỗi tuyến dùng mười hai xe, tần suất "
            "mười lăm phút một chuyến vào giờ cao điểm.",
            "Theo đại diện doanh nghiệp vận hành, các xe được trang bị cổng sạc điện thoại, wifi miễn phí và "
            "khoang để hành lý rộng, phù hợp với khách du lịch mang theo vali cỡ lớn. Hành khách có thể thanh "
            "toán bằng thẻ ngân hàng hoặc mã QR ngay trên xe.",
            "Trong năm đầu vận hành, thành phố trợ giá khoảng 38 tỷ đồng cho ba tuyến. Nếu sản lượng khách "
            "vượt dự báo, đơn vị vận hành sẽ bổ sung xe và kéo dài giờ chạy đến nửa đêm để phục vụ các chuyến "
            "bay muộn.",
            "Người dân có thể tra cứu lộ trình, giờ chạy và vị trí xe theo thời gian thực trên ứng dụng giao "
            "thông công cộng của thành phố, ứng dụng này cũng cho phép đặt chỗ trước cho nhóm từ năm người "
            "trở lên.",
        ]
    )
    dataset = _write_dataset(
        tmp_path / "set",
        {
            "vn": (
                vn,
                {
                    "articleBody": vn_body,
                    "url": "https://thoisuhathanh.example.vn/giao-thong/xe-buyt-post123456.html",
                    "title": "Hà Nội mở thêm ba tuyến xe buýt điện nối sân bay Nội Bài",
                    "author": "HÀ LINH",
                    "published": "2025-10-12T14:30:00+07:00",
                    "images": [
                        {
                            "caption": "Xe buýt điện chờ khách tại nhà ga T2 sân bay Nội Bài sáng 11/10.",
                            "credit": "Minh Khôi",
                        },
                        {
                            "caption": "Trạm sạc nhanh tại bãi đỗ xe buýt Mỹ Đình có thể sạc đầy một xe "
                            "trong khoảng 90 phút.",
                            "credit": "TTXVN",
                        },
                    ],
                },
            ),
            # A wrong gold title: the field rate must notice it.
            "wp": (
                wp,
                {"articleBody": "", "url": "https://coastalledger.example.com/?p=4812", "title": "Wrong"},
            ),
            "jl": (
                jl,
                {
                    "articleBody": "Jembatan gantung sepanjang 84 meter yang menghubungkan Desa Ngampel dan Desa "
                    "Sumberejo diresmikan pada Kamis pagi.",
                    "url": "https://kabarpesisir.example.id/daerah/jembatan-gantung-lusi",
                    "outlet": "Kabar Pesisir",
                    "language": "id",
                },
            ),
        },
    )
    assert main([str(dataset), "--json", "--workers", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["pages"] == 3
    assert set(report) == {"pages", "kabar", "trafilatura"}
    kabar = report["kabar"]
    assert kabar["recall"] == 1.0  # both non-empty gold texts fully found
    # "wp" has empty gold, so it counts for precision only, where all of its text is extra.
    assert 0 < kabar["precision"] < 1
    assert kabar["fields"] == {
        "title": 0.5,
        "author": 1.0,
        "published": 1.0,
        "outlet": 1.0,
        "language": 1.0,
        "images": 1.0,
    }
    # trafilatura's own metadata is scored on the same fields (it reads no captions, so no image matches).
    assert set(report["trafilatura"]) == {"precision", "recall", "f1", "accuracy", "fields"}
    assert set(report["trafilatura"]["fields"]) == set(kabar["fields"])
    assert all(0.0 <= rate <= 1.0 for rate in report["trafilatura"]["fields"].values())
    assert report["trafilatura"]["fields"]["images"] < 1.0
    assert kabar["f1"] == pytest.approx(
        2 * kabar["precision"] * kabar["recall"] / (kabar["precision"] + kabar["recall"])
    )


def test_table_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html = (FIXTURES / "amp_vi.html").read_text(encoding="utf-8")
    dataset = _write_dataset(
        tmp_path / "one",
        {"amp": (html, {"articleBody": "Sau giai đoạn thử nghiệm", "url": "https://x.example/"})},
    )
    assert main([str(dataset), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "kabar" in out and "trafilatura" in out and "f1" in out


def test_five_real_pages(shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = shared_dir / "bench" / "extraction" / "scrapinghub"
    if not (source / "ground-truth.json").is_file():
        pytest.skip(f"benchmark data not found under {source}")
    truth = json.loads((source / "ground-truth.json").read_text(encoding="utf-8"))
    chosen = sorted(truth)[:5]
    (tmp_path / "html").mkdir()
    for page_id in chosen:
        shutil.copy(source / "html" / f"{page_id}.html.gz", tmp_path / "html")
    (tmp_path / "ground-truth.json").write_text(json.dumps({k: truth[k] for k in chosen}), encoding="utf-8")
    assert main([str(tmp_path), "--json", "--workers", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["pages"] == 5
    for name in ("kabar", "trafilatura"):
        for metric in ("precision", "recall", "f1", "accuracy"):
            assert 0.0 <= report[name][metric] <= 1.0
    assert report["kabar"]["fields"] == {}
    assert report["kabar"]["f1"] > 0.5
