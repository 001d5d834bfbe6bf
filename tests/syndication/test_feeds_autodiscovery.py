"""Every reader page names its feeds in its head, its own first; each link leads to a feed that parses."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup
from django.template.loader import render_to_string
from django.utils import translation
from factories import make_article, make_author, make_outlet, make_section, make_text

from kabar.news.models import Story
from kabar.site import queries
from kabar.site.article_page import article_context
from kabar.stories.models import StoryMembership

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC)
SITE = "http://127.0.0.1:8000"
RSS, ATOM = "application/rss+xml", "application/atom+xml"


@pytest.fixture
def site():
    outlet = make_outlet(name="Tuổi Trẻ", language="vi")
    section = make_section("kinh-te", {"vi": "Kinh tế", "en": "Business", "id": "Ekonomi"})
    lan = make_author("Lan Phạm", outlet=outlet, slug="lan-pham")
    minh = make_author("Minh Trần", outlet=outlet, slug="minh-tran")
    article = make_article(outlet=outlet, section=section, authors=[lan, minh], published_at=NOW)
    make_text(article, "vi", title="Giá lúa tăng", slug="gia-lua-tang")
    make_text(article, "en", title="Rice prices rise", slug="rice-prices-rise")
    other = make_article(outlet=outlet, section=section, published_at=NOW - dt.timedelta(hours=1))
    make_text(other, "vi", title="Lúa gạo xuất khẩu", slug="lua-gao-xuat-khau")
    story = Story.objects.create(labels={"vi": "Giá lúa 2025", "en": "Rice prices 2025"})
    StoryMembership.objects.create(article=article, story=story)
    StoryMembership.objects.create(article=other, story=story)
    return {"story": story}


def feed_links(client, path: str) -> list[tuple[str, str, str]]:
    """(type, title, href) of every feed link in the page's head, in order."""
    response = client.get(path)
    assert response.status_code in {200, 404}, (path, response.status_code)
    head = BeautifulSoup(response.content.decode(), "html.parser").head
    links = [
        (link["type"], link["title"], link["href"])
        for link in head.find_all("link", rel="alternate")
        if link.get("type") in {RSS, ATOM}
    ]
    assert not BeautifulSoup(response.content.decode(), "html.parser").body.find_all(
        "link", type=[RSS, ATOM]
    ), "feed links belong in the head"
    return links


def hrefs(links: list[tuple[str, str, str]]) -> list[str]:
    return [href.removeprefix(SITE) for _type, _title, href in links]


def assert_each_leads_to_a_feed(client, links: list[tuple[str, str, str]]) -> None:
    for kind, title, href in links:
        response = client.get(urlsplit(href).path)
        assert response.status_code == 200, href
        assert response["Content-Type"].startswith(kind), href
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (href, parsed.get("bozo_exception"))
        # The link's title is the feed's own title, with its format.
        assert title == f"{parsed.feed.title} ({'RSS' if kind == RSS else 'Atom'})"


def test_home_page_offers_the_sites_feeds(client, site):
    links = feed_links(client, "/vi/")
    assert links == [
        (RSS, "kabar (RSS)", f"{SITE}/vi/feeds/rss.xml"),
        (ATOM, "kabar (Atom)", f"{SITE}/vi/feeds/atom.xml"),
    ]
    assert_each_leads_to_a_feed(client, links)
    assert hrefs(feed_links(client, "/en/")) == ["/en/feeds/rss.xml", "/en/feeds/atom.xml"]


def test_section_page_offers_its_own_feed_first(client, site):
    links = feed_links(client, "/en/kinh-te/")
    assert links[:2] == [
        (RSS, "Business · kabar (RSS)", f"{SITE}/en/feeds/section/kinh-te/rss.xml"),
        (ATOM, "Business · kabar (Atom)", f"{SITE}/en/feeds/section/kinh-te/atom.xml"),
    ]
    assert hrefs(links)[2:] == ["/en/feeds/rss.xml", "/en/feeds/atom.xml"]
    assert_each_leads_to_a_feed(client, links)


def test_author_page_offers_the_authors_feed(client, site):
    links = feed_links(client, "/vi/author/lan-pham/")
    assert hrefs(links) == [
        "/vi/feeds/author/lan-pham/rss.xml",
        "/vi/feeds/author/lan-pham/atom.xml",
        "/vi/feeds/rss.xml",
        "/vi/feeds/atom.xml",
    ]
    assert links[0][1] == "Bài viết của Lan Phạm · kabar (RSS)"
    assert_each_leads_to_a_feed(client, links)


def test_story_page_offers_the_storys_feed(client, site):
    pk = site["story"].pk
    links = feed_links(client, f"/en/story/{pk}/")
    assert hrefs(links)[:2] == [f"/en/feeds/story/{pk}/rss.xml", f"/en/feeds/story/{pk}/atom.xml"]
    assert links[0][1] == "Story: Rice prices 2025 · kabar (RSS)"
    assert_each_leads_to_a_feed(client, links)


def test_article_page_offers_its_section_authors_and_story_feeds(client, site):
    pk = site["story"].pk
    links = feed_links(client, "/vi/2025/10/gia-lua-tang/")
    assert hrefs(links) == [
        "/vi/feeds/section/kinh-te/rss.xml",
        "/vi/feeds/section/kinh-te/atom.xml",
        "/vi/feeds/author/lan-pham/rss.xml",
        "/vi/feeds/author/lan-pham/atom.xml",
        "/vi/feeds/author/minh-tran/rss.xml",
        "/vi/feeds/author/minh-tran/atom.xml",
        f"/vi/feeds/story/{pk}/rss.xml",
        f"/vi/feeds/story/{pk}/atom.xml",
        "/vi/feeds/rss.xml",
        "/vi/feeds/atom.xml",
    ]
    # Each feed an article page offers holds that article.
    for path in hrefs(links):
        titles = [e.title for e in feedparser.parse(client.get(path).content).entries]
        assert "Giá lúa tăng" in titles, path


def test_an_article_without_section_authors_or_story_offers_the_sites_feed(client, site):
    lone = make_article(published_at=NOW)
    make_text(lone, "vi", slug="mot-minh")
    assert hrefs(feed_links(client, "/vi/2025/10/mot-minh/")) == ["/vi/feeds/rss.xml", "/vi/feeds/atom.xml"]


def test_search_and_not_found_pages_offer_the_sites_feed(client, site):
    assert hrefs(feed_links(client, "/id/search/?q=lua")) == ["/id/feeds/rss.xml", "/id/feeds/atom.xml"]
    assert hrefs(feed_links(client, "/vi/no-such-section/")) == ["/vi/feeds/rss.xml", "/vi/feeds/atom.xml"]


def test_the_feed_links_cost_no_query(rf, site, django_assert_num_queries):
    """The links come from what the page's view already loaded (tests/site keep the pages' budgets)."""
    text = queries.article_text("vi", "gia-lua-tang")
    context = article_context(text)
    request = rf.get("/vi/2025/10/gia-lua-tang/")
    with translation.override("vi"), django_assert_num_queries(0):
        html = render_to_string("syndication/_feed_links.html", context, request=request)
    assert html.count('rel="alternate"') == 10


@pytest.mark.parametrize("labelled", [True, False])
def test_an_article_pages_feed_links_are_titled_as_the_feeds_they_lead_to(client, site, labelled):
    # A reader subscribes by the link's title and then sees the feed's: the story's must be the
    # story's name (the editors' label, else its first article's title), not this article's title.
    if not labelled:
        Story.objects.filter(pk=site["story"].pk).update(labels={})
    for type_, title, href in feed_links(client, "/vi/2025/10/gia-lua-tang/"):
        feed = feedparser.parse(client.get(urlsplit(href).path).content).feed
        assert title == f"{feed.title} ({'RSS' if type_ == RSS else 'Atom'})", href
