"""Sitemaps as a crawler reads them: the index, per-language article sitemaps, pages, Google News.

The XML is parsed with lxml and read through its namespaces, never matched as text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from django.utils.http import http_date
from factories import make_article, make_media, make_outlet, make_section, make_text
from lxml import etree

from kabar.news.models import Article, ArticleText, Outlet
from kabar.syndication import sitemaps

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
SITE = settings.SITE_URL
PHOTO = "https://img.tuoitre.example/2025/ha-noi-metro.jpg"


@dataclass
class Entry:
    loc: str
    lastmod: str | None
    alternates: dict[str, str] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)


def parse(content: bytes) -> etree._Element:
    return etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False, no_network=True))


def fetch(client: Client, path: str) -> etree._Element:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert response["Content-Type"].startswith("application/xml")
    return parse(response.content)


def entries(root: etree._Element) -> dict[str, Entry]:
    found = {}
    for url in root.findall("sm:url", NS):
        loc = url.findtext("sm:loc", namespaces=NS)
        alternates: dict[str, str] = {}
        for link in url.findall("xhtml:link", NS):
            assert link.get("rel") == "alternate"
            assert link.get("hreflang") not in alternates, f"{loc}: hreflang {link.get('hreflang')} twice"
            alternates[link.get("hreflang")] = link.get("href")
        images = [i.findtext("image:loc", namespaces=NS) for i in url.findall("image:image", NS)]
        assert loc not in found, f"{loc} listed twice"
        found[loc] = Entry(loc, url.findtext("sm:lastmod", namespaces=NS), alternates, images)
    return found


def article_entries(client: Client) -> dict[str, Entry]:
    found: dict[str, Entry] = {}
    for code in ("vi", "en", "id"):
        found.update(entries(fetch(client, f"/sitemap-articles-{code}.xml")))
    return found


def url_of(text: ArticleText) -> str:
    when = timezone.localtime(text.article.published_at)
    return f"{SITE}/{text.language}/{when:%Y}/{when:%m}/{text.slug}/"


@dataclass
class Newsroom:
    outlet: Outlet
    metro: Article  # vi original, en machine, id human: 2 hours old, two pictures
    metro_texts: dict[str, ArticleText]
    old: Article  # vi only (its en text is not published): 3 days old
    old_vi: ArticleText
    english: Article  # an English original with a Vietnamese translation: 10 hours old
    english_texts: dict[str, ArticleText]
    french: Article  # a French original (not a site language) read in vi and en
    french_texts: dict[str, ArticleText]


@pytest.fixture
def newsroom(db) -> Newsroom:
    now = timezone.now()
    outlet = make_outlet(name="Tuổi Trẻ", language="vi", slug="tuoi-tre")
    city = make_section("do-thi", {"vi": "Đô thị", "en": "City", "id": "Kota"}, position=1)
    sport = make_section("the-thao", {"vi": "Thể thao", "en": "Sport", "id": "Olahraga"}, position=2)
    make_section("giai-tri", {"vi": "Giải trí", "en": "Entertainment", "id": "Hiburan"}, position=3)

    metro = make_article(outlet=outlet, section=city, published_at=now - dt.timedelta(hours=2))
    # As ingestion stores them: a downloaded picture, one kept at the outlet, a capture's caption-only photo.
    make_media(metro, url="", image="media/2025/10/ga-cat-linh.jpg", width=1200, height=800)
    make_media(metro, url=PHOTO, captions={"vi": "Tàu metro"})
    make_media(metro, url="", captions={"vi": "Ảnh chỉ có chú thích"})
    metro_texts = {
        "vi": make_text(
            metro,
            "vi",
            title="Metro Hà Nội & Bến Thành <chạy thử>",
            slug="metro-ha-noi",
            blocks=[
                {"type": "paragraph", "text": "Tuyến metro chạy thử."},
                {"type": "image", "src": "/media/media/2025/10/ga-cat-linh.jpg", "caption": "Ga Cát Linh"},
                {"type": "image", "src": PHOTO, "caption": "Tàu metro"},
            ],
        ),
        "en": make_text(metro, "en", title="Hanoi metro test run", slug="hanoi-metro"),
        "id": make_text(
            metro, "id", status=ArticleText.Status.HUMAN, title="Uji coba metro", slug="metro-hanoi"
        ),
    }
    old = make_article(outlet=outlet, section=sport, published_at=now - dt.timedelta(days=3))
    old_vi = make_text(old, "vi", title="Bóng đá", slug="bong-da")
    make_text(old, "en", title="Football", slug="football", is_published=False)

    english = make_article(
        outlet=make_outlet(name="VnExpress International", language="en"),
        section=city,
        source_language="en",
        published_at=now - dt.timedelta(hours=10),
    )
    english_texts = {
        "en": make_text(english, "en", title="Floods in Hue", slug="floods-in-hue"),
        "vi": make_text(english, "vi", title="Lũ ở Huế", slug="lu-o-hue"),
    }
    french = make_article(
        outlet=make_outlet(name="Le Courrier du Vietnam", language="fr"),
        source_language="fr",
        published_at=now - dt.timedelta(days=5),
    )
    make_text(french, "fr", title="Le Têt à Hanoï", slug="le-tet-a-hanoi")
    french_texts = {
        "vi": make_text(french, "vi", title="Tết ở Hà Nội", slug="tet-o-ha-noi"),
        "en": make_text(french, "en", title="Tet in Hanoi", slug="tet-in-hanoi"),
    }
    return Newsroom(outlet, metro, metro_texts, old, old_vi, english, english_texts, french, french_texts)


def test_the_index_lists_every_sitemap_under_the_site_url_with_a_lastmod(client: Client, newsroom: Newsroom):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert "noindex" in response["X-Robots-Tag"]
    root = parse(response.content)
    assert root.tag == f"{{{NS['sm']}}}sitemapindex"
    listed = {s.findtext("sm:loc", namespaces=NS): s.findtext("sm:lastmod", namespaces=NS) for s in root}
    assert list(listed) == [
        f"{SITE}/sitemap-pages.xml",
        f"{SITE}/sitemap-articles-vi.xml",
        f"{SITE}/sitemap-articles-en.xml",
        f"{SITE}/sitemap-articles-id.xml",
        f"{SITE}/sitemap-news.xml",
    ]
    for loc, lastmod in listed.items():
        assert lastmod, f"{loc} has no lastmod"
        assert dt.datetime.fromisoformat(lastmod).tzinfo is not None
    # The English sitemap's lastmod is its newest English text's.
    newest_en = max(t.modified_at for t in ArticleText.objects.filter(language="en", is_published=True))
    assert dt.datetime.fromisoformat(listed[f"{SITE}/sitemap-articles-en.xml"]) == newest_en.replace(
        microsecond=0
    )


def test_locations_come_from_the_site_url_not_from_the_host_asked(client: Client, newsroom: Newsroom):
    root = fetch(Client(HTTP_HOST="localhost"), "/sitemap-articles-vi.xml")
    assert url_of(newsroom.metro_texts["vi"]) in entries(root)
    assert all(loc.startswith(SITE + "/vi/") for loc in entries(root))


def test_each_language_sitemap_lists_that_languages_published_texts(client: Client, newsroom: Newsroom):
    vi = entries(fetch(client, "/sitemap-articles-vi.xml"))
    en = entries(fetch(client, "/sitemap-articles-en.xml"))
    ids = entries(fetch(client, "/sitemap-articles-id.xml"))
    assert set(vi) == {
        url_of(t)
        for t in (
            newsroom.metro_texts["vi"],
            newsroom.old_vi,
            newsroom.english_texts["vi"],
            newsroom.french_texts["vi"],
        )
    }
    # The unpublished English text of the old article is not listed; the French original has no site language.
    assert set(en) == {
        url_of(t)
        for t in (newsroom.metro_texts["en"], newsroom.english_texts["en"], newsroom.french_texts["en"])
    }
    assert set(ids) == {url_of(newsroom.metro_texts["id"])}
    # Oldest first, so that a later page keeps its URLs as articles arrive.
    assert list(vi)[0] == url_of(newsroom.french_texts["vi"])
    assert list(vi)[-1] == url_of(newsroom.metro_texts["vi"])


def test_hreflang_alternates_are_reciprocal_and_name_only_published_languages(
    client: Client, newsroom: Newsroom
):
    found = article_entries(client)
    for loc, entry in found.items():
        languages = set(entry.alternates) - {"x-default"}
        assert languages <= {"vi", "en", "id"}
        assert "x-default" in entry.alternates, f"{loc} has no x-default"
        # The entry names itself, in its own language.
        own_language = loc.removeprefix(SITE + "/").split("/")[0]
        assert entry.alternates[own_language] == loc
        for language, href in entry.alternates.items():
            # Each alternate is itself listed, and lists the very same set back.
            assert href in found, f"{loc} names {href}, which no sitemap lists"
            assert found[href].alternates == entry.alternates, f"{loc} and {href} disagree"
            if language != "x-default":
                assert href.removeprefix(SITE + "/").startswith(f"{language}/")

    metro = found[url_of(newsroom.metro_texts["en"])].alternates
    assert metro == {
        "vi": url_of(newsroom.metro_texts["vi"]),
        "en": url_of(newsroom.metro_texts["en"]),
        "id": url_of(newsroom.metro_texts["id"]),
        "x-default": url_of(newsroom.metro_texts["vi"]),  # the original
    }
    # One published language: only itself and x-default, never the unpublished English text.
    assert found[url_of(newsroom.old_vi)].alternates == {
        "vi": url_of(newsroom.old_vi),
        "x-default": url_of(newsroom.old_vi),
    }
    # x-default is the original, in whatever language it is.
    assert found[url_of(newsroom.english_texts["vi"])].alternates["x-default"] == url_of(
        newsroom.english_texts["en"]
    )
    # An original in no site language: x-default is the first site language's version, the same from both.
    assert found[url_of(newsroom.french_texts["en"])].alternates["x-default"] == url_of(
        newsroom.french_texts["vi"]
    )


def test_unpublishing_a_translation_takes_it_out_of_every_alternate_set(client: Client, newsroom: Newsroom):
    newsroom.metro_texts["id"].is_published = False
    newsroom.metro_texts["id"].save()
    found = article_entries(client)
    assert url_of(newsroom.metro_texts["id"]) not in found
    assert set(found[url_of(newsroom.metro_texts["vi"])].alternates) == {"vi", "en", "x-default"}


def test_article_entries_carry_their_images_and_lastmod(client: Client, newsroom: Newsroom):
    vi = entries(fetch(client, "/sitemap-articles-vi.xml"))
    metro = vi[url_of(newsroom.metro_texts["vi"])]
    # The stored picture (made absolute) and the outlet's; a caption-only capture photo is no image.
    assert metro.images == [f"{SITE}/media/media/2025/10/ga-cat-linh.jpg", PHOTO]
    # Translations show the same pictures.
    en = entries(fetch(client, "/sitemap-articles-en.xml"))[url_of(newsroom.metro_texts["en"])]
    assert en.images == metro.images
    assert vi[url_of(newsroom.old_vi)].images == []
    assert metro.lastmod is not None
    assert dt.datetime.fromisoformat(metro.lastmod) == newsroom.metro_texts["vi"].modified_at.replace(
        microsecond=0
    )


def test_titles_and_urls_are_escaped_as_xml(client: Client, newsroom: Newsroom):
    news = fetch(client, "/sitemap-news.xml")
    titles = [t.text for t in news.iterfind(".//news:title", NS)]
    assert "Metro Hà Nội & Bến Thành <chạy thử>" in titles


def test_pages_sitemap_lists_home_in_every_language_and_sections_where_they_have_articles(
    client: Client, newsroom: Newsroom
):
    found = entries(fetch(client, "/sitemap-pages.xml"))
    home = {"vi": f"{SITE}/vi/", "en": f"{SITE}/en/", "id": f"{SITE}/id/"}
    for url in home.values():
        assert found[url].alternates == {**home, "x-default": f"{SITE}/"}
        assert found[url].lastmod
    city = {code: f"{SITE}/{code}/do-thi/" for code in ("vi", "en", "id")}
    for url in city.values():
        assert found[url].alternates == {**city, "x-default": city["vi"]}
    # Sport has a Vietnamese article only; entertainment has none: no empty lists in the sitemap.
    assert found[f"{SITE}/vi/the-thao/"].alternates == {
        "vi": f"{SITE}/vi/the-thao/",
        "x-default": f"{SITE}/vi/the-thao/",
    }
    assert f"{SITE}/en/the-thao/" not in found
    assert not [loc for loc in found if "giai-tri" in loc]
    assert len(found) == 3 + 3 + 1
    # Each listed page answers.
    for loc in found:
        assert client.get(loc.removeprefix(SITE)).status_code == 200, loc


def test_every_listed_article_url_answers(client: Client, newsroom: Newsroom):
    for loc in article_entries(client):
        assert client.get(loc.removeprefix(SITE)).status_code == 200, loc


def test_news_sitemap_has_the_last_48_hours_with_publication_details(client: Client, newsroom: Newsroom):
    response = client.get("/sitemap-news.xml")
    assert response.status_code == 200
    root = parse(response.content)
    urls = {u.findtext("sm:loc", namespaces=NS): u for u in root.findall("sm:url", NS)}
    recent = [*newsroom.metro_texts.values(), *newsroom.english_texts.values()]
    assert set(urls) == {url_of(t) for t in recent}  # not the 3- and 5-day-old articles
    for text in recent:
        news = urls[url_of(text)].find("news:news", NS)
        assert news.findtext("news:publication/news:name", namespaces=NS) == "kabar"
        assert news.findtext("news:publication/news:language", namespaces=NS) == text.language
        assert news.findtext("news:title", namespaces=NS) == text.title
        published = dt.datetime.fromisoformat(news.findtext("news:publication_date", namespaces=NS))
        assert published == text.article.published_at.replace(microsecond=0)
    # Newest first.
    assert list(urls)[-1] in {url_of(t) for t in newsroom.english_texts.values()}
    metro = urls[url_of(newsroom.metro_texts["vi"])]
    assert [i.text for i in metro.iterfind("image:image/image:loc", NS)][-1] == PHOTO
    assert response["Cache-Control"] == f"public, max-age={sitemaps.NEWS_MAX_AGE}"


def test_news_sitemap_names_the_site_as_it_calls_itself(client: Client, newsroom: Newsroom, settings):
    settings.SITE_NAME = "Kabar Tin Tức"
    root = fetch(client, "/sitemap-news.xml")
    assert {n.text for n in root.iterfind(".//news:publication/news:name", NS)} == {"Kabar Tin Tức"}


def test_news_window_is_48_hours(client: Client, db):
    now = timezone.now()
    inside = make_article(published_at=now - dt.timedelta(hours=47, minutes=50))
    outside = make_article(published_at=now - dt.timedelta(hours=48, minutes=10))
    inside_vi, outside_vi = make_text(inside, "vi"), make_text(outside, "vi")
    locs = {u.text for u in fetch(client, "/sitemap-news.xml").iterfind("sm:url/sm:loc", NS)}
    assert locs == {url_of(inside_vi)}
    assert url_of(outside_vi) not in locs


def test_news_sitemap_stops_at_1000_urls_keeping_the_newest(client: Client, db):
    now = timezone.now()
    outlet = make_outlet()
    articles = Article.objects.bulk_create(
        Article(
            outlet=outlet,
            source_url=f"https://news.example/{n}.html",
            source_language="vi",
            published_at=now - dt.timedelta(minutes=n),
        )
        for n in range(1005)
    )
    ArticleText.objects.bulk_create(
        ArticleText(
            article=a,
            language="vi",
            title=f"Tin {n}",
            slug=f"tin-{n}",
            status=ArticleText.Status.ORIGINAL,
            blocks=[],
        )
        for n, a in enumerate(articles)
    )
    root = fetch(client, "/sitemap-news.xml")
    titles = [t.text for t in root.iterfind(".//news:title", NS)]
    assert len(titles) == 1000
    assert titles[0] == "Tin 0"
    assert titles[-1] == "Tin 999"  # the five oldest are left out
    # One page: the index lists no ?p=2 for the news sitemap.
    index = fetch(client, "/sitemap.xml")
    assert [loc.text for loc in index.iterfind("sm:sitemap/sm:loc", NS) if "news" in loc.text] == [
        f"{SITE}/sitemap-news.xml"
    ]


def test_large_sitemaps_are_paginated_and_the_index_lists_each_page(
    client: Client, newsroom: Newsroom, monkeypatch
):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 3)  # ARTICLES_PER_PAGE, made small
    index = [loc.text for loc in fetch(client, "/sitemap.xml").iterfind("sm:sitemap/sm:loc", NS)]
    assert f"{SITE}/sitemap-articles-vi.xml" in index
    assert f"{SITE}/sitemap-articles-vi.xml?p=2" in index
    assert f"{SITE}/sitemap-articles-vi.xml?p=3" not in index
    assert f"{SITE}/sitemap-articles-id.xml?p=2" not in index
    first = entries(fetch(client, "/sitemap-articles-vi.xml"))
    second = entries(fetch(client, "/sitemap-articles-vi.xml?p=2"))
    assert len(first) == 3 and len(second) == 1
    assert not set(first) & set(second)
    assert client.get("/sitemap-articles-vi.xml?p=3").status_code == 404
    assert client.get("/sitemap-articles-vi.xml?p=two").status_code == 404


def test_unknown_sitemaps_are_404(client: Client, newsroom: Newsroom):
    assert client.get("/sitemap-articles-fr.xml").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_sitemaps_are_cacheable_and_answer_conditional_requests(client: Client, newsroom: Newsroom):
    response = client.get("/sitemap-articles-vi.xml")
    assert response["Cache-Control"] == f"public, max-age={sitemaps.SITEMAP_MAX_AGE}"
    # The newest change among the language versions (published or not) of the articles in Vietnamese.
    versions = ArticleText.objects.filter(
        article__in=Article.objects.filter(texts__language="vi"), language__in=["vi", "en", "id"]
    )
    newest = max(t.modified_at for t in versions)
    assert response["Last-Modified"] == http_date(newest.replace(microsecond=0).timestamp())
    again = client.get("/sitemap-articles-vi.xml", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert again.status_code == 304
    assert client.post("/sitemap.xml").status_code == 405


def test_an_empty_site_has_valid_empty_sitemaps(client: Client, db):
    index = fetch(client, "/sitemap.xml")
    assert len(index.findall("sm:sitemap", NS)) == 5
    assert entries(fetch(client, "/sitemap-articles-vi.xml")) == {}
    assert fetch(client, "/sitemap-news.xml").findall("sm:url", NS) == []
    # The home pages are there from the start.
    assert set(entries(fetch(client, "/sitemap-pages.xml"))) == {f"{SITE}/vi/", f"{SITE}/en/", f"{SITE}/id/"}


def test_queries_do_not_grow_with_the_number_of_articles(
    client: Client, newsroom: Newsroom, django_assert_max_num_queries
):
    for n in range(10):
        article = make_article(published_at=timezone.now() - dt.timedelta(hours=n))
        make_text(article, "vi")
        make_text(article, "en")
        make_media(article)
    with django_assert_max_num_queries(8):
        client.get("/sitemap-articles-vi.xml")
    with django_assert_max_num_queries(8):
        client.get("/sitemap-news.xml")


def test_sitemap_urls_follow_the_models_own_url_rule(newsroom: Newsroom):
    # The sitemap builds URLs from values (no model rows): the same as get_absolute_url, in each
    # language, across a month boundary in local time (23:30 UTC on the 31st is the 1st in Hanoi).
    late = make_article(published_at=dt.datetime(2025, 10, 31, 23, 30, tzinfo=dt.UTC))
    texts = [make_text(late, "vi", slug="cuoi-thang"), make_text(late, "en", slug="month-end")]
    texts += [*newsroom.metro_texts.values(), *newsroom.english_texts.values()]
    rows = [
        sitemaps.TextRow(
            t.pk, t.article_id, t.language, t.slug, t.status, t.modified_at, t.article.published_at
        )
        for t in texts
    ]
    urls = sitemaps.ArticleLinks.of(rows).urls
    for text in texts:
        with translation.override(text.language):
            assert urls[text.pk] == SITE + text.get_absolute_url()
    assert urls[texts[0].pk] == f"{SITE}/vi/2025/11/cuoi-thang/"


def test_a_control_character_in_a_title_leaves_the_news_sitemap_well_formed(
    client: Client, newsroom: Newsroom
):
    # Pasted from a partner's CMS: XML 1.0 cannot carry these, and one bad title must not make
    # Google reject every URL of the sitemap.
    text = newsroom.metro_texts["en"]
    ArticleText.objects.filter(pk=text.pk).update(title="Metro\x0b test\x01 run ]]> \ufffe<b>")
    root = fetch(client, "/sitemap-news.xml")  # parses: no invalid character reached the XML
    titles = {t.text for t in root.iterfind(".//news:title", NS)}
    assert "Metro test run ]]> <b>" in titles


def test_a_full_article_sitemap_page_stays_under_the_50_mb_limit(client: Client, db):
    # sitemaps.org and Google refuse a sitemap over 50 MB uncompressed. An article URL is long:
    # the slug (up to 200 characters) four times over (the page, three alternates and x-default)
    # and every picture. Measured on articles of that shape, a page of ``limit`` URLs must fit.
    published = timezone.now() - dt.timedelta(days=30)
    for n in range(5):
        article = make_article(published_at=published + dt.timedelta(minutes=n))
        for code in ("vi", "en", "id"):
            make_text(article, code, slug=f"{code}{n}-" + "tieu-de-rat-dai-" * 11)
        for m in range(12):
            make_media(
                article, url=f"https://anh.bao-doi-tac.example/2025/10/{n}/{m}/" + "anh-" * 20 + ".jpg"
            )
    response = client.get("/sitemap-articles-vi.xml")
    assert len(entries(parse(response.content))) == 5
    per_url = len(response.content) / 5
    assert sitemaps.ArticleSitemap.limit * per_url < 50 * 1024 * 1024


@pytest.mark.parametrize("language", ["id", "vi"])
def test_unpublishing_a_version_is_no_304_for_the_sitemaps_that_listed_it(
    client: Client, newsroom: Newsroom, language: str
):
    # Unpublishing the Indonesian translation changes the Vietnamese entry's alternates;
    # unpublishing the Vietnamese original takes its entry out. Neither changes a published
    # Vietnamese text, and a crawler revalidating must still get the new sitemap, not a 304.
    ArticleText.objects.update(modified_at=timezone.now() - dt.timedelta(hours=1))  # whole seconds apart
    before = client.get("/sitemap-articles-vi.xml")["Last-Modified"]
    index_before = {e.loc: e.lastmod for e in _index_entries(client)}
    text = newsroom.metro_texts[language]
    text.is_published = False
    text.save()
    response = client.get("/sitemap-articles-vi.xml", HTTP_IF_MODIFIED_SINCE=before)
    assert response.status_code == 200
    found = entries(parse(response.content))
    if language == "id":
        assert "id" not in found[url_of(newsroom.metro_texts["vi"])].alternates
    else:
        assert url_of(text) not in found
    index_after = {e.loc: e.lastmod for e in _index_entries(client)}
    assert index_after[f"{SITE}/sitemap-articles-vi.xml"] != index_before[f"{SITE}/sitemap-articles-vi.xml"]


def _index_entries(client: Client) -> list[Entry]:
    root = fetch(client, "/sitemap.xml")
    return [
        Entry(s.findtext("sm:loc", namespaces=NS), s.findtext("sm:lastmod", namespaces=NS))
        for s in root.findall("sm:sitemap", NS)
    ]
