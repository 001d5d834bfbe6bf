"""Ingestion's after-commit work is coalesced per document: one bump, one index update, one reconcile.

A document's store touches its article several times (the commit, ``original_changed`` after it,
the pictures attached meanwhile); kabar.ingest.service wraps each in a coalescing
``kabar.pagecache.receivers.deferred`` block (documents from local files share one for up to
``COALESCE_SECONDS``). What readers see must not wait for more than that.
"""

from __future__ import annotations

import shutil

import pytest

from kabar.core.pipeline import Pipeline, PipelineLimits
from kabar.core.stage import InProcessStages
from kabar.detector import get_detector
from kabar.ingest.service import ingest
from kabar.news.models import Article, ArticleText
from kabar.pagecache import receivers
from kabar.pagecache import tasks as pagecache_tasks
from kabar.search import services as search_services
from kabar.webhooks import events as webhook_events

SEED = "001_db531604993b4b5d.txt"
TITLE = "Kerjasama Vietnam-Korea Utara memasuki fase baru yang lebih praktis dan efektif"

# Real commits: the store's on_commit hooks (original_changed) run inside the document's block.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pipeline() -> Pipeline:
    return Pipeline(get_detector(), PipelineLimits(), stages=InProcessStages())


@pytest.fixture
def seed(shared_dir, tmp_path):
    folder = tmp_path / "captures"
    folder.mkdir()
    shutil.copy(shared_dir / "seeds" / SEED, folder / SEED)
    return folder


@pytest.fixture
def calls(monkeypatch):
    seen: dict[str, list[object]] = {"bumps": [], "indexed": [], "reconciled": []}

    def spy(name, module, attribute, record=lambda *a, **k: a[0]):
        real = getattr(module, attribute)

        def wrapper(*args, **kwargs):
            seen[name].append(record(*args, **kwargs))
            return real(*args, **kwargs)

        monkeypatch.setattr(module, attribute, wrapper)

    spy("bumps", pagecache_tasks, "after_bump", lambda tags: set(tags))
    spy("indexed", search_services, "index_articles", lambda ids: ("articles", sorted(ids)))
    spy("indexed", search_services, "index_text", lambda pk: ("text", pk))
    spy("reconciled", webhook_events, "reconcile")
    return seen


def test_each_stored_article_is_bumped_indexed_and_reconciled_once(seed, pipeline, calls):
    summary = ingest(str(seed), kind="capture", pipeline=pipeline)
    assert summary.new == 1
    article = Article.objects.get()
    mine = [tags for tags in calls["bumps"] if f"article:{article.pk}" in tags]
    assert len(mine) == 1, calls["bumps"]  # was: the commit, then original_changed, then each attach
    assert calls["indexed"] == [("articles", [article.pk])]  # was: the text, then the article again
    assert calls["reconciled"] == [article.pk]  # was: after the text's save, then original_changed
    from kabar.webhooks.models import AnnouncedText

    assert AnnouncedText.objects.get(article_id=article.pk).published  # the one reconcile announced it


def test_a_correction_shows_at_once_on_the_cached_article_page(seed, pipeline, client, settings, calls):
    settings.PAGE_CACHE = {**settings.PAGE_CACHE, "enabled": True}
    ingest(str(seed), kind="capture", pipeline=pipeline)
    text = ArticleText.objects.get()
    url = text.get_absolute_url()
    first = client.get(url)
    assert first.status_code == 200 and TITLE in first.content.decode()
    assert TITLE in client.get(url).content.decode()  # stored in the page cache by now
    capture = seed / SEED
    capture.write_text(capture.read_text(encoding="utf-8").replace(TITLE, "Judul yang dikoreksi"), "utf-8")
    summary = ingest(str(seed), kind="capture", pipeline=pipeline)
    assert summary.updated == 1
    page = client.get(ArticleText.objects.get().get_absolute_url()).content.decode()
    assert "Judul yang dikoreksi" in page and TITLE not in page


def test_work_gathered_in_a_coalescing_block_runs_once_at_its_end_and_bumps_with_it(db, calls):
    ran: list[set[object]] = []
    with receivers.deferred(coalesce=True):
        assert receivers.after_commit_work("test", ran.append, [1, 2])
        assert receivers.after_commit_work("test", ran.append, [2, 3])
        receivers.bump_after_commit(["site"])
        assert ran == [] and calls["bumps"] == []
    assert ran == [{1, 2, 3}] and calls["bumps"] == [{"site"}]
    with receivers.deferred():  # kabar publish's block gathers tags only
        assert not receivers.after_commit_work("test", ran.append, [4])
    assert not receivers.after_commit_work("test", ran.append, [5])  # outside any block


def test_pictures_that_arrive_together_are_recorded_as_one_by_one(db):
    from kabar.ingest.images import Downloaded, Refused, remember, remember_all
    from kabar.ingest.models import ImageFetch

    remember(Refused("https://img.example/old.jpg", ImageFetch.Outcome.FAILED, "timed out"))
    rows = remember_all(
        [
            Downloaded("https://img.example/new.jpg", "images/ab.jpg", 640, 480, b"", True),
            Downloaded("https://img.example/old.jpg", "images/cd.jpg", 800, 600, b"", True),
            Refused("https://img.example/icon.png", ImageFetch.Outcome.SKIPPED, "too small"),
        ]
    )
    assert set(rows) == {
        "https://img.example/new.jpg",
        "https://img.example/old.jpg",
        "https://img.example/icon.png",
    }
    for url, row in rows.items():
        assert row.pk and ImageFetch.objects.get(pk=row.pk).url == url
    old = ImageFetch.objects.get(url="https://img.example/old.jpg")
    assert (old.outcome, old.name, old.width, old.reason, old.attempts) == (
        "stored",
        "images/cd.jpg",
        800,
        "",
        2,
    )
    assert ImageFetch.objects.get(url="https://img.example/icon.png").outcome == "skipped"
    assert remember_all([]) == {}


def test_documents_from_local_files_share_a_block_until_it_is_closed(db, calls):
    from kabar.ingest.service import _Coalescing

    block = _Coalescing()
    block.open()
    receivers.record(["site"])  # the first document's tags
    block.open()  # the next document: the same block
    receivers.record(["home:vi"])
    assert calls["bumps"] == [] and block.age() >= 0
    block.close()
    assert calls["bumps"] == [{"site", "home:vi"}]  # one bump for both, at the close
    block.close()  # closing twice is harmless
    receivers.record(["home:en"])  # no block open: bumped at once (autocommit), as before
    assert calls["bumps"][-1] == {"home:en"} and block.age() == 0.0
