"""Contract tests of sections, authors, outlets, stories and search."""

from __future__ import annotations

import pytest
from api_support import API

pytestmark = pytest.mark.django_db


def test_sections_in_the_site_order(client, newsroom):
    items = client.get(f"{API}/sections").json()["items"]
    assert [s["slug"] for s in items] == ["giao-thong", "kinh-te"]
    assert items[0]["names"] == {"vi": "Giao thông", "en": "Transport", "id": "Transportasi"}
    assert items[0]["url"] == "http://127.0.0.1:8000/vi/giao-thong/"


def test_authors_with_their_outlet(client, newsroom):
    items = client.get(f"{API}/authors").json()["items"]
    assert items == [
        {
            "id": items[0]["id"],
            "slug": "hanh-nguyen",
            "name": "Hạnh Nguyễn",
            "outlet": {"slug": "tuoi-tre", "name": "Tuổi Trẻ"},
            "url": "http://127.0.0.1:8000/vi/author/hanh-nguyen/",
        }
    ]


def test_outlets_with_their_licence(client, newsroom):
    items = client.get(f"{API}/outlets?fields=slug,licence").json()["items"]
    assert [(o["slug"], o["licence"]) for o in items] == [("tuoi-tre", "CC BY 4.0"), ("vnexpress", "")]


def test_stories_with_their_visible_members(client, newsroom, unpublished_key):
    items = client.get(f"{API}/stories").json()["items"]
    assert [s["id"] for s in items] == [newsroom.story.pk]
    story = items[0]
    assert story["labels"] == {"vi": "Đường sắt"}
    assert [m["id"] for m in story["members"]] == [newsroom.railway.pk]  # the hidden article is not shown
    assert story["members"][0]["titles"]["en"] == "North-South high-speed railway approved"
    assert "id" not in story["members"][0]["titles"]  # the unpublished Indonesian text
    one = client.get(f"{API}/stories/{newsroom.story.pk}").json()
    assert one == story
    keyed = client.get(f"{API}/stories/{newsroom.story.pk}", HTTP_X_API_KEY=unpublished_key).json()
    assert [m["id"] for m in keyed["members"]] == [newsroom.railway.pk, newsroom.hidden.pk]


def test_a_story_of_unpublished_articles_only_is_404(client, newsroom):
    from kabar.news.models import Story
    from kabar.stories.models import StoryMembership

    lonely = Story.objects.create(labels={"vi": "Chưa đăng"})
    StoryMembership.objects.filter(article=newsroom.hidden).update(story=lonely)
    assert client.get(f"{API}/stories/{lonely.pk}").status_code == 404
    assert lonely.pk not in [s["id"] for s in client.get(f"{API}/stories").json()["items"]]


@pytest.mark.django_db(transaction=True)
def test_search_finds_published_texts(client, newsroom):
    # transaction=True: the search index is filled by after-commit receivers, as in production.
    response = client.get(f"{API}/search", {"q": "duong sat", "language": "vi"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == 1 and body["next"] is None and body["message"] == ""
    hit = body["items"][0]
    assert hit["id"] == newsroom.railway.pk and hit["text_language"] == "vi"
    assert "<mark>" in hit["title_html"]
    assert hit["url"].startswith("http://127.0.0.1:8000/vi/2026/11/duong-sat")
    assert hit["href"].endswith(f"/api/v1/articles/{newsroom.railway.pk}")
    assert client.get(f"{API}/search", {"q": "chua dang"}).json()["total"] == 0  # unpublished, not indexed
    assert client.get(f"{API}/search", {"q": "duong", "outlet": "vnexpress"}).json()["total"] == 0


@pytest.mark.django_db(transaction=True)
def test_search_never_shows_a_text_the_index_still_has_after_it_was_unpublished(client, newsroom):
    # A bulk update (no signal) or a failed index update leaves the index behind the texts; the
    # texts decide: the hit's title and snippet must not come back from the stale index.
    from kabar.news.models import ArticleText

    assert client.get(f"{API}/search", {"q": "cang bien"}).json()["items"]
    ArticleText.objects.filter(article=newsroom.harbour).update(is_published=False)
    body = client.get(f"{API}/search", {"q": "cang bien"}).json()
    assert body["items"] == []
    assert "Quy Nhơn" not in str(body)


@pytest.mark.django_db(transaction=True)
def test_search_pages_through_next(client, newsroom):
    first = client.get(f"{API}/search", {"q": "noi dung", "limit": 1}).json()
    assert first["total"] == 2 and len(first["items"]) == 1 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["items"]) == 1 and second["next"] is None
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {newsroom.railway.pk, newsroom.harbour.pk}


def test_an_author_only_of_unpublished_articles_is_not_listed(client, newsroom, unpublished_key):
    # A byline is part of the article: one that is held back must not show who wrote it.
    from api_support import make_author

    ghost = make_author("Phóng viên ẩn danh", outlet=newsroom.hidden.outlet, slug="an-danh")
    newsroom.hidden.authors.add(ghost)
    newsroom.railway.authors.add(make_author("Second", slug="second"))
    newsroom.railway.authors.add(make_author("Third", slug="third"))
    listed = [a["slug"] for a in client.get(f"{API}/authors").json()["items"]]
    assert listed == ["hanh-nguyen", "second", "third"]  # each once, though they share an article
    keyed = client.get(f"{API}/authors", HTTP_X_API_KEY=unpublished_key).json()["items"]
    assert "an-danh" in [a["slug"] for a in keyed]


def test_search_without_a_usable_backend_is_a_503_in_the_error_shape(client, newsroom):
    from django.test import override_settings

    with override_settings(SEARCH_BACKEND="no-such-backend"):
        response = client.get(f"{API}/search", {"q": "duong"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert "no-such-backend" not in response.content.decode()  # the operator's log says why, not the caller
