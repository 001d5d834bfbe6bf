"""Contract tests of /api/v1/articles and /api/v1/articles/{id}: what anonymous readers and keys see."""

from __future__ import annotations

import datetime as dt

import pytest
from api_support import API, WHEN
from django.utils import timezone

from kabar.news.models import ArticleText

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


def test_anonymous_list_is_published_articles_newest_first(client, newsroom):
    response = client.get(f"{API}/articles")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert ids(response) == [newsroom.railway.pk, newsroom.harbour.pk]  # the hidden one is not there
    railway = response.json()["items"][0]
    assert railway["href"] == f"http://127.0.0.1:8000{API}/articles/{newsroom.railway.pk}"
    assert railway["outlet"] == {"slug": "tuoi-tre", "name": "Tuổi Trẻ"}
    assert railway["section"]["slug"] == "giao-thong" and railway["section"]["names"]["en"] == "Transport"
    assert railway["authors"] == [{"slug": "hanh-nguyen", "name": "Hạnh Nguyễn"}]
    assert railway["story"] == newsroom.story.pk
    assert railway["languages"] == ["en", "vi"]  # the unpublished id text is not shown
    english = next(t for t in railway["texts"] if t["language"] == "en")
    assert english["status"] == "machine" and english["machine_translated"] is True
    assert english["engine"] == "ctranslate2" and english["qa_passed"] is True and english["stale"] is False
    assert english["translated_from"] == "vi"
    assert english["url"].startswith("http://127.0.0.1:8000/en/2026/11/railway-approved")
    assert "blocks" not in english  # lists carry no bodies
    assert response.json()["next"] is None


def test_filters(client, newsroom):
    assert ids(client.get(f"{API}/articles?language=en")) == [newsroom.railway.pk]
    only_en = client.get(f"{API}/articles?language=en").json()["items"][0]["texts"]
    assert [t["language"] for t in only_en] == ["en"]
    assert ids(client.get(f"{API}/articles?language=id")) == []  # unpublished for anonymous
    assert ids(client.get(f"{API}/articles?section=kinh-te")) == [newsroom.harbour.pk]
    assert ids(client.get(f"{API}/articles?outlet=vnexpress")) == [newsroom.harbour.pk]
    assert ids(client.get(f"{API}/articles?author=hanh-nguyen")) == [newsroom.railway.pk]
    assert ids(client.get(f"{API}/articles?story={newsroom.story.pk}")) == [newsroom.railway.pk]
    assert ids(client.get(f"{API}/articles?section=no-such-section")) == []


def test_updated_since_sees_a_changed_translation(client, newsroom):
    later = timezone.now() + dt.timedelta(minutes=5)
    assert ids(client.get(f"{API}/articles", {"updated_since": later.isoformat()})) == []
    # A new translation changes the article for API clients, though the Article row is untouched.
    ArticleText.objects.filter(pk=newsroom.railway_en.pk).update(modified_at=later + dt.timedelta(seconds=1))
    assert ids(client.get(f"{API}/articles", {"updated_since": later.isoformat()})) == [newsroom.railway.pk]
    earlier = (WHEN - dt.timedelta(days=400)).isoformat()
    assert len(ids(client.get(f"{API}/articles", {"updated_since": earlier}))) == 2


def test_bad_parameter_values_are_422_in_the_error_shape(client, newsroom):
    for query in (
        "limit=0",
        "limit=101",
        "section=a%00b",
        "story=-1",
        "updated_since=yesterday",
        "updated_since=1700000000",
        "updated_since=2026-11-01",
        "language=EN!",
    ):
        response = client.get(f"{API}/articles?{query}")
        assert response.status_code == 422, query
        error = response.json()["error"]
        assert error["code"] == "invalid_parameters" and error["message"] and error["details"], query


def test_one_article_has_every_visible_version_with_its_body(client, newsroom):
    response = client.get(f"{API}/articles/{newsroom.railway.pk}")
    assert response.status_code == 200
    body = response.json()
    assert [t["language"] for t in body["texts"]] == ["en", "vi"]
    original = next(t for t in body["texts"] if t["language"] == "vi")
    assert original["status"] == "original" and original["translated_from"] is None
    assert original["blocks"][0]["type"] == "paragraph"
    assert body["media"] == [
        {
            "url": "https://img.example/railway.jpg",
            "width": 1200,
            "height": 800,
            "captions": {},
            "credit": "TTXVN",
        }
    ]
    assert response["Last-Modified"]


def test_unpublished_articles_are_404_for_anonymous_readers(client, newsroom):
    response = client.get(f"{API}/articles/{newsroom.hidden.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get(f"{API}/articles/999999999").status_code == 404
    assert client.get(f"{API}/articles/99999999999999999999999").status_code in {404, 422}


def test_a_read_unpublished_key_sees_unpublished_texts(client, newsroom, unpublished_key, plain_key):
    keyed = client.get(f"{API}/articles", HTTP_AUTHORIZATION=f"Bearer {unpublished_key}")
    assert ids(keyed) == [newsroom.hidden.pk, newsroom.railway.pk, newsroom.harbour.pk]
    railway = client.get(f"{API}/articles/{newsroom.railway.pk}", HTTP_X_API_KEY=unpublished_key).json()
    indonesian = next(t for t in railway["texts"] if t["language"] == "id")
    assert indonesian["published"] is False
    # A key without the scope reads what anonymous readers read.
    plain = client.get(f"{API}/articles", HTTP_AUTHORIZATION=f"Bearer {plain_key}")
    assert ids(plain) == [newsroom.railway.pk, newsroom.harbour.pk]
    assert client.get(f"{API}/articles/{newsroom.hidden.pk}", HTTP_X_API_KEY=plain_key).status_code == 404
