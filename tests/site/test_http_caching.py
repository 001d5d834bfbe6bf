"""HTTP caching of reader pages: Cache-Control, validators computed without rendering, 304s, tag headers."""

from __future__ import annotations

import pagecache_support
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date, parse_http_date

from kabar.news.models import ArticleText
from kabar.pagecache import store

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache")]
page_cache, committed, newsroom = (
    pagecache_support.page_cache,
    pagecache_support.committed,
    pagecache_support.newsroom,
)


class Rendered:
    """Counts template renders (the test client's own record is empty for 304s either way)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, **kwargs) -> None:
        self.count += 1


@pytest.fixture
def renders():
    counter = Rendered()
    template_rendered.connect(counter)
    yield counter
    template_rendered.disconnect(counter)


@pytest.fixture
def view_must_not_run(monkeypatch):
    """Any rendering of an article page fails the test (the view body builds its context first)."""

    def refuse(*args, **kwargs):
        raise AssertionError("the article view ran")

    monkeypatch.setattr("kabar.site.views.article_context", refuse)


def forget_stored_page(path: str) -> None:
    """Drop the stored page only: its tags keep their versions (as after an eviction or a restart)."""
    cache.delete(store.page_key(RequestFactory().get(path)))


def test_reader_pages_say_how_long_caches_may_keep_them(client, newsroom, settings):
    response = client.get(newsroom["summit_vi_url"])
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert control == {"public", "max-age=30", "s-maxage=300", "stale-while-revalidate=60"}
    settings.PAGE_CACHE = {
        **settings.PAGE_CACHE,
        "max_age": 5,
        "s_maxage": 86400,
        "stale_while_revalidate": 10,
    }
    forget_stored_page("/vi/")
    control = {part.strip() for part in client.get("/vi/")["Cache-Control"].split(",")}
    assert control == {"public", "max-age=5", "s-maxage=86400", "stale-while-revalidate=10"}


def test_surrogate_key_and_cache_tag_name_what_the_page_shows(client, newsroom):
    summit, world, lan = newsroom["summit"], newsroom["world"], newsroom["lan"]
    response = client.get(newsroom["summit_vi_url"])
    keys = set(response["Surrogate-Key"].split(" "))
    assert keys == {
        "site",
        "language:vi",
        f"article:{summit.pk}",
        f"comments:{summit.pk}",
        f"outlet:{summit.outlet_id}",
        f"section:{world.pk}:vi",
        f"author:{lan.pk}",
        f"author:{lan.pk}:vi",
    }
    assert set(response["Cache-Tag"].split(",")) == keys
    home = set(client.get("/en/")["Surrogate-Key"].split(" "))
    assert home == {"site", "language:en", "home:en"}
    section = set(client.get("/vi/the-gioi/")["Surrogate-Key"].split(" "))
    assert section == {"site", "language:vi", f"section:{world.pk}", f"section:{world.pk}:vi"}
    author = set(client.get("/vi/author/lan-pham/")["Surrogate-Key"].split(" "))
    assert author == {
        "site",
        "language:vi",
        f"author:{lan.pk}",
        f"author:{lan.pk}:vi",
        f"outlet:{lan.outlet_id}",
    }


def test_a_repeat_visit_is_a_304_from_the_stored_page(client, newsroom, renders, view_must_not_run):
    url = newsroom["summit_vi_url"]
    first = _render_once(client, url)
    renders.count = 0
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert len(queries) == 0 and renders.count == 0
    assert again["ETag"] == first["ETag"]
    assert "public" in again["Cache-Control"]


def _render_once(client, url: str):
    """The page rendered for real (the article view restored for this one request)."""
    import kabar.site.article_page
    import kabar.site.views

    refuse = kabar.site.views.article_context
    kabar.site.views.article_context = kabar.site.article_page.article_context
    try:
        response = client.get(url)
    finally:
        kabar.site.views.article_context = refuse
    assert response.status_code == 200
    assert response["ETag"].startswith('W/"')
    return response


def test_a_304_without_a_stored_page_needs_no_render(client, newsroom, renders, view_must_not_run):
    url = newsroom["summit_vi_url"]
    first = _render_once(client, url)
    forget_stored_page(url)
    renders.count = 0
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert len(queries) <= 1, [q["sql"] for q in queries]  # the page's tags, one query
    assert renders.count == 0
    forget_stored_page(url)
    by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304 and renders.count == 0


def test_if_modified_since_alone_revalidates(client, newsroom):
    first = client.get("/vi/")
    assert client.get("/vi/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    older = http_date(parse_http_date(first["Last-Modified"]) - 3600)
    assert client.get("/vi/", HTTP_IF_MODIFIED_SINCE=older).status_code == 200


def test_a_correction_changes_the_validators(client, newsroom, committed):
    url = newsroom["summit_vi_url"]
    first = client.get(url)
    with committed():
        text = ArticleText.objects.get(pk=newsroom["summit_vi"].pk)
        text.title = "Tiêu đề đã sửa"
        text.save()
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200
    assert "Tiêu đề đã sửa" in again.content.decode()
    assert again["ETag"] != first["ETag"]
    assert parse_http_date(again["Last-Modified"]) >= parse_http_date(first["Last-Modified"])
    # An unrelated page's copy is still good.
    other = client.get(newsroom["match_vi_url"])
    with committed():
        text.title = "Tiêu đề sửa lần hai"
        text.save()
    assert client.get(newsroom["match_vi_url"], HTTP_IF_NONE_MATCH=other["ETag"]).status_code == 304


def test_personal_pages_are_private_and_carry_no_validators(client, newsroom):
    compare = client.get(newsroom["summit_vi_url"] + "?compare=en")
    assert compare.status_code == 200
    assert "private" in compare["Cache-Control"] and "ETag" not in compare
    client.force_login(get_user_model().objects.create_user("editor2", password="x-password-2"))
    response = client.get("/vi/")
    assert "private" in response["Cache-Control"]
    assert "ETag" not in response and "Surrogate-Key" not in response


def test_a_missing_page_is_not_cacheable(client, newsroom):
    response = client.get("/vi/2025/10/khong-co-bai-nay/")
    assert response.status_code == 404
    assert "public" not in response.get("Cache-Control", "")
    assert "Surrogate-Key" not in response
