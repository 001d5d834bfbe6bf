"""In the demo, articles are machine-translated by an engine pointed at a model directory.

The model here is a real CTranslate2 model built by the test (random weights, so its output
is gibberish and QA holds it from publishing — which is the workflow working as designed).
"""

import json

import pytest
from django.core.management import call_command

from kabar.core.translate.mt.tiny import build_tiny_model
from kabar.demo.load import load_demo
from kabar.demo.server import OutletServer
from kabar.news.models import ArticleText
from kabar.translation.engines import reset_caches

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine_from_model_dir(settings, tmp_path):
    model_dir = build_tiny_model(tmp_path / "opus-mt-vi-id", source="vi", target="id")
    settings.MT_ENGINES = {"ctranslate2": {"models": [{"path": str(model_dir)}]}}
    settings.MT_ROUTES = {}
    reset_caches()
    yield model_dir
    reset_caches()


def test_demo_articles_are_machine_translated_through_the_workflow(engine_from_model_dir, settings, capsys):
    settings.FETCH = {**settings.FETCH, "host_delay": 0.0}
    # Báo Sông Hồng alone: the model here is vi→id only, and the partners' originals are en and id
    with OutletServer(partners=()) as server:
        load_demo(server)
    human_before = {
        t.pk: (t.title, t.blocks) for t in ArticleText.objects.filter(status="human", language="id")
    }
    call_command("translate", all_missing=True, to=["id"], json=True)
    summary = json.loads(capsys.readouterr().out)
    machine = ArticleText.objects.filter(status="machine", language="id")
    assert machine.count() == ArticleText.objects.filter(status="original").count() - len(human_before)
    assert summary and machine.exists()
    for text in machine:
        assert text.translated_from == "vi" and text.engine == "ctranslate2"
        assert "opus-mt-vi-id" in text.model_version and text.route.startswith("vi→id")
        assert text.segments.exists()
        if text.qa_passed is False:
            assert text.is_published is False, "QA failures are held from readers"
    # human translations are never overwritten by MT
    assert {
        t.pk: (t.title, t.blocks) for t in ArticleText.objects.filter(status="human", language="id")
    } == human_before
