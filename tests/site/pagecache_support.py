"""Shared set-up for the page cache tests: the cache on and empty, edits that really commit."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import transaction
from factories import make_article, make_author, make_outlet, make_section, make_text

from kabar.pagecache import store

NOW = dt.datetime(2025, 10, 12, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def page_cache(settings) -> Iterator[None]:
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "enabled": True}
    cache.clear()
    yield
    cache.clear()
    store.forget_recent()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed(): edit`` — the edit's transaction commits, so its tags are bumped.

    Test transactions never commit; the inner atomic block gets its own savepoint (and so its
    own batch of tags), which the capture runs as a real commit would.
    """

    @contextlib.contextmanager
    def run() -> Iterator[None]:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            yield

    return run


@pytest.fixture
def newsroom():
    """Two sections, each with an article by its own author; Vietnamese originals, one English translation."""
    outlet = make_outlet(name="Tuổi Trẻ", language="vi")
    world = make_section("the-gioi", {"vi": "Thế giới", "en": "World", "id": "Dunia"}, position=1)
    sport = make_section("the-thao", {"vi": "Thể thao", "en": "Sport", "id": "Olahraga"}, position=2)
    lan = make_author("Lan Phạm", outlet=outlet, slug="lan-pham")
    minh = make_author("Minh Trần", outlet=outlet, slug="minh-tran")
    summit = make_article(outlet=outlet, section=world, authors=[lan], published_at=NOW)
    summit_vi = make_text(summit, "vi", title="Hội nghị thượng đỉnh khai mạc", slug="hoi-nghi-khai-mac")
    summit_en = make_text(summit, "en", title="Summit opens", slug="summit-opens")
    match = make_article(
        outlet=outlet, section=sport, authors=[minh], published_at=NOW - dt.timedelta(hours=1)
    )
    match_vi = make_text(match, "vi", title="Đội tuyển thắng trận mở màn", slug="doi-tuyen-thang")
    return {
        "outlet": outlet,
        "world": world,
        "sport": sport,
        "lan": lan,
        "minh": minh,
        "summit": summit,
        "summit_vi": summit_vi,
        "summit_en": summit_en,
        "match": match,
        "match_vi": match_vi,
        "summit_vi_url": "/vi/2025/10/hoi-nghi-khai-mac/",
        "summit_en_url": "/en/2025/10/summit-opens/",
        "match_vi_url": "/vi/2025/10/doi-tuyen-thang/",
    }
