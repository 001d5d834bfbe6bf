import dataclasses
import datetime as dt
import time
from pathlib import Path

import pytest

from kabar.core.errors import StageError
from kabar.core.pipeline import Pipeline, PipelineLimits, check_publishable
from kabar.core.text.language import LanguageDetector
from kabar.core.types import Fetched, RawDocument
from kabar.core.workers import StagePool

FIXTURES = Path(__file__).parent / "fixtures" / "html"


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline(LanguageDetector(["vi", "en", "id"]))


def test_html_goes_through_extract_clean_and_detect(pipeline):
    html = (FIXTURES / "vn_cms.html").read_text(encoding="utf-8")
    doc = pipeline.process(RawDocument(url="https://bao.example/a.html", content=html))
    assert doc.title and doc.paragraphs and doc.language == "vi"
    assert len(doc.paragraphs) == len(set(doc.paragraphs))


def test_declared_language_that_disagrees_is_flagged(pipeline):
    html = (FIXTURES / "vn_cms.html").read_text(encoding="utf-8")
    doc = pipeline.process(
        RawDocument(url="https://bao.example/a.html", content=html), declared_language="id"
    )
    assert doc.language == "vi"
    assert any(flag.startswith("language-mismatch") for flag in doc.flags)


def test_text_captures_use_the_capture_parser(pipeline, shared_dir):
    text = (shared_dir / "seeds" / "000_37899a9f6d338283.txt").read_text(encoding="utf-8")
    doc = pipeline.process(RawDocument(url="file:///000.txt", content=text, kind="text"))
    assert doc.language == "id" and doc.source_url.startswith("https://nhandan.vn/")
    with pytest.raises(StageError, match="no title"):
        check_publishable(doc)


def test_a_page_without_text_fails_with_a_reason(pipeline):
    with pytest.raises(StageError) as err:
        pipeline.process(
            RawDocument(
                url="https://bao.example/empty.html", content="<html><body><nav>Home</nav></body></html>"
            )
        )
    assert err.value.stage == "extract"


BARE_PAGE = (
    "<html><body><article>"
    + "<p>Hội đồng nhân dân thành phố đã thông qua kế hoạch mở thêm ba tuyến xe buýt điện trong năm tới, "
    "theo thông báo được đưa ra vào chiều nay tại trụ sở.</p>"
    + "<p>Các tuyến mới sẽ nối sân bay với trung tâm và hai khu đô thị phía bắc, với giá vé thấp hơn "
    "nhiều so với taxi, theo ban quản lý dự án.</p>" + "</article></body></html>"
)
FEED_HINTS = {
    "feed": "https://bao.example/rss/giao-thong.rss",
    "title": "Ba tuyến xe buýt điện mới",
    "published": "2025-10-12T00:30:00+00:00",
    "updated": "2025-10-12T03:00:00+00:00",
    "authors": ["Nguyễn Văn An", "Trần Thị Bình"],
    "outlet": "Báo Thử Nghiệm",
    "section": "Giao thông",
    "summary": "Tóm tắt trong feed.",
}


def test_hints_fill_what_the_page_did_not_say(pipeline):
    doc = pipeline.process(RawDocument(url="https://bao.example/a.html", content=BARE_PAGE, hints=FEED_HINTS))
    assert doc.title == "Ba tuyến xe buýt điện mới"
    assert doc.published == dt.datetime(2025, 10, 12, 0, 30, tzinfo=dt.UTC)
    assert doc.updated == dt.datetime(2025, 10, 12, 3, 0, tzinfo=dt.UTC)
    assert doc.authors == ["Nguyễn Văn An", "Trần Thị Bình"]
    # The extractor's last resort is the host name; the publication's own name beats it.
    assert doc.outlet == "Báo Thử Nghiệm"
    assert doc.section == "Giao thông"
    assert not any(flag.startswith("built from the feed") for flag in doc.flags)


def test_what_the_page_says_wins_over_hints(pipeline):
    html = (FIXTURES / "vn_cms.html").read_text(encoding="utf-8")
    url = "https://bao.example/a.html"
    plain = pipeline.process(RawDocument(url=url, content=html))
    hinted = pipeline.process(RawDocument(url=url, content=html, hints=FEED_HINTS))
    assert plain.title and plain.published and plain.authors and plain.outlet and plain.section
    assert plain.updated is None  # the one thing the page does not say
    assert hinted.updated == dt.datetime(2025, 10, 12, 3, 0, tzinfo=dt.UTC)
    assert dataclasses.replace(hinted, updated=None) == plain


def test_unreadable_hints_are_ignored(pipeline):
    hints = {
        "published": "yesterday",
        "updated": 5,
        "authors": "Nguyễn Văn An",
        "title": ["x"],
        "outlet": " ",
    }
    doc = pipeline.process(RawDocument(url="https://bao.example/a.html", content=BARE_PAGE, hints=hints))
    assert doc.published is None and doc.updated is None
    assert doc.authors == ["Nguyễn Văn An"]  # one name given as a string is still a name
    assert doc.title == "" and doc.outlet == "bao.example"


def test_an_article_built_from_the_feed_copy_says_so(pipeline):
    hints = {**FEED_HINTS, "content_source": "feed", "page_error": "HTTP 404 Not Found"}
    doc = pipeline.process(RawDocument(url="https://bao.example/a.html", content=BARE_PAGE, hints=hints))
    assert "built from the feed's copy: HTTP 404 Not Found" in doc.flags

    unfetched = {**FEED_HINTS, "content_source": "feed"}  # pages were not fetched at all
    doc = pipeline.process(RawDocument(url="https://bao.example/a.html", content=BARE_PAGE, hints=unfetched))
    assert "built from the feed's copy" in doc.flags


def test_a_feed_summary_becomes_the_lead_when_the_page_has_none(pipeline):
    summary = "<p>Thành phố  sẽ có <b>ba tuyến</b> xe buýt điện\n mới vào năm tới.</p>"
    hints = {**FEED_HINTS, "summary": summary}
    doc = pipeline.process(RawDocument(url="https://bao.example/a.html", content=BARE_PAGE, hints=hints))
    assert doc.lead == "Thành phố sẽ có ba tuyến xe buýt điện mới vào năm tới."
    assert doc.paragraphs[0].startswith("Hội đồng nhân dân")


@pytest.mark.parametrize(
    "summary",
    [
        "<p>Hội đồng nhân dân thành phố đã <i>thông qua</i> kế hoạch mở thêm ba tuyến xe buýt điện…</p>",
        "Hội đồng nhân dân thành phố đã thông qua kế hoạch mở thêm ba tuyến xe buýt điện trong năm tới, "
        "theo thông báo được đưa ra vào chiều nay tại trụ sở. Đọc thêm.",
    ],
    ids=["summary-opens-the-body", "body-opens-the-summary"],
)
def test_a_feed_summary_that_repeats_the_opening_is_not_a_lead(pipeline, summary):
    hints = {**FEED_HINTS, "summary": summary}
    doc = pipeline.process(RawDocument(url="https://bao.example/a.html", content=BARE_PAGE, hints=hints))
    assert doc.lead == ""
    assert doc.paragraphs[0].startswith("Hội đồng nhân dân") and len(doc.paragraphs) == 2


@pytest.fixture(scope="module")
def pooled(pipeline):
    with StagePool(2) as pool:
        yield Pipeline(pipeline.detector, PipelineLimits(extract_timeout=5, clean_timeout=5), stages=pool)


def test_worker_processes_give_the_same_document_as_this_process(pipeline, pooled):
    html = (FIXTURES / "vn_cms.html").read_text(encoding="utf-8")
    fetched = Fetched(
        url="https://bao.example/a.html",
        final_url="https://bao.example/a.html",
        status=200,
        content=html.encode("utf-8"),
        text=html,
        encoding="utf-8",
        content_type="text/html",
    )
    raw = RawDocument(
        url="https://bao.example/a.html", content=html, fetched=fetched, hints={"section": "Xã hội"}
    )
    assert pooled.process(raw, declared_language="vi") == pipeline.process(raw, declared_language="vi")


def test_documents_in_flight_finish_independently(pooled):
    html = (FIXTURES / "vn_cms.html").read_text(encoding="utf-8")
    empty = RawDocument(
        url="https://bao.example/empty.html", content="<html><body><nav>Home</nav></body></html>"
    )
    good = RawDocument(url="https://bao.example/a.html", content=html)
    futures = [pooled.submit(raw) for raw in (good, empty, good)]
    with pytest.raises(StageError) as err:
        pooled.finish(futures[1], empty)
    assert err.value.stage == "extract"
    assert pooled.finish(futures[0], good).language == pooled.finish(futures[2], good).language == "vi"


def test_a_capture_with_one_line_of_two_megabytes_finishes_in_time(pooled, shared_dir):
    # Regression: one long word made the clean stage quadratic (hours for this line), and
    # the regex held the GIL, so the thread-based time limit never fired.
    seed = (shared_dir / "seeds" / "001_db531604993b4b5d.txt").read_text(encoding="utf-8")
    for line in ("a" * 1_900_000, ("Hà Nội mở thêm tuyến buýt " * 80_000)[:1_900_000]):
        text = seed.replace("\n", f"\n{line}\n", 1)
        started = time.monotonic()
        doc = pooled.process(RawDocument(url="file:///long.txt", content=text, kind="text"))
        assert time.monotonic() - started < 10
        assert doc.paragraphs
