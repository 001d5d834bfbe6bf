"""``kabar translate`` through call_command."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from django.core.management import CommandError, call_command
from translation_helpers import CORPUS, VI, make_doc, store

from kabar.ingest.store import store_article
from kabar.news.models import ArticleText

pytestmark = pytest.mark.django_db


def test_all_missing_translates_what_has_no_text_yet(spy, outlet):
    first = store(outlet)
    second = store(outlet, url="https://thu.example/b.html", title=VI[50])
    ArticleText.objects.create(article=second, language="en", title="Mine", slug="mine", status="human")
    out = io.StringIO()

    call_command("translate", "--all-missing", "--to", "en", stdout=out, stderr=io.StringIO())

    assert first.texts.get(language="en").status == "machine"
    assert second.texts.get(language="en").title == "Mine"
    report = out.getvalue()
    assert "translated" in report and "engine calls" in report and "skipped (human)" in report

    out = io.StringIO()
    call_command("translate", "--all-missing", "--to", "en", "--json", stdout=out)
    assert json.loads(out.getvalue())["translated"] == 0


def test_force_on_chosen_articles_reports_memory_hits(spy, outlet):
    article = store(outlet)
    call_command(
        "translate", "--article", str(article.pk), "--to", "en", stdout=io.StringIO(), stderr=io.StringIO()
    )
    spy.reset()
    out = io.StringIO()
    call_command("translate", "--article", str(article.pk), "--to", "en", "--force", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["translated"] == 1 and summary["engine_calls"] == 0 and spy.calls == []
    assert summary["from_memory"] == summary["segments"] > 0


def store_in(outlet, language: str, url: str):
    """An article whose original is in ``language`` (the tiny corpus's own sentences in it)."""
    column = {"vi": 0, "en": 1, "id": 2}[language]
    doc = replace(
        make_doc(url, title=CORPUS[60][column], lead=CORPUS[61][column], paragraphs=[CORPUS[62][column]]),
        language=language,
    )
    return store_article(doc, outlet=outlet).article


def test_a_language_without_engine_is_skipped_and_the_rest_translated(spy, outlet):
    # The engine is vi→en only: the Indonesian partner's article has no way into English.
    vietnamese = store(outlet)
    indonesian = store_in(outlet, "id", "https://thu.example/id.html")
    assert indonesian.source_language == "id"
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"1 article in id not translated into en") as refused:
        call_command("translate", "--all-missing", "--to", "en", stdout=out, stderr=io.StringIO())
    assert refused.value.returncode == 1
    assert vietnamese.texts.get(language="en").status == "machine"
    assert not indonesian.texts.filter(language="en").exists()
    report = out.getvalue()
    assert "skipped: no engine for the pair" in report and "no engine for id→en" in report

    out = io.StringIO()
    with pytest.raises(CommandError, match="^nothing translated: 1 article in id") as again:
        call_command("translate", "--all-missing", "--to", "en", "--json", stdout=out)
    assert again.value.returncode == 1
    summary = json.loads(out.getvalue())
    assert summary["translated"] == 0 and summary["failed"] == 0
    assert [(s["source"], s["target"], s["articles"]) for s in summary["skipped"]] == [("id", "en", 1)]
    assert summary["skipped"][0]["reason"] == "no engine for id→en: configured engines: ctranslate2 (vi→en)"


def test_one_target_without_route_does_not_stop_the_others(mt, outlet):
    store(outlet)
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"in vi not translated into id") as refused:
        call_command("translate", "--all-missing", "--to", "en,id", stdout=out, stderr=io.StringIO())
    assert refused.value.returncode == 1
    assert ArticleText.objects.filter(language="en", status="machine").count() == 1
    assert "no engine for vi→id: configured engines: ctranslate2 (vi→en)" in out.getvalue()


def test_nothing_translatable_is_said_so(mt, outlet):
    store_in(outlet, "id", "https://thu.example/id.html")
    with pytest.raises(CommandError, match=r"^nothing translated: 1 article in id") as refused:
        call_command("translate", "--all-missing", "--to", "en", stdout=io.StringIO(), stderr=io.StringIO())
    assert refused.value.returncode == 1  # left out, not misuse: an engine for id→en would do it
    assert not ArticleText.objects.filter(language="en").exists()


def test_no_engine_configured_is_a_clear_error(outlet, settings):
    settings.MT_ENGINES = {}
    store(outlet)
    with pytest.raises(CommandError, match="no MT engine is configured") as refused:
        call_command("translate", "--all-missing", "--to", "en")
    assert refused.value.returncode == 2


def test_unknown_articles_are_named(mt):
    with pytest.raises(CommandError, match="no article with id 4242") as refused:
        call_command("translate", "--article", "4242", "--to", "en")
    assert refused.value.returncode == 2
