"""kabar's file cache lists its folder only when a cull may be due, and still keeps MAX_ENTRIES."""

from __future__ import annotations

from kabar.pagecache import filecache
from kabar.pagecache.filecache import FileBasedCache


def cache_in(tmp_path, max_entries, **options):
    return FileBasedCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": max_entries, **options}})


def listings(monkeypatch, cache):
    counted = []
    real = cache._list_cache_files

    def spy():
        counted.append(1)
        return real()

    monkeypatch.setattr(cache, "_list_cache_files", spy)
    return counted


def files(tmp_path):
    return list(tmp_path.glob("*.djcache"))


def test_writes_far_below_max_entries_list_the_folder_once(tmp_path, monkeypatch):
    cache = cache_in(tmp_path, 20_000)
    counted = listings(monkeypatch, cache)
    for i in range(200):
        cache.set(f"k{i}", i)
    cache.set_many({f"m{i}": i for i in range(50)})
    assert len(counted) == 1  # Django's own backend lists it 250 times
    assert cache.get("k199") == 199 and len(files(tmp_path)) == 250


def test_culling_still_keeps_the_folder_at_max_entries(tmp_path):
    cache = cache_in(tmp_path, 10, CULL_FREQUENCY=2)
    for i in range(100):
        cache.set(f"k{i}", i)
        assert len(files(tmp_path)) <= 10
    assert cache.get("k99") == 99  # the newest write is never culled


def test_a_full_cull_frequency_still_clears(tmp_path):
    cache = cache_in(tmp_path, 5, CULL_FREQUENCY=0)
    for i in range(12):
        cache.set(f"k{i}", i)
        assert len(files(tmp_path)) <= 5


def test_other_processes_writes_are_counted_at_the_next_listing(tmp_path, monkeypatch):
    ours, theirs = cache_in(tmp_path, 10, CULL_FREQUENCY=2), cache_in(tmp_path, 100)
    clock = [1000.0]
    monkeypatch.setattr(filecache.time, "monotonic", lambda: clock[0])
    ours.set("first", 1)  # listed: 0 files
    for i in range(10):
        theirs.set(f"t{i}", i)  # another process (with a larger limit) writes meanwhile
    for i in range(3):
        ours.set(f"o{i}", i)  # ours counted only its own writes: room left, no listing
    assert len(files(tmp_path)) == 14
    clock[0] += filecache.CULL_CHECK_INTERVAL
    ours.set("later", 1)  # the interval has passed: listed and culled
    assert len(files(tmp_path)) <= 10


def test_the_settings_use_it_for_the_file_cache():
    from django.conf import settings

    if settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
        assert settings.CACHES["default"]["BACKEND"] == "kabar.pagecache.filecache.FileBasedCache"
