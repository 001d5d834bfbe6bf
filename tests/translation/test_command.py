"""``kabar translate`` through call_command."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from translation_helpers import VI, store

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


def test_a_pair_without_engine_is_refused_up_front(mt, outlet):
    store(outlet)
    with pytest.raises(CommandError, match=r"no engine for vi→id: configured engines: ctranslate2 \(vi→en\)"):
        call_command("translate", "--all-missing", "--to", "en,id")
    assert not ArticleText.objects.filter(language="en").exists()


def test_no_engine_configured_is_a_clear_error(outlet, settings):
    settings.MT_ENGINES = {}
    store(outlet)
    with pytest.raises(CommandError, match="no MT engine is configured"):
        call_command("translate", "--all-missing", "--to", "en")


def test_unknown_articles_are_named(mt):
    with pytest.raises(CommandError, match="no article with id 4242"):
        call_command("translate", "--article", "4242", "--to", "en")
