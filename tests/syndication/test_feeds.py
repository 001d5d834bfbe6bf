"""RSS and Atom feeds: parsed with lxml (the XML as written) and feedparser (as a feed reader reads it)."""

from __future__ import annotations

import datetime as dt
import io

import feedparser
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from factories import make_article, make_author, make_media, make_outlet, make_section, make_text
from lxml import etree
from PIL import Image

from kabar.news.models import ArticleText, Media, Story
from kabar.stories.models import StoryMembership
from kabar.syndication.feed_entries import MAX_ITEMS

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC)
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
}
ORIGINAL_URL = "https://tuoitre.example/kinh-te/gia-lua-tang.html"


def jpeg(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def newsroom():
    """One article in Vietnamese (original) and English (machine), with two authors, a section and a photo."""
    outlet = make_outlet(name="Tuổi Trẻ", language="vi", home_url="https://tuoitre.example/")
    section = make_section("kinh-te", {"vi": "Kinh tế", "en": "Business", "id": "Ekonomi"})
    lan = make_author("Lan Phạm", outlet=outlet, slug="lan-pham")
    minh = make_author("Minh Trần", outlet=outlet, slug="minh-tran")
    article = make_article(
        outlet=outlet, section=section, authors=[lan, minh], published_at=NOW, source_url=ORIGINAL_URL
    )
    vi = make_text(
        article, "vi", title="Giá lúa tăng", lead="Giá lúa tăng mạnh ở miền Tây.", slug="gia-lua-tang"
    )
    en = make_text(
        article, "en", title="Rice prices rise", lead="Rice prices rose sharply.", slug="rice-prices-rise"
    )
    photo = Media(
        article=article, captions={"vi": "Cánh đồng lúa", "en": "A rice field"}, credit="Ảnh: TTXVN"
    )
    photo.image.save("lua.jpg", ContentFile(jpeg()), save=True)
    older = make_article(outlet=outlet, published_at=NOW - dt.timedelta(hours=3))
    make_text(older, "vi", title="Tin cũ hơn", slug="tin-cu-hon")
    return {"article": article, "vi": vi, "en": en, "photo": photo, "older": older, "section": section}


def rss(client, path: str) -> etree._Element:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    return etree.fromstring(response.content)


def atom(client, path: str) -> etree._Element:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return etree.fromstring(response.content)


def read(client, path: str) -> feedparser.FeedParserDict:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_rss_item_carries_guid_image_authors_category_and_credits(client, newsroom):
    channel = rss(client, "/vi/feeds/rss.xml").find("channel")
    assert channel.findtext("language") == "vi"
    assert channel.find("atom:link", NS).get("href") == "http://127.0.0.1:8000/vi/feeds/rss.xml"
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["Giá lúa tăng", "Tin cũ hơn"]  # newest first
    item = items[0]
    assert item.findtext("link") == "http://127.0.0.1:8000/vi/2025/10/gia-lua-tang/"
    guid = item.find("guid")
    assert guid.get("isPermaLink") == "false"
    assert guid.text == f"tag:127.0.0.1,{timezone.now():%Y-%m-%d}:article/{newsroom['article'].pk}/vi"
    photo = newsroom["photo"]
    enclosure = item.find("enclosure")
    assert enclosure.get("url") == "http://127.0.0.1:8000" + photo.image.url
    assert enclosure.get("type") == "image/jpeg"
    assert int(enclosure.get("length")) == photo.image.size > 0
    media = item.find("media:content", NS)
    assert media.get("url") == enclosure.get("url") and media.get("medium") == "image"
    assert (media.get("width"), media.get("height")) == ("64", "48")
    assert media.findtext("media:credit", namespaces=NS) == "Ảnh: TTXVN"
    assert media.findtext("media:description", namespaces=NS) == "Cánh đồng lúa"
    assert sorted(c.text for c in item.findall("dc:creator", NS)) == ["Lan Phạm", "Minh Trần"]
    assert [c.text for c in item.findall("category")] == ["Kinh tế"]
    source = item.find("source")
    assert (source.text, source.get("url")) == ("Tuổi Trẻ", "https://tuoitre.example/")
    assert item.findtext("dc:source", namespaces=NS) == ORIGINAL_URL
    description = item.findtext("description")
    assert "Bài đăng lần đầu trên Tuổi Trẻ." in description and ORIGINAL_URL in description
    assert "dịch máy" not in description  # the original is not a translation
    # The older article has no section, author or image: none of their elements, and no empty ones.
    bare = items[1]
    assert bare.find("category") is None and bare.find("dc:creator", NS) is None
    assert bare.find("enclosure") is None and bare.find("media:content", NS) is None


def test_atom_entry_carries_the_same_in_atom_elements(client, newsroom):
    feed = atom(client, "/en/feeds/atom.xml")
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert feed.find("atom:author/atom:name", NS).text == "kabar"  # covers entries without a byline
    assert feed.find("atom:link[@rel='self']", NS).get("href") == "http://127.0.0.1:8000/en/feeds/atom.xml"
    (entry,) = feed.findall("atom:entry", NS)  # the older article has no English text
    assert entry.findtext("atom:id", namespaces=NS).endswith(f":article/{newsroom['article'].pk}/en")
    assert entry.findtext("atom:title", namespaces=NS) == "Rice prices rise"
    assert entry.find("atom:link[@rel='alternate']", NS).get("href").endswith("/en/2025/10/rice-prices-rise/")
    assert entry.find("atom:link[@rel='via']", NS).get("href") == ORIGINAL_URL
    enclosure = entry.find("atom:link[@rel='enclosure']", NS)
    assert enclosure.get("type") == "image/jpeg" and int(enclosure.get("length")) > 0
    assert sorted(a.text for a in entry.findall("atom:author/atom:name", NS)) == ["Lan Phạm", "Minh Trần"]
    assert entry.find("atom:category", NS).get("term") == "Business"  # the section's English name
    assert entry.findtext("atom:source/atom:title", namespaces=NS) == "Tuổi Trẻ"
    assert entry.findtext("atom:published", namespaces=NS).startswith("2025-10-12T08:00:00")
    assert entry.findtext("atom:updated", namespaces=NS)
    assert entry.find("media:content/media:description", NS).text == "A rice field"


def test_feedparser_reads_both_formats(client, newsroom):
    for path in ("/en/feeds/rss.xml", "/en/feeds/atom.xml"):
        parsed = read(client, path)
        assert parsed.feed.language == "en" or parsed.feed.get("language") == "en"
        (item,) = parsed.entries
        assert item.title == "Rice prices rise"
        assert item.id.endswith(f":article/{newsroom['article'].pk}/en")
        assert item.link.endswith("/en/2025/10/rice-prices-rise/")
        assert sorted(a["name"] for a in item.authors) == ["Lan Phạm", "Minh Trần"]
        assert [t.term for t in item.tags] == ["Business"]
        (enclosure,) = item.enclosures
        assert enclosure.type == "image/jpeg" and int(enclosure.length) > 0
        assert item.media_content[0]["url"] == enclosure.href
        assert item.media_credit[0]["content"] == "Ảnh: TTXVN"
        assert item.published_parsed[:5] == (2025, 10, 12, 8, 0)
        assert "First published by Tuổi Trẻ." in item.summary and ORIGINAL_URL in item.summary


def test_machine_translations_say_so_in_the_feed_language(client, newsroom):
    article = newsroom["article"]
    make_text(
        article, "id", status=ArticleText.Status.POST_EDITED, title="Harga beras naik", slug="harga-beras"
    )
    en = read(client, "/en/feeds/rss.xml").entries[0]
    assert "Machine-translated from Vietnamese." in en.summary
    post_edited = read(client, "/id/feeds/atom.xml").entries[0]
    assert (
        "Diterjemahkan dengan mesin dari bahasa Vietnam dan telah diperiksa oleh editor."
        in post_edited.summary
    )
    assert "Pertama kali terbit di Tuổi Trẻ." in post_edited.summary
    human = make_article(outlet=article.outlet, published_at=NOW + dt.timedelta(hours=1))
    make_text(human, "vi", slug="ban-goc")
    make_text(
        human, "en", status=ArticleText.Status.HUMAN, title="Translated by a person", slug="by-a-person"
    )
    newest = read(client, "/en/feeds/rss.xml").entries[0]
    assert newest.title == "Translated by a person"
    assert "Translated from Vietnamese." in newest.summary and "Machine" not in newest.summary


def test_guid_stays_the_same_when_the_article_is_corrected(client, newsroom):
    before = read(client, "/vi/feeds/rss.xml").entries[0]
    vi = newsroom["vi"]
    vi.title, vi.slug, vi.lead = "Giá lúa tăng mạnh (đã sửa)", "gia-lua-tang-manh", "Bản đã đính chính."
    vi.save()
    article = newsroom["article"]
    article.updated_at = NOW + dt.timedelta(hours=2)
    article.save()
    after = read(client, "/vi/feeds/rss.xml").entries[0]
    assert after.title == "Giá lúa tăng mạnh (đã sửa)" and after.link != before.link
    assert after.id == before.id
    assert read(client, "/vi/feeds/atom.xml").entries[0].id == before.id  # one id in both formats
    assert read(client, "/en/feeds/rss.xml").entries[0].id != before.id  # each language its own item


def test_unpublished_texts_never_appear(client, newsroom):
    ArticleText.objects.filter(pk=newsroom["en"].pk).update(is_published=False)
    hidden = make_article(outlet=newsroom["article"].outlet, section=newsroom["section"], published_at=NOW)
    hidden.authors.set(newsroom["article"].authors.all())
    make_text(hidden, "vi", title="Bản nháp chưa đăng", slug="ban-nhap", is_published=False)
    for path in (
        "/vi/feeds/rss.xml",
        "/vi/feeds/atom.xml",
        "/vi/feeds/section/kinh-te/rss.xml",
        "/vi/feeds/author/lan-pham/atom.xml",
    ):
        titles = [e.title for e in read(client, path).entries]
        assert "Bản nháp chưa đăng" not in titles and titles, path
    assert read(client, "/en/feeds/rss.xml").entries == []


def test_section_author_and_story_feeds_hold_their_own_articles(client, newsroom):
    other = make_article(section=make_section("the-thao"), published_at=NOW + dt.timedelta(minutes=5))
    make_text(other, "vi", title="Bóng đá", slug="bong-da")
    story = Story.objects.create(labels={"vi": "Giá lúa 2025"})
    StoryMembership.objects.create(article=newsroom["article"], story=story)
    StoryMembership.objects.create(article=newsroom["older"], story=story)

    section = read(client, "/vi/feeds/section/kinh-te/rss.xml")
    assert section.feed.title == "Kinh tế · kabar"
    assert section.feed.link == "http://127.0.0.1:8000/vi/kinh-te/"
    assert [e.title for e in section.entries] == ["Giá lúa tăng"]
    assert read(client, "/en/feeds/section/kinh-te/atom.xml").feed.title == "Business · kabar"

    author = read(client, "/vi/feeds/author/minh-tran/atom.xml")
    assert author.feed.title == "Bài viết của Minh Trần · kabar"
    assert [e.title for e in author.entries] == ["Giá lúa tăng"]

    in_story = read(client, f"/vi/feeds/story/{story.pk}/rss.xml")
    assert in_story.feed.title == "Sự kiện: Giá lúa 2025 · kabar"
    assert [e.title for e in in_story.entries] == ["Giá lúa tăng", "Tin cũ hơn"]
    # Without a label, a story is named by its first article, as its page is.
    unlabelled = Story.objects.create()
    StoryMembership.objects.create(article=other, story=unlabelled)
    assert read(client, f"/vi/feeds/story/{unlabelled.pk}/atom.xml").feed.title == "Sự kiện: Bóng đá · kabar"
    # The whole-site feed has everything in the language.
    assert [e.title for e in read(client, "/vi/feeds/rss.xml").entries] == [
        "Bóng đá",
        "Giá lúa tăng",
        "Tin cũ hơn",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/vi/feeds/section/no-such-section/rss.xml",
        "/vi/feeds/author/no-such-author/atom.xml",
        "/vi/feeds/story/987654/rss.xml",
        "/vi/feeds/story/not-a-number/atom.xml",
        "/vi/feeds/story/99999999999999999999999/rss.xml",
    ],
)
def test_unknown_section_author_or_story_is_404(client, newsroom, path):
    assert client.get(path).status_code == 404


def test_items_are_capped_newest_first(client):
    outlet = make_outlet()
    for n in range(MAX_ITEMS + 5):
        article = make_article(outlet=outlet, published_at=NOW - dt.timedelta(minutes=n))
        make_text(article, "vi", title=f"Tin số {n}", slug=f"tin-so-{n}")
    entries = read(client, "/vi/feeds/atom.xml").entries
    assert len(entries) == MAX_ITEMS
    assert [e.title for e in entries] == [f"Tin số {n}" for n in range(MAX_ITEMS)]


def test_a_feed_runs_a_bounded_number_of_queries(client, newsroom, django_assert_max_num_queries):
    for n in range(20):
        article = make_article(outlet=newsroom["article"].outlet, section=newsroom["section"])
        article.authors.set([make_author(f"Tác giả {n}")])
        make_media(article, url=f"https://img.example/anh-{n}.png", credit=f"Ảnh {n}")
        make_text(article, "vi", slug=f"them-{n}")
    with django_assert_max_num_queries(7):
        assert len(read(client, "/vi/feeds/section/kinh-te/rss.xml").entries) == 21


def test_control_characters_and_markup_in_titles_keep_the_feed_valid(client, newsroom):
    vi = newsroom["vi"]
    ArticleText.objects.filter(pk=vi.pk).update(
        title="Giá\x0b lúa <b>tăng</b> & \x01“AT&T”", lead="Lợi nhuận\x1f < 5% & > 3%"
    )
    Media.objects.filter(pk=newsroom["photo"].pk).update(credit="Ảnh:\x0c TTXVN")
    for path in ("/vi/feeds/rss.xml", "/vi/feeds/atom.xml"):
        response = client.get(path)
        root = etree.fromstring(response.content)  # strict XML parse: fails on any control character
        titles = root.xpath("//*[local-name()='item' or local-name()='entry']/*[local-name()='title']/text()")
        assert titles[0] == "Giá lúa <b>tăng</b> & “AT&T”"
        parsed = read(client, path)
        assert "Lợi nhuận &lt; 5% &amp; &gt; 3%" in parsed.entries[0].summary
        assert parsed.entries[0].media_credit[0]["content"] == "Ảnh: TTXVN"


def test_an_image_without_a_stored_file_still_has_its_type_and_media_tags(client):
    article = make_article(published_at=NOW)
    make_text(article, "vi", slug="anh-ngoai")
    make_media(article, url="https://img.example/cho-noi.webp", width=800, height=600, credit="Ảnh: Tuổi Trẻ")
    item = rss(client, "/vi/feeds/rss.xml").find("channel/item")
    enclosure = item.find("enclosure")
    # RSS requires a length; 0 is the RSS Advisory Board's value for "unknown".
    assert (enclosure.get("url"), enclosure.get("type"), enclosure.get("length")) == (
        "https://img.example/cho-noi.webp",
        "image/webp",
        "0",
    )
    assert item.find("media:content", NS).get("fileSize") is None


def test_a_story_feed_is_named_and_found_as_the_storys_page_is(client, newsroom):
    # Only in Vietnamese: the English story page names the story by that original's title, and so
    # does its feed (empty in English), never by a bare number.
    only_vi = Story.objects.create()
    StoryMembership.objects.create(article=newsroom["older"], story=only_vi)
    assert client.get(f"/en/story/{only_vi.pk}/").status_code == 200
    assert read(client, f"/en/feeds/story/{only_vi.pk}/rss.xml").feed.title == "Story: Tin cũ hơn · kabar"
    # With nothing published, the story's page is a 404, and its feed too: a withdrawn story's
    # label says nothing to anyone.
    withdrawn = make_article(published_at=NOW)
    make_text(withdrawn, "vi", title="Bị gỡ", slug="bi-go", is_published=False)
    hidden = Story.objects.create(labels={"vi": "Vụ việc đã gỡ"})
    StoryMembership.objects.create(article=withdrawn, story=hidden)
    assert client.get(f"/vi/story/{hidden.pk}/").status_code == 404
    assert client.get(f"/vi/feeds/story/{hidden.pk}/rss.xml").status_code == 404


def test_a_story_id_is_plain_ascii_digits(client, newsroom):
    # str.isdigit() also says yes to "²" (which int() refuses: a 500) and to Arabic-Indic or
    # full-width digits (which int() reads: the same feed at endless other addresses).
    story = Story.objects.create(labels={"vi": "Giá lúa 2025"})
    StoryMembership.objects.create(article=newsroom["article"], story=story)
    assert client.get(f"/vi/feeds/story/{story.pk}/rss.xml").status_code == 200
    arabic = str(story.pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    full_width = str(story.pk).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for key in ("²", arabic, full_width, f"0{story.pk}"):
        assert client.get(f"/vi/feeds/story/{key}/rss.xml").status_code == 404, key
