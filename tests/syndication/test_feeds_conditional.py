"""Feeds answer conditional GETs: a feed reader polling an unchanged feed gets a 304, a changed one a 200."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils.http import http_date, parse_http_date
from factories import make_article, make_author, make_outlet, make_section, make_text

from kabar.news.models import Article, ArticleText, Author, Outlet, Section, Story
from kabar.stories.models import StoryMembership

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC)
FEEDS = [
    "/vi/feeds/rss.xml",
    "/vi/feeds/atom.xml",
    "/vi/feeds/section/kinh-te/rss.xml",
    "/vi/feeds/author/lan-pham/atom.xml",
]


@pytest.fixture
def feeds():
    outlet = make_outlet(language="vi")
    section = make_section("kinh-te")
    writer = make_author("Lan Phạm", outlet=outlet, slug="lan-pham")
    article = make_article(outlet=outlet, section=section, authors=[writer], published_at=NOW)
    text = make_text(article, "vi", title="Giá lúa tăng", slug="gia-lua-tang")
    second = make_article(
        outlet=outlet, section=section, authors=[writer], published_at=NOW - dt.timedelta(hours=1)
    )
    make_text(second, "vi", title="Tin thứ hai", slug="tin-thu-hai")
    story = Story.objects.create(labels={"vi": "Giá lúa"})
    StoryMembership.objects.create(article=article, story=story)
    return {"article": article, "text": text, "second": second, "story": story}


def validators(client, path: str) -> tuple[str, str]:
    response = client.get(path)
    assert response.status_code == 200
    return response["ETag"], response["Last-Modified"]


@pytest.mark.parametrize("path", FEEDS)
def test_unchanged_feed_answers_304_to_either_validator(client, feeds, path):
    etag, last_modified = validators(client, path)
    assert etag.startswith('"') and last_modified
    unchanged = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged["ETag"] == etag
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert client.get(path, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    earlier = http_date(parse_http_date(last_modified) - 60)
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_last_modified_is_the_newest_change_among_the_feeds_texts(client, feeds):
    _etag, last_modified = validators(client, "/vi/feeds/rss.xml")
    newest = max(
        [t.modified_at for t in ArticleText.objects.all()]
        + [feeds["article"].modified_at, feeds["second"].modified_at]
    )
    assert parse_http_date(last_modified) == int(newest.timestamp())


@pytest.mark.parametrize("path", FEEDS)
def test_a_correction_changes_the_validators(client, feeds, path):
    etag, _ = validators(client, path)
    text = feeds["text"]
    text.title = "Giá lúa tăng mạnh"
    text.save()
    response = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag
    assert "Giá lúa tăng mạnh" in response.content.decode()


@pytest.mark.parametrize("path", FEEDS)
def test_unpublishing_an_item_changes_the_validators(client, feeds, path):
    # Every row last changed an hour ago, so the unpublishing below is newer by more than HTTP's one second.
    ArticleText.objects.update(modified_at=NOW)
    Article.objects.update(modified_at=NOW)
    etag, last_modified = validators(client, path)
    assert parse_http_date(last_modified) == int(NOW.timestamp())
    text = ArticleText.objects.get(slug="tin-thu-hai")
    text.is_published = False
    text.save()
    response = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "Tin thứ hai" not in response.content.decode()
    # A reader that keeps only the date sees the change too: the unpublished text's save is newer.
    assert parse_http_date(response["Last-Modified"]) > parse_http_date(last_modified)
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 200


def test_renaming_the_feeds_object_changes_its_etag(client, feeds):
    section_etag, _ = validators(client, "/vi/feeds/section/kinh-te/rss.xml")
    author_etag, _ = validators(client, "/vi/feeds/author/lan-pham/atom.xml")
    feeds["article"].section.names = {"vi": "Kinh tế – Tài chính"}
    feeds["article"].section.save()
    Author.objects.filter(slug="lan-pham").update(name="Phạm Thị Lan")
    assert client.get("/vi/feeds/section/kinh-te/rss.xml", HTTP_IF_NONE_MATCH=section_etag).status_code == 200
    assert client.get("/vi/feeds/author/lan-pham/atom.xml", HTTP_IF_NONE_MATCH=author_etag).status_code == 200


def test_story_feed_answers_304_and_changes_with_its_label(client, feeds):
    path = f"/vi/feeds/story/{feeds['story'].pk}/rss.xml"
    etag, _ = validators(client, path)
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    story = feeds["story"]
    story.labels = {"vi": "Giá lúa cuối năm"}
    story.save()
    response = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "Giá lúa cuối năm" in response.content.decode()


def test_each_format_and_language_has_its_own_etag(client, feeds):
    make_text(feeds["article"], "en", slug="rice-prices-rise")
    etags = {
        validators(client, path)[0]
        for path in ("/vi/feeds/rss.xml", "/vi/feeds/atom.xml", "/en/feeds/rss.xml")
    }
    assert len(etags) == 3
    rss_etag = validators(client, "/vi/feeds/rss.xml")[0]
    assert client.get("/vi/feeds/atom.xml", HTTP_IF_NONE_MATCH=rss_etag).status_code == 200


def test_a_new_article_changes_the_validators(client, feeds):
    etag, last_modified = validators(client, "/vi/feeds/rss.xml")
    newer = make_article(published_at=NOW + dt.timedelta(hours=1))
    make_text(newer, "vi", title="Tin mới nhất", slug="tin-moi-nhat")
    response = client.get("/vi/feeds/rss.xml", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "Tin mới nhất" in response.content.decode()
    # The section feed did not get the new article: it still answers 304.
    section_etag, _ = validators(client, "/vi/feeds/section/kinh-te/rss.xml")
    assert client.get("/vi/feeds/section/kinh-te/rss.xml", HTTP_IF_NONE_MATCH=section_etag).status_code == 304


def test_unknown_feed_objects_are_404_with_validators_asked(client, feeds):
    assert client.get("/vi/feeds/section/nope/rss.xml", HTTP_IF_NONE_MATCH='"x"').status_code == 404
    assert (
        client.get("/vi/feeds/story/999999/atom.xml", HTTP_IF_MODIFIED_SINCE=http_date(0)).status_code == 404
    )


def test_head_answers_with_the_same_validators(client, feeds):
    etag, last_modified = validators(client, "/vi/feeds/atom.xml")
    response = client.head("/vi/feeds/atom.xml")
    assert response.status_code == 200
    assert (response["ETag"], response["Last-Modified"]) == (etag, last_modified)


def test_renaming_what_the_items_credit_changes_every_feeds_etag(client, feeds):
    # Each item names its outlet, its authors and its section: a feed reader holding an ETag must
    # not keep a misspelt byline or an outlet's old name after the newsroom corrects it.
    etag, _ = validators(client, "/vi/feeds/rss.xml")
    article = feeds["article"]
    Outlet.objects.filter(pk=article.outlet_id).update(name="Báo Tuổi Trẻ Online")
    response = client.get("/vi/feeds/rss.xml", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "Báo Tuổi Trẻ Online" in response.content.decode()
    etag = response["ETag"]
    Author.objects.filter(slug="lan-pham").update(name="Phạm Thị Lan")
    response = client.get("/vi/feeds/rss.xml", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "Phạm Thị Lan" in response.content.decode()
    etag = response["ETag"]
    Section.objects.filter(pk=article.section_id).update(names={"vi": "Kinh tế – Tài chính"})
    response = client.get("/vi/feeds/rss.xml", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "Kinh tế – Tài chính" in response.content.decode()
    assert client.get("/vi/feeds/rss.xml", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
