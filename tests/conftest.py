"""Test-wide set-up.

Settings are read from the environment when Django starts, so the test data
directory and the in-process task backend are chosen here, before that.
``KABAR_TEST_DATABASE_URL`` runs the same suite on PostgreSQL.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ["KABAR_DATA_DIR"] = tempfile.mkdtemp(prefix="kabar-test-")
os.environ.setdefault("KABAR_TASKS_BACKEND", "immediate")
# The online relate step embeds every stored article (a CPU model); tests that want it turn it on.
os.environ.setdefault("KABAR_STORIES_ONLINE", "false")
# One process's cache (tests never share one with a server); KABAR_CACHE=redis is tried by the
# page cache's own tests when KABAR_TEST_REDIS_URL is set.
os.environ.setdefault("KABAR_CACHE", "memory")
# Test transactions never commit, so edits made in a test bump no tag: a stored page would stay.
# The page cache's own tests turn it on and commit (tests/site/test_page_cache.py).
os.environ.setdefault("KABAR_PAGE_CACHE", "false")
os.environ["KABAR_SECRET_KEY"] = "test-secret-key-not-for-production"
# Under pytest-xdist each worker process gets its own Redis database (15, 14, ...): the RQ tests
# and the Redis page-cache tests empty theirs, which must not pull jobs from under the other worker.
# (pytest-django already gives each worker its own PostgreSQL test database.)
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("KABAR_TEST_REDIS_URL"):
    _base, _, _db = os.environ["KABAR_TEST_REDIS_URL"].rpartition("/")
    if _db.isdigit():
        os.environ["KABAR_TEST_REDIS_URL"] = f"{_base}/{int(_db) - int(_worker[2:])}"
os.environ["KABAR_DATABASE_URL"] = os.environ.get("KABAR_TEST_DATABASE_URL", "")
# Named here rather than in pytest's ini so that the variables above are set before
# pytest-django imports the settings (it does so in pytest_configure when unset earlier).
os.environ["DJANGO_SETTINGS_MODULE"] = "kabar.conf.settings"
import django  # noqa: E402

django.setup()

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def shared_dir() -> Path:
    """``../shared`` beside the checkout; tests that need it skip with a reason when absent."""
    if not SHARED.is_dir():
        pytest.skip(f"shared material not found at {SHARED} (it sits beside the checkout in CI)")
    return SHARED


@pytest.fixture(autouse=True)
def _fresh_cache() -> object:
    """Each test starts with an empty cache: the database is rolled back after every test, so
    what a test left in the cache (the section menu, its record of the sections shown, tag
    versions, rate counters) would describe rows that no longer exist."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _admin_asked_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Admin requests ask for English unless a test says otherwise, as a browser always says something.

    The test client sends no Accept-Language, so the admin would answer in the site's first
    language (vi); most admin tests read its English messages. A test that sends its own
    Accept-Language, or the language cookie of the header's chooser (which wins over it), gets
    that language: tests/newsroom/test_admin_i18n.py walks the admin in each one.
    """
    from django.test.client import RequestFactory

    base_environ = RequestFactory._base_environ  # type: ignore[attr-defined]  # private, not in the stubs

    def asking_in_english(self: RequestFactory, **request: object) -> dict[str, object]:
        environ: dict[str, object] = base_environ(self, **request)
        if str(environ.get("PATH_INFO", "")).startswith("/admin/"):
            environ.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
        return environ

    monkeypatch.setattr(RequestFactory, "_base_environ", asking_in_english)
