"""Stale propagation (news.signals.original_changed) and the queue tasks."""

from __future__ import annotations

import pytest
from translation_helpers import PARAGRAPHS, PHRASEBOOK, VI, make_doc, spy_on_engine, store

from kabar.ingest.store import store_article
from kabar.news.models import ArticleText
from kabar.translation.tasks import translate_article_task, translate_batch_task

pytestmark = pytest.mark.django_db


def test_new_articles_go_to_the_route_targets(mt, monkeypatch, outlet, django_capture_on_commit_callbacks):
    mt.MT_ROUTES = {"en": ["ctranslate2"], "*": ["ctranslate2"]}
    spy_on_engine(monkeypatch, phrasebook=True)  # after the settings: changing them drops the router
    with django_capture_on_commit_callbacks(execute=True):
        article = store(outlet)
    text = article.texts.get(language="en")
    assert text.status == "machine" and text.title == PHRASEBOOK[("vi", "en", VI[10])]
    assert set(article.texts.values_list("language", flat=True)) == {"vi", "en"}  # "*" names no language


def test_without_route_targets_new_articles_wait(spy, outlet, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = store(outlet)
    assert article.texts.count() == 1 and spy.calls == []


def test_without_engines_nothing_happens(outlet, settings, django_capture_on_commit_callbacks):
    settings.MT_ENGINES = {}
    settings.MT_ROUTES = {"en": ["ctranslate2"]}
    with django_capture_on_commit_callbacks(execute=True):
        article = store(outlet)
    ArticleText.objects.create(article=article, language="en", title="E", slug="e", status="machine")
    with django_capture_on_commit_callbacks(execute=True):
        store_article(make_doc(paragraphs=[*PARAGRAPHS, VI[80]]), outlet=outlet)
    en = article.texts.get(language="en")
    assert en.title == "E" and en.stale is True


def test_a_change_retranslates_machine_texts_and_leaves_people_s_texts_stale(
    mt, monkeypatch, outlet, tiny_vi_en, tiny_en_id, django_capture_on_commit_callbacks
):
    mt.MT_ENGINES = {"ctranslate2": {"models": [{"path": str(tiny_vi_en)}, {"path": str(tiny_en_id)}]}}
    spy = spy_on_engine(monkeypatch, phrasebook=True)
    article = store(outlet)
    en = translate_article_task.enqueue(article.pk, "en").return_value
    assert en["action"] == "translated"
    ArticleText.objects.create(
        article=article, language="id", title="Judul", slug="judul", status="post-edited"
    )
    with django_capture_on_commit_callbacks(execute=True):
        store_article(make_doc(title=VI[81]), outlet=outlet)
    texts = {t.language: t for t in article.texts.all()}
    assert texts["en"].title == PHRASEBOOK[("vi", "en", VI[81])] and texts["en"].stale is False
    assert texts["id"].title == "Judul" and texts["id"].stale is True
    assert {(s, t) for _, s, t in spy.calls} == {("vi", "en")}  # an id route exists, yet nothing went to id


def test_the_batch_task_returns_a_json_summary(spy, outlet):
    a = store(outlet)
    b = store(outlet, url="https://thu.example/b.html", title=VI[82])
    result = translate_batch_task.enqueue([a.pk, b.pk, 999_999], ["en", "vi"])
    summary = result.return_value
    assert summary["translated"] == 2 and summary["engine_calls"] == 1
    assert sorted(o["action"] for o in summary["outcomes"]) == [
        "same-language",
        "same-language",
        "translated",
        "translated",
    ]
    assert translate_article_task.enqueue(999_999, "en").return_value["action"] == "gone"
