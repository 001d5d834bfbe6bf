"""The page cache: stored pages served without queries, and exactly the affected pages refreshed by edits."""

from __future__ import annotations

import os

import pagecache_support
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from factories import make_article, make_author, make_section, make_text

from kabar.news.models import ArticleText, Section, Story
from kabar.pagecache import store
from kabar.pagecache.middleware import PageCacheMiddleware
from kabar.site.context import refresh_cached_pages_if_menus_changed
from kabar.stories import services as stories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache")]
NOW = pagecache_support.NOW
page_cache, committed, newsroom = (
    pagecache_support.page_cache,
    pagecache_support.committed,
    pagecache_support.newsroom,
)


def get(client, path: str, **extra):
    """(response, queries run) for one GET."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **extra)
    return response, len(queries)


def served_from_cache(client, path: str) -> bool:
    response, queries = get(client, path)
    assert response.status_code == 200, (path, response.status_code)
    return queries == 0


def warm(client, *paths: str) -> None:
    for path in paths:
        response, queries = get(client, path)
        assert response.status_code == 200, (path, response.status_code)
        assert queries > 0, f"{path} was already stored"
        assert served_from_cache(client, path), f"{path} was not stored"


def test_a_stored_page_is_served_without_a_query_and_unchanged(client, newsroom):
    first, queries = get(client, newsroom["summit_vi_url"])
    assert queries > 0
    again, queries = get(client, newsroom["summit_vi_url"])
    assert queries == 0
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]
    for path in ("/vi/", "/vi/the-gioi/", "/vi/author/lan-pham/", "/en/"):
        warm(client, path)


def test_a_correction_refreshes_its_article_home_section_and_author_but_not_another_section(
    client, newsroom, committed
):
    pages = [
        newsroom["summit_vi_url"],
        "/vi/",
        "/vi/the-gioi/",
        "/vi/author/lan-pham/",
        "/vi/the-thao/",
        "/vi/author/minh-tran/",
        newsroom["match_vi_url"],
        "/en/",
    ]
    warm(client, *pages)
    with committed():
        text = ArticleText.objects.get(pk=newsroom["summit_vi"].pk)
        text.title = "Hội nghị thượng đỉnh khai mạc (đính chính)"
        text.save()
    for path in (newsroom["summit_vi_url"], "/vi/", "/vi/the-gioi/", "/vi/author/lan-pham/"):
        response, queries = get(client, path)
        assert queries > 0, f"{path} still came from the cache"
        assert "(đính chính)" in response.content.decode(), path
    # Pages that do not show the article keep their stored copy.
    for path in ("/vi/the-thao/", "/vi/author/minh-tran/", newsroom["match_vi_url"], "/en/"):
        assert served_from_cache(client, path), f"{path} was invalidated by an unrelated correction"


def test_publishing_a_translation_refreshes_that_language_and_the_article_everywhere(
    client, newsroom, committed
):
    pages = [
        "/id/",
        "/id/the-gioi/",
        "/vi/",
        "/vi/the-gioi/",
        "/en/",
        newsroom["summit_vi_url"],
        newsroom["summit_en_url"],
        newsroom["match_vi_url"],
    ]
    warm(client, *pages)
    with committed():
        make_text(newsroom["summit"], "id", title="KTT dibuka", slug="ktt-dibuka")
    for path in ("/id/", "/id/the-gioi/"):
        response, queries = get(client, path)
        assert queries > 0 and "KTT dibuka" in response.content.decode(), path
    # The article's own pages in other languages now link to the Indonesian version.
    for path in (newsroom["summit_vi_url"], newsroom["summit_en_url"]):
        response, queries = get(client, path)
        assert queries > 0 and "/id/2025/10/ktt-dibuka/" in response.content.decode(), path
    for path in ("/vi/", "/vi/the-gioi/", "/en/", newsroom["match_vi_url"]):
        assert served_from_cache(client, path), f"{path} was invalidated by an Indonesian translation"


def test_unpublishing_answers_404_at_once_and_drops_it_from_lists(client, newsroom, committed):
    warm(client, newsroom["summit_en_url"], "/en/", newsroom["summit_vi_url"])
    with committed():
        text = ArticleText.objects.get(pk=newsroom["summit_en"].pk)
        text.is_published = False
        text.save()
    assert client.get(newsroom["summit_en_url"]).status_code == 404
    assert "Summit opens" not in client.get("/en/").content.decode()
    assert 'hreflang="en"' not in client.get(newsroom["summit_vi_url"]).content.decode()


def test_an_unpublished_text_edited_changes_no_page(client, newsroom, committed):
    draft = make_text(newsroom["match"], "en", title="Team wins", slug="team-wins", is_published=False)
    warm(client, "/en/", newsroom["match_vi_url"])
    with committed():
        draft.title = "Team wins opener"
        draft.save()
    assert served_from_cache(client, "/en/")
    assert served_from_cache(client, newsroom["match_vi_url"])


def test_a_new_article_in_a_section_refreshes_its_listings_and_its_neighbours(client, newsroom, committed):
    warm(client, "/vi/the-thao/", newsroom["summit_vi_url"], newsroom["match_vi_url"], "/vi/the-gioi/")
    with committed():
        article = make_article(
            outlet=newsroom["outlet"], section=newsroom["sport"], authors=[newsroom["minh"]], published_at=NOW
        )
        make_text(article, "vi", title="Huấn luyện viên mới", slug="hlv-moi")
    assert "Huấn luyện viên mới" in client.get("/vi/the-thao/").content.decode()
    # The match page lists the newest of its section: it must show the new one.
    assert "Huấn luyện viên mới" in client.get(newsroom["match_vi_url"]).content.decode()
    assert served_from_cache(client, "/vi/the-gioi/")
    assert served_from_cache(client, newsroom["summit_vi_url"])


def test_moving_an_article_to_another_section_refreshes_both_listings(client, newsroom, committed):
    warm(client, "/vi/the-gioi/", "/vi/the-thao/")
    with committed():
        article = newsroom["match"]
        article.section = newsroom["world"]
        article.save()
    assert "Đội tuyển thắng" in client.get("/vi/the-gioi/").content.decode()
    assert "Đội tuyển thắng" not in client.get("/vi/the-thao/").content.decode()


def test_authors_story_and_images_changes_refresh_the_article(client, newsroom, committed):
    url = newsroom["summit_vi_url"]
    warm(client, url)
    with committed():
        newsroom["summit"].authors.add(make_author("Hoa Lê", slug="hoa-le"))
    assert "Hoa Lê" in client.get(url).content.decode()
    assert served_from_cache(client, url)
    with committed():
        story = Story.objects.create(labels={"vi": "Tuần lễ cấp cao"})
        stories.move_to_story([newsroom["summit"], newsroom["match"]], story)
    response, queries = get(client, url)
    assert queries > 0 and "Tuần lễ cấp cao" in response.content.decode()
    assert served_from_cache(client, url)
    with committed():
        newsroom["lan"].name = "Lan Phạm Thị"
        newsroom["lan"].save()
    assert "Lan Phạm Thị" in client.get(url).content.decode()
    warm(client, "/vi/author/lan-pham/")
    assert served_from_cache(client, url)
    with committed():  # from the author's side, and a clear (no pk_set)
        make_author("Hoa Lê", slug="hoa-le-2").articles.add(newsroom["summit"])
        newsroom["lan"].articles.clear()
    page = client.get(url).content.decode()
    assert "Lan Phạm Thị" not in page and "hoa-le-2" in page
    assert "Hội nghị thượng đỉnh" not in client.get("/vi/author/lan-pham/").content.decode()


def test_renaming_a_section_refreshes_every_page_menu(client, newsroom, committed):
    warm(client, newsroom["match_vi_url"], "/en/")
    with committed():
        section = newsroom["world"]
        section.names = {**section.names, "vi": "Quốc tế", "en": "International"}
        section.save()
    assert "Quốc tế" in client.get(newsroom["match_vi_url"]).content.decode()
    assert "International" in client.get("/en/").content.decode()


def test_a_rolled_back_edit_bumps_nothing(client, newsroom, django_capture_on_commit_callbacks):
    from django.db import transaction

    warm(client, "/vi/")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        text = ArticleText.objects.get(pk=newsroom["summit_vi"].pk)
        text.title = "never"
        text.save()
        raise RuntimeError("rolled back")
    assert served_from_cache(client, "/vi/")


def test_editors_are_never_served_or_stored(client, newsroom):
    user = get_user_model().objects.create_user("editor", password="x-password-1")
    client.force_login(user)
    for _ in range(2):
        response, queries = get(client, newsroom["summit_vi_url"])
        assert response.status_code == 200 and queries > 0
        assert "private" in response["Cache-Control"]
    client.logout()
    client.cookies.clear()
    response, queries = get(client, newsroom["summit_vi_url"])
    assert queries > 0, "an editor's page was stored"


def test_compare_search_and_unknown_parameters_bypass_the_cache(client, newsroom):
    for path in (
        newsroom["summit_vi_url"] + "?compare=en",
        "/vi/search/?q=h%E1%BB%99i+ngh%E1%BB%8B",
        newsroom["summit_vi_url"] + "?preview=1",
    ):
        for _ in range(2):
            response, queries = get(client, path)
            assert response.status_code == 200 and queries > 0, path
        assert "Surrogate-Key" not in response


def test_tracking_parameters_share_the_page_and_page_numbers_do_not(client, newsroom):
    warm(client, newsroom["summit_vi_url"], "/vi/the-gioi/")
    assert served_from_cache(client, newsroom["summit_vi_url"] + "?utm_source=facebook&fbclid=abc")
    response, queries = get(client, "/vi/the-gioi/?page=1")
    assert queries > 0


def test_head_is_answered_from_the_get_entry(client, newsroom):
    first = client.get("/vi/")
    with CaptureQueriesContext(connection) as queries:
        head = client.head("/vi/")
    assert len(queries) == 0
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == first["ETag"]


def _through_middleware(response: HttpResponse) -> HttpResponse:
    """A marked response from a fake view, through the middleware twice: was it stored?"""
    from kabar.pagecache.http import Validators

    def view(request):
        response.kabar_page = Validators(("site",), {}, 'W/"x"', 0.0)
        return response

    cache.clear()
    store.forget_recent()
    PageCacheMiddleware(view)(RequestFactory().get("/vi/fake-page/"))
    return store.lookup(store.page_key(RequestFactory().get("/vi/fake-page/")))


def test_responses_with_cookies_or_vary_cookie_or_private_are_never_stored():
    ok = HttpResponse(b"plain")
    assert _through_middleware(ok) is not None
    with_cookie = HttpResponse(b"x")
    with_cookie.set_cookie("csrftoken", "abc")
    assert _through_middleware(with_cookie) is None
    varying = HttpResponse(b"x")
    varying["Vary"] = "Accept-Encoding, Cookie"
    assert _through_middleware(varying) is None
    private = HttpResponse(b"x")
    private["Cache-Control"] = "private"
    assert _through_middleware(private) is None


def test_kabar_stats_counts_hits_and_misses(client, newsroom, capsys):
    store.reset_totals()
    client.get("/vi/")
    client.get("/vi/")
    client.get("/vi/", HTTP_IF_NONE_MATCH=client.get("/vi/")["ETag"])
    totals = store.totals()
    assert (
        totals["miss"] == 1 and totals["hit"] == 3 and totals["stored"] == 1 and totals["not_modified"] == 1
    )
    call_command("stats")
    out = capsys.readouterr().out
    assert "hit rate: 75.0%" in out


REDIS_URL = os.environ.get("KABAR_TEST_REDIS_URL", "")


@pytest.fixture(params=["memory", "file", "redis"])
def cache_backend(request, settings, tmp_path):
    backends = {
        "memory": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "file": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)},
        "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    }
    if request.param == "redis" and not REDIS_URL:
        pytest.skip("KABAR_TEST_REDIS_URL not set (CI sets it when Redis answers)")
    settings.CACHES = {"default": {**backends[request.param], "KEY_PREFIX": "kabar-test-pagecache"}}
    cache.clear()
    yield request.param
    cache.clear()


def test_every_cache_backend_stores_and_invalidates(client, newsroom, committed, cache_backend):
    warm(client, newsroom["summit_vi_url"], "/vi/the-thao/")
    with committed():
        text = ArticleText.objects.get(pk=newsroom["summit_vi"].pk)
        text.title = "Đính chính tiêu đề"
        text.save()
    response, queries = get(client, newsroom["summit_vi_url"])
    assert queries > 0 and "Đính chính tiêu đề" in response.content.decode()
    assert served_from_cache(client, "/vi/the-thao/")


def test_with_the_page_cache_off_nothing_is_stored(client, newsroom, settings):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "enabled": False}
    client.get("/vi/")
    response, queries = get(client, "/vi/")
    assert queries > 0
    assert "ETag" not in response and "Surrogate-Key" not in response
    assert "public" in response["Cache-Control"]


def test_a_bump_written_by_another_process_is_seen_at_the_next_request(client, newsroom):
    from kabar.pagecache import versions

    warm(client, "/vi/the-gioi/", "/vi/the-thao/")
    # What `kabar worker` does in its own process: new version, then a new generation.
    cache.set(versions.key(f"section:{newsroom['world'].pk}:vi"), versions.new_version())
    cache.set(versions.GENERATION_KEY, versions.new_version())
    response, queries = get(client, "/vi/the-gioi/")
    assert queries > 0
    assert served_from_cache(client, "/vi/the-thao/")


def test_an_evicted_tag_version_made_again_invalidates_the_pages_stored_with_the_old_one(client, newsroom):
    from kabar.pagecache import versions

    warm(client, "/vi/the-gioi/")
    cache.delete(versions.key(f"section:{newsroom['world'].pk}:vi"))
    # Another page of that section is rendered and gives the tag a new version.
    client.get(newsroom["summit_vi_url"])
    response, queries = get(client, "/vi/the-gioi/")
    assert queries > 0
    assert served_from_cache(client, "/vi/the-gioi/")


def test_a_lost_generation_makes_the_process_read_the_versions_again(client, newsroom):
    from kabar.pagecache import versions

    warm(client, "/vi/the-gioi/")
    cache.delete(versions.GENERATION_KEY)
    cache.delete(versions.key(f"section:{newsroom['world'].pk}:vi"))
    response, queries = get(client, "/vi/the-gioi/")
    assert queries > 0


def test_a_new_section_appears_in_every_menu(client, newsroom, committed):
    warm(client, "/vi/")
    with committed():
        make_section("kinh-te", {"vi": "Kinh tế", "en": "Business"})
    # A section enters a language's menu with its first published text in that language.
    assert "Kinh tế" not in client.get("/vi/").content.decode()
    # The fixture's texts were never committed: record the menus they give, as their commit would have.
    refresh_cached_pages_if_menus_changed()
    warm(client, newsroom["summit_vi_url"], newsroom["summit_en_url"])
    with committed():
        article = make_article(section=Section.objects.get(slug="kinh-te"), published_at=NOW)
        make_text(article, "vi", slug="gia-vang", title="Giá vàng")
    assert "Kinh tế" in client.get("/vi/").content.decode()
    # Every page of the language shows the menu, not only the listings the new text is in...
    assert "Kinh tế" in client.get(newsroom["summit_vi_url"]).content.decode()
    # ...and the other languages, whose menus did not change, stay stored.
    assert served_from_cache(client, newsroom["summit_en_url"])
