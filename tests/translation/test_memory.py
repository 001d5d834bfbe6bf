"""DjangoTM: the database translation memory behind kabar.core.translate.translate."""

from __future__ import annotations

import pytest
from django.db import connection

from kabar.core.translate.translate import TMKey
from kabar.translation.memory import CHUNK, DjangoTM, lookup_query
from kabar.translation.models import TMEntry, source_hash

pytestmark = pytest.mark.django_db

ROUTE = "vi→en via ctranslate2:opus-vi-en@1"
NEW_ROUTE = "vi→en via ctranslate2:opus-vi-en@2"


def key(text: str, route: str = ROUTE) -> TMKey:
    return TMKey.of(text, "vi", "en", route)


def test_store_then_lookup_by_exact_route():
    tm = DjangoTM()
    tm.store([(key("Xin  chào."), "Hello."), (key("Tạm biệt."), "Goodbye.")])
    assert tm.lookup([key("Xin chào."), key("Tạm biệt."), key("Chưa có.")]) == {
        key("Xin chào."): "Hello.",
        key("Tạm biệt."): "Goodbye.",
    }
    assert tm.lookup([key("Xin chào.", NEW_ROUTE)]) == {}  # a model update starts afresh
    entry = TMEntry.objects.get(source_text="Xin chào.")
    assert entry.source_hash == source_hash("Xin chào.") and entry.use_count == 1 and entry.used_at


def test_storing_a_key_again_replaces_its_text():
    tm = DjangoTM()
    tm.store([(key("Xin chào."), "Hi.")])
    tm.store([(key("Xin chào."), "Hello.")])
    assert TMEntry.objects.count() == 1
    assert tm.lookup([key("Xin chào.")]) == {key("Xin chào."): "Hello."}


def test_a_human_entry_wins_over_any_engine():
    tm = DjangoTM()
    tm.store([(key("Xin chào."), "Hi."), (key("Xin chào.", NEW_ROUTE), "Hullo.")])
    tm.store_preferred([(key("Xin chào."), "Hello there.")])
    tm.store_preferred([(key("Xin chào.", NEW_ROUTE), "Hello!")])  # one human entry per sentence and pair
    assert TMEntry.objects.filter(preferred=True).count() == 1
    assert tm.lookup([key("Xin chào.")])[key("Xin chào.")] == "Hello!"
    assert (
        tm.lookup([key("Xin chào.", "vi→en via other:9")])[key("Xin chào.", "vi→en via other:9")] == "Hello!"
    )
    assert tm.lookup([TMKey.of("Xin chào.", "vi", "id", ROUTE)]) == {}


def test_large_lookups_go_in_chunks_of_one_query(django_assert_max_num_queries):
    tm = DjangoTM()
    texts = [f"Câu số {n}." for n in range(CHUNK + 50)]
    tm.store([(key(t), f"Sentence {n}.") for n, t in enumerate(texts)])
    # Two chunks: one SELECT each, then one UPDATE of the use counts per chunk.
    with django_assert_max_num_queries(4):
        found = tm.lookup([key(t) for t in texts] + [key("Không có.")])
    assert len(found) == len(texts) and found[key(texts[-1])] == f"Sentence {len(texts) - 1}."


def test_lookups_use_the_key_index():
    DjangoTM().store([(key(f"Câu {n}."), f"S {n}.") for n in range(50)])
    query = lookup_query([source_hash("Câu 1."), source_hash("Câu 2.")], "vi", "en", ROUTE)
    if connection.vendor == "sqlite":
        plan = query.explain()
        assert "USING INDEX" in plan and "source_hash=?" in plan and "engine_version=?" in plan
        assert "SCAN" not in plan and "TEMP B-TREE" not in plan
    else:  # PostgreSQL: on a tiny table the planner prefers a scan, so ask whether the index can serve
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
        assert "tm_one_entry_per_key" in plan


def test_machine_entries_need_a_route():
    with pytest.raises(ValueError, match="route"):
        DjangoTM().store([(key("Xin chào.", ""), "Hello.")])
    with pytest.raises(ValueError, match="route"):
        DjangoTM().lookup([key("Xin chào.", "")])
