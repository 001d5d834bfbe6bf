"""Search through kabar.search.services on the configured database (SQLite here, PostgreSQL in CI)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabar.core.discover.search import SearchFilters, SearchQuery, SearchResults
from kabar.news.models import Article, Section
from kabar.search import services
from kabar.search.models import SearchDocument

pytestmark = pytest.mark.django_db
TextMaker = Callable[..., Any]
Committed = Callable[[], Any]


def found(text: str, language: str = "vi", **filters: object) -> SearchResults:
    return services.search(SearchQuery(text, language, SearchFilters(**filters)))  # type: ignore[arg-type]


def titles(results: SearchResults) -> list[str]:
    return [h.title_html.replace("<mark>", "").replace("</mark>", "") for h in results.hits]


def test_unaccented_vietnamese_and_d_with_stroke(make_text: TextMaker) -> None:
    make_text("Đường sắt cao tốc Bắc Nam được thông qua", body="Dự án dài 1.541 km qua 20 tỉnh.")
    make_text("Giá vàng hôm nay", body="Vàng miếng tăng mạnh.")
    for typed in ["duong sat", "Đường sắt", "ĐƯỜNG", "đuong", "bac nam"]:
        results = found(typed)
        assert titles(results) == ["Đường sắt cao tốc Bắc Nam được thông qua"], typed
    hit = found("duong").hits[0]
    assert hit.title_html.startswith("<mark>Đường</mark> sắt")


def test_phrase_prefix_and_exclusion(make_text: TextMaker) -> None:
    make_text("Bão số 12 đổ bộ Quảng Ngãi", body="Gió mạnh cấp 12, mưa lớn.")
    make_text("Quảng Ngãi khai trương cảng", body="Cảng mới đón tàu lớn, không có bão.")
    assert titles(found('"bao so 12"')) == ["Bão số 12 đổ bộ Quảng Ngãi"]
    assert sorted(titles(found("quang ngai"))) == sorted(
        ["Bão số 12 đổ bộ Quảng Ngãi", "Quảng Ngãi khai trương cảng"]
    )
    assert titles(found("quang -bao")) == []  # both mention a storm
    assert titles(found("quang -12")) == ["Quảng Ngãi khai trương cảng"]
    assert titles(found("khai*")) == ["Quảng Ngãi khai trương cảng"]


def test_title_outranks_lead_outranks_body(make_text: TextMaker) -> None:
    make_text("Chợ nổi miền Tây", body="Người dân bán sầu riêng trên sông từ sáng sớm đến trưa.")
    make_text("Mùa nước nổi", lead="Sầu riêng rớt giá ở nhiều nơi.", body="Nông dân lo lắng.")
    make_text("Sầu riêng xuất khẩu tăng", body="Kim ngạch tăng mạnh.")
    assert titles(found("sau rieng")) == ["Sầu riêng xuất khẩu tăng", "Mùa nước nổi", "Chợ nổi miền Tây"]


def test_translation_found_in_its_language_one_hit_per_article(make_text: TextMaker) -> None:
    original = make_text("Lũ lịch sử ở Huế", body="Nước sông Hương lên cao.")
    make_text(
        "Historic flood in Hue", body="The Perfume River rose.", language="en", article=original.article
    )
    english = found("flood", "en")
    assert [h.article_id for h in english.hits] == [original.article_id]
    assert english.hits[0].language == "en"
    both = found("hue", "en")  # both texts match: one hit, the reader's language first among equals
    assert both.total == 1 and len(both.hits) == 1 and both.hits[0].language == "en"
    assert found("hue", "vi").hits[0].language == "vi"


def test_filters(make_text: TextMaker) -> None:
    economy = Section.objects.create(slug="kinh-te", names={"vi": "Kinh tế"})
    when = dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)
    make_text("Lãi suất giảm", section=economy, outlet="vnexpress", published=when)
    make_text("Lãi suất tăng", outlet="tuoi-tre", published=when + dt.timedelta(days=5))
    make_text("Interest rates", language="en", outlet="tuoi-tre", published=when)
    assert titles(found("lai suat", section="kinh-te")) == ["Lãi suất giảm"]
    assert titles(found("lai suat", outlet="tuoi-tre")) == ["Lãi suất tăng"]
    assert titles(found("lai suat", since=dt.date(2025, 3, 12))) == ["Lãi suất tăng"]
    assert titles(found("lai suat", until=dt.date(2025, 3, 10))) == ["Lãi suất giảm"]
    assert titles(found("lai suat", since=dt.date(2025, 3, 11), until=dt.date(2025, 3, 14))) == []
    assert titles(found("rates", "en", original_language="en")) == ["Interest rates"]
    assert titles(found("rates", "en", original_language="vi")) == []


def test_unpublished_never_found_and_edits_follow(make_text: TextMaker, committed: Committed) -> None:
    hidden = make_text("Bản nháp bí mật", is_published=False)
    assert found("bi mat").total == 0
    shown = make_text("Bài đã đăng về cầu Long Biên")
    assert found("long bien").total == 1
    with committed():
        shown.is_published = False
        shown.save()
    assert found("long bien").total == 0
    with committed():
        hidden.is_published = True
        hidden.title = "Bản chính thức"
        hidden.save()
    assert titles(found("chinh thuc")) == ["Bản chính thức"] and found("bi mat").total == 0
    with committed():
        hidden.delete()
    assert found("chinh thuc").total == 0
    assert not SearchDocument.objects.exists()


def test_article_changes_and_deletion_follow(make_text: TextMaker, committed: Committed) -> None:
    text = make_text("Cao tốc mới thông xe")
    section = Section.objects.create(slug="giao-thong", names={"vi": "Giao thông"})
    with committed():
        article = Article.objects.get(pk=text.article_id)
        article.section = section
        article.save()
    assert found("cao toc", section="giao-thong").total == 1
    with committed():
        Article.objects.filter(pk=text.article_id).delete()
    assert found("cao toc").total == 0


def test_rolled_back_save_is_not_indexed(make_text: TextMaker, committed: Committed) -> None:
    from django.db import transaction

    text = make_text("Tin đúng")
    with committed():
        try:
            with transaction.atomic():
                text.title = "Tin sai"
                text.save()
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
    assert found("tin sai").total == 0 and found("tin dung").total == 1


def test_markup_in_articles_is_escaped(make_text: TextMaker) -> None:
    make_text("<script>alert(1)</script> Cảnh báo", lead="Cảnh báo <img src=x onerror=alert(1)> lừa đảo")
    hit = found("canh bao").hits[0]
    assert "<script>" not in hit.title_html and "&lt;script&gt;" in hit.title_html
    assert "<img" not in hit.snippet_html and "<mark>Cảnh</mark> <mark>báo</mark>" in hit.snippet_html


def test_pages_and_totals(make_text: TextMaker) -> None:
    for i in range(5):
        make_text(f"Hội nghị thượng đỉnh số {i}")
    first = services.search(SearchQuery("hoi nghi", "vi", per_page=2))
    assert first.total == 5 and len(first.hits) == 2
    last = services.search(SearchQuery("hoi nghi", "vi", page=3, per_page=2))
    assert last.total == 5 and len(last.hits) == 1
    past = services.search(SearchQuery("hoi nghi", "vi", page=9, per_page=2))
    assert past.total == 5 and past.hits == []
    seen = {
        h.article_id
        for p in (1, 2, 3)
        for h in services.search(SearchQuery("hoi nghi", "vi", page=p, per_page=2)).hits
    }
    assert len(seen) == 5


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        '"bão',
        "bão*",
        "NEAR(bão lũ)",
        "-",
        "-bão",
        "((bão",
        "bão)",
        "a" * 10_000,
        "bão\x00lũ",
        "?!",
        "🙂",
        "*",
    ],
)
def test_hostile_queries_never_raise(make_text: TextMaker, typed: str) -> None:
    make_text("Bão và lũ ở miền Trung")
    results = found(typed)
    assert results.hits or results.message or results.total == 0
    if typed in {"-", "?!", "🙂", "*"}:
        assert results.message and results.total == 0
    if typed.startswith("a" * 100):
        assert "300" in results.message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_random_text_never_raises(make_text: TextMaker, typed: str) -> None:
    results = found(typed)
    assert results.total >= 0


def test_messages_are_in_the_readers_language(db: None) -> None:
    from django.utils import translation

    with translation.override("vi"):
        assert "Hãy gõ từ cần tìm" in found("?!").message
    with translation.override("id"):
        assert "tanda minus" in found("-banjir").message
