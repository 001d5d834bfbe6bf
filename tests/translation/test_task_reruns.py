"""Translation tasks are safe to run again: a worker that dies mid-task gets its task re-queued.

The re-run must neither duplicate a text nor its segment records, nor leave half a text
from the run that died (kabar.ingest.leases re-queues; these tasks must be idempotent).
"""

from __future__ import annotations

import pytest
from translation_helpers import store

from kabar.news.models import ArticleText
from kabar.translation.models import SegmentRecord
from kabar.translation.tasks import translate_article_task, translate_batch_task

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for the process dying at that statement (not an Exception: nothing catches it)."""


def machine_texts(article_id: int) -> list[ArticleText]:
    return list(ArticleText.objects.filter(article_id=article_id, status=ArticleText.Status.MACHINE))


def test_a_task_run_again_after_it_finished_finds_its_text_current(spy, outlet):
    article = store(outlet)
    first = translate_article_task.call(article.pk, "en")
    calls = len(spy.calls)
    segments = SegmentRecord.objects.count()
    again = translate_article_task.call(article.pk, "en")
    assert first["action"] == "translated" and again["action"] == "current"
    assert again["text"] == first["text"] and len(machine_texts(article.pk)) == 1
    assert SegmentRecord.objects.count() == segments > 0
    assert len(spy.calls) == calls, "no engine call for a text that is already there"


def test_a_task_killed_while_saving_leaves_nothing_and_its_rerun_writes_the_whole_text(
    spy, outlet, monkeypatch
):
    article = store(outlet)

    def killed(*args, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setattr(SegmentRecord.objects, "bulk_create", killed)  # the text row is saved by then
        with pytest.raises(WorkerKilled):
            translate_article_task.call(article.pk, "en")
    assert machine_texts(article.pk) == [] and SegmentRecord.objects.count() == 0, "no half-written text"

    rerun = translate_article_task.call(article.pk, "en")
    (text,) = machine_texts(article.pk)
    assert rerun["action"] == "translated" and rerun["text"] == text.pk
    assert SegmentRecord.objects.filter(text=text).count() == rerun["segments"] > 0


def test_forced_and_batch_reruns_replace_segments_instead_of_adding_them(spy, outlet):
    article = store(outlet)
    first = translate_article_task.call(article.pk, "en", force=True)
    second = translate_article_task.call(article.pk, "en", force=True)
    assert first["action"] == second["action"] == "translated" and first["text"] == second["text"]
    batch = translate_batch_task.call([article.pk], ["en"], force=True)
    assert batch["translated"] == 1 and len(machine_texts(article.pk)) == 1
    assert SegmentRecord.objects.count() == first["segments"]
