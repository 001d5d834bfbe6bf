"""``kabar reindex``: rebuilds from published texts, one language or all; clear errors otherwise."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError

from kabar.core.discover.search import SearchQuery
from kabar.search import services
from kabar.search.models import SearchDocument

pytestmark = pytest.mark.django_db


def test_rebuilds_published_texts_only(make_text: Callable[..., Any]) -> None:
    original = make_text("Mưa lớn ở Hà Nội")
    make_text("Heavy rain in Hanoi", language="en", article=original.article)
    make_text("Bản nháp", is_published=False)
    SearchDocument.objects.all().delete()  # an index lost or never built
    assert services.search(SearchQuery("mua lon", "vi")).total == 0
    out = StringIO()
    call_command("reindex", "--language", "vi", stdout=out, stderr=StringIO())
    assert "indexed 1 published vi texts" in out.getvalue()
    assert services.search(SearchQuery("mua lon", "vi")).total == 1
    assert services.search(SearchQuery("rain", "en")).total == 0
    call_command("reindex", stdout=out, stderr=StringIO())
    assert services.search(SearchQuery("rain", "en")).total == 1
    assert SearchDocument.objects.count() == 2  # the draft is not indexed


def test_unknown_language_is_misuse(db: None) -> None:
    with pytest.raises(CommandError, match="not a site language") as caught:
        call_command("reindex", "--language", "xx", stdout=StringIO(), stderr=StringIO())
    assert caught.value.returncode == 2


def test_a_backend_that_cannot_run_is_misuse(db: None, settings: Any) -> None:
    settings.SEARCH_BACKEND = "meilisearch"
    with pytest.raises(CommandError, match="no such search backend") as caught:
        call_command("reindex", stdout=StringIO(), stderr=StringIO())
    assert caught.value.returncode == 2


def test_a_failed_rebuild_keeps_the_old_index(make_text: Callable[..., Any], monkeypatch: Any) -> None:
    make_text("Cầu Thăng Long")
    backend_class = type(services.get_backend())

    def broken(self: Any, documents: Any) -> None:
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(backend_class, "index", broken)
    with pytest.raises(CommandError, match="previous index is unchanged") as caught:
        call_command("reindex", stdout=StringIO(), stderr=StringIO())
    assert caught.value.returncode == 1
    assert services.search(SearchQuery("thang long", "vi")).total == 1
