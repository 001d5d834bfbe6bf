"""What every endpoint shares: cursor pages, fields=, ETag/304, CORS, the error shape, rate limits, HEAD."""

from __future__ import annotations

import datetime as dt

import pytest
from api_support import API, WHEN, make_article, make_text
from django.test import override_settings

from kabar.api.models import ApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_articles(newsroom) -> list[int]:
    """35 more articles, several published at the very same second (ties broken by id)."""
    made = []
    for i in range(35):
        article = make_article(published_at=WHEN - dt.timedelta(hours=i // 4))
        make_text(article, "vi", slug=f"bai-{i}")
        made.append(article.pk)
    return made


def walk(client, url: str, **headers) -> list[list[int]]:
    pages = []
    while url:
        response = client.get(url, **headers)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([item["id"] for item in body["items"]])
        if body["next"]:
            assert response["Link"] == f'<{body["next"]}>; rel="next"'
            assert body["next"].startswith("http://127.0.0.1:8000/api/v1/articles?")
        url = body["next"]
    return pages


def test_walking_next_links_sees_every_article_once_in_order(client, many_articles, newsroom):
    pages = walk(client, f"{API}/articles?limit=7")
    seen = [pk for page in pages for pk in page]
    assert len(pages) == 6 and all(len(p) == 7 for p in pages[:-1]) and len(pages[-1]) == 2
    assert len(seen) == len(set(seen)) == 37  # no duplicates
    assert set(seen) == {*many_articles, newsroom.railway.pk, newsroom.harbour.pk}  # no gaps
    assert seen == [item["id"] for item in client.get(f"{API}/articles?limit=100").json()["items"]]


def test_a_walk_is_not_shifted_by_articles_arriving_meanwhile(client, many_articles, newsroom):
    first = client.get(f"{API}/articles?limit=10").json()
    fresh = make_article(published_at=WHEN + dt.timedelta(days=1))
    make_text(fresh, "vi", slug="moi")
    rest = walk(client, first["next"])
    seen = [item["id"] for item in first["items"]] + [pk for page in rest for pk in page]
    assert len(seen) == len(set(seen)) == 37 and fresh.pk not in seen


def test_filters_travel_in_the_next_link(client, many_articles, newsroom):
    pages = walk(client, f"{API}/articles?limit=1&section=giao-thong")
    assert pages == [[newsroom.railway.pk]]


def test_a_tampered_or_foreign_cursor_is_a_400(client, many_articles):
    next_link = client.get(f"{API}/articles?limit=5").json()["next"]
    cursor = next_link.split("cursor=")[1]
    tampered = client.get(f"{API}/articles?cursor={cursor[:-2]}xx")
    assert tampered.status_code == 400 and tampered.json()["error"]["code"] == "invalid_cursor"
    foreign = client.get(f"{API}/outlets?cursor={cursor}")
    assert foreign.status_code == 400 and "another list" in foreign.json()["error"]["message"]


def test_fields_thins_items_and_keeps_id(client, newsroom):
    items = client.get(f"{API}/articles?fields=published_at,languages").json()["items"]
    assert items and all(set(item) == {"id", "published_at", "languages"} for item in items)
    one = client.get(f"{API}/articles/{newsroom.railway.pk}?fields=texts").json()
    assert set(one) == {"id", "texts"}


def test_an_unknown_field_is_a_400_naming_it_and_the_allowed_ones(client, newsroom):
    response = client.get(f"{API}/articles?fields=title,languages,colour")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_field"
    assert "title, colour" in error["message"] and "published_at" in error["message"]
    assert error["details"]["unknown"] == ["title", "colour"]
    assert "languages" in error["details"]["allowed"]


def test_etag_and_304(client, newsroom):
    url = f"{API}/articles/{newsroom.railway.pk}"
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('W/"')
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert client.get(url, HTTP_IF_NONE_MATCH=etag.removeprefix("W/")).status_code == 304  # weak comparison
    assert client.get(url, HTTP_IF_NONE_MATCH='"other", ' + etag).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='W/"stale"').status_code == 200
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    # Another representation (fields=) has another tag.
    assert client.get(f"{url}?fields=texts")["ETag"] != etag
    # A change to the article changes the tag.
    newsroom.railway_en.title = "Railway approved by parliament"
    newsroom.railway_en.save()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    lists = client.get(f"{API}/articles")
    assert client.get(f"{API}/articles", HTTP_IF_NONE_MATCH=lists["ETag"]).status_code == 304


def test_cache_headers_differ_for_keyed_callers(client, newsroom, plain_key):
    anonymous = client.get(f"{API}/articles")
    keyed = client.get(f"{API}/articles", HTTP_X_API_KEY=plain_key)
    assert anonymous["Cache-Control"].startswith("public")
    assert keyed["Cache-Control"].startswith("private")
    assert "Authorization" in anonymous["Vary"] and "X-API-Key" in anonymous["Vary"]


def test_cors_on_a_get_and_a_preflight(client, newsroom):
    response = client.get(f"{API}/articles", HTTP_ORIGIN="https://partner.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    exposed = response["Access-Control-Expose-Headers"].lower()
    assert {"etag", "retry-after", "link"} <= {h.strip() for h in exposed.split(",")}
    preflight = client.options(
        f"{API}/articles",
        HTTP_ORIGIN="https://partner.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, x-api-key, if-none-match",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    allowed = preflight["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "x-api-key" in allowed
    assert "Access-Control-Allow-Credentials" not in preflight


@pytest.mark.parametrize(
    ("method", "url", "status", "code"),
    [
        ("get", "/api/v1/no-such-endpoint", 404, "not_found"),
        ("get", "/api/v2/articles", 404, "not_found"),
        ("get", "/api/v1/articles/0", 404, "not_found"),
        ("get", "/api/v1/stories/123456789", 404, "not_found"),
        ("post", "/api/v1/articles", 405, "method_not_allowed"),
        ("delete", "/api/v1/sections", 405, "method_not_allowed"),
        ("get", "/api/v1/articles?limit=x", 422, "invalid_parameters"),
        ("get", "/api/v1/search", 422, "invalid_parameters"),
        ("get", "/api/v1/articles?fields=nope", 400, "unknown_field"),
    ],
)
def test_every_error_has_the_same_shape(client, newsroom, method, url, status, code):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]


def test_a_server_error_has_the_same_shape(client, newsroom, monkeypatch):
    from kabar.api import present

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(present, "article_item", broken)
    client.raise_request_exception = False
    response = client.get(f"{API}/articles")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "boom" not in response.content.decode()  # no internals to the caller


def test_405_says_which_methods_are_allowed(client, newsroom):
    response = client.put(f"{API}/articles/{newsroom.railway.pk}")
    assert response.status_code == 405 and "GET" in response["Allow"]


def test_head_is_a_get_without_a_body(client, newsroom):
    head = client.head(f"{API}/articles")
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == client.get(f"{API}/articles")["ETag"]


@override_settings(API_RATE_ANONYMOUS="3/min", API_RATE_KEY="5/min")
def test_rate_limits_per_address_and_per_key(client, newsroom, owner):
    for _ in range(3):
        assert client.get(f"{API}/sections").status_code == 200
    limited = client.get(f"{API}/sections")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    # Another address has its own allowance; X-Forwarded-For is not believed without a proxy.
    assert client.get(f"{API}/sections", REMOTE_ADDR="192.0.2.7").status_code == 200
    assert client.get(f"{API}/sections", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
    # A key has its own, larger allowance, whatever the address.
    key = ApiKey.issue(name="Partner", owner=owner)[1]
    other = ApiKey.issue(name="Other partner", owner=owner)[1]
    for _ in range(5):
        assert client.get(f"{API}/sections", HTTP_X_API_KEY=key).status_code == 200
    assert client.get(f"{API}/sections", HTTP_X_API_KEY=key, REMOTE_ADDR="192.0.2.8").status_code == 429
    assert client.get(f"{API}/sections", HTTP_X_API_KEY=other).status_code == 200


@override_settings(API_RATE_ANONYMOUS="3/min")
def test_bad_keys_count_against_the_address_as_anonymous_reads(client, newsroom):
    # Ninja authenticates before it throttles: a 401 was never counted, so anyone could try keys
    # (or make the database look them up) without limit. A bad key is one request of its address.
    for n in range(3):
        assert client.get(f"{API}/sections", HTTP_X_API_KEY=f"kbr_guess{n}").status_code == 401
    limited = client.get(f"{API}/sections", HTTP_AUTHORIZATION="Bearer kbr_guess")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert client.get(f"{API}/sections").status_code == 429  # the same address's allowance
    assert client.get(f"{API}/webhooks/subscriptions", HTTP_X_API_KEY="kbr_guess").status_code == 429
    assert client.get(f"{API}/sections", REMOTE_ADDR="192.0.2.7").status_code == 200


@override_settings(API_RATE_ANONYMOUS=None)
def test_no_rate_means_no_limit(client, newsroom):
    assert all(client.get(f"{API}/outlets").status_code == 200 for _ in range(80))


@override_settings(API_RATE_ANONYMOUS="2/min", API_RATE_KEY="4/min")
def test_interleaved_callers_keep_their_own_rates(client, newsroom, plain_key):
    """One throttle serves every caller: an anonymous request must not lend its rate to a keyed one."""
    for _ in range(4):
        assert client.get(f"{API}/outlets", HTTP_X_API_KEY=plain_key).status_code == 200
        client.get(f"{API}/outlets")  # anonymous, over its limit after two
    assert client.get(f"{API}/outlets").status_code == 429
    assert client.get(f"{API}/outlets", HTTP_X_API_KEY=plain_key).status_code == 429


def test_a_trailing_slash_gets_a_hint(client, newsroom):
    response = client.get(f"{API}/articles/")
    assert response.status_code == 404
    assert "without a slash" in response.json()["error"]["message"]


def test_the_api_roots_point_to_the_document_and_the_lists(client, newsroom):
    root = client.get("/api/")
    assert root.status_code == 200 and root.json() == {"versions": {"v1": "http://127.0.0.1:8000/api/v1/"}}
    index = client.get(f"{API}/").json()
    assert index["links"]["openapi"] == "http://127.0.0.1:8000/api/v1/openapi.json"
    assert index["links"]["docs"] == "http://127.0.0.1:8000/api/v1/docs"
    for name, url in index["links"].items():
        assert client.get(url.removeprefix("http://127.0.0.1:8000"), {"q": "x"}).status_code == 200, name
