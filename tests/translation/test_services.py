"""translate_article / translate_many through the configured ctranslate2 engine (tiny real models)."""

from __future__ import annotations

import copy

import pytest
from translation_helpers import PARAGRAPHS, PHRASEBOOK, VI, make_doc, store

from kabar.core.blocks import validate_blocks
from kabar.core.errors import StageError
from kabar.core.text.segment import split_sentences
from kabar.ingest.store import store_article
from kabar.news.models import ArticleText
from kabar.translation.engines import get_router
from kabar.translation.glossary import build_glossary
from kabar.translation.models import GlossaryTerm, SegmentRecord, TMEntry
from kabar.translation.services import (
    TranslationFailed,
    translate_article,
    translate_article_outcome,
    translate_many,
)

pytestmark = pytest.mark.django_db

NUMBERS = "Tuyến dài 28 km, có 19 điểm dừng và chạy từ 5 giờ sáng đến 23 giờ mỗi ngày."


def sentence_count(article) -> int:
    original = article.original
    pieces = [original.title, original.lead] + [
        b["text"] for b in original.blocks if b["type"] == "paragraph"
    ]
    pieces += [b["caption"] for b in original.blocks if b["type"] == "image" and b.get("caption")]
    return sum(len(split_sentences(p, "vi")) for p in pieces)


def test_translates_an_article_end_to_end_with_the_tiny_model(raw_spy, outlet):
    image = {"type": "image", "src": "https://thu.example/a.jpg", "caption": VI[20], "credit": "Ảnh: Lê Minh"}
    article = store(outlet, extra_blocks=[image])

    text = translate_article(article, "en")

    assert text.status == ArticleText.Status.MACHINE and text.language == "en"
    assert text.translated_from == "vi" and text.engine == "ctranslate2"
    assert text.model_version.startswith("tiny-vi-en@")
    assert text.route == f"vi→en via ctranslate2:{text.model_version}"
    assert text.stale is False and text.qa_passed is not None
    validate_blocks(text.blocks)
    assert [b["type"] for b in text.blocks] == [b["type"] for b in article.original.blocks]
    # What the model wrote is what is stored: each input sentence came back as an engine output.
    assert sorted(raw_spy.inputs) == sorted({r.source_text for r in text.segments.all()}), (
        "every distinct sentence goes to the engine once"
    )
    assert text.title != article.original.title and text.title
    assert text.blocks[-1]["credit"] == "Ảnh: Lê Minh" and text.blocks[-1]["src"] == image["src"]
    assert text.blocks[-1]["caption"] != VI[20]
    records = list(text.segments.order_by("position"))
    assert len(records) == sentence_count(article)
    assert [r.field for r in records[:2]] == ["title", "lead"]
    assert {r.field for r in records[2:]} == {"body"}
    assert text.slug and ArticleText.objects.filter(language="en", slug=text.slug).count() == 1


def test_a_second_translation_is_served_by_the_memory(spy, outlet):
    article = store(outlet)
    first = translate_article_outcome(article, "en")
    assert first.action == "translated" and first.qa_passed is True
    assert len(spy.inputs) == sentence_count(article) and first.from_memory == 0
    spy.reset()

    # Up to date: nothing to do at all.
    assert translate_article_outcome(article, "en").action == "current"
    # Forced: every sentence comes from the memory, no engine call.
    forced = translate_article_outcome(article, "en", force=True)
    assert forced.action == "translated" and forced.from_memory == forced.segments > 0
    # Even from scratch.
    ArticleText.objects.filter(article=article, language="en").delete()
    again = translate_article(article, "en")
    assert spy.calls == []
    assert again.title == PHRASEBOOK[("vi", "en", VI[10])]
    assert TMEntry.objects.filter(preferred=False, use_count__gte=2).count() == forced.segments


def test_a_one_paragraph_edit_retranslates_only_that_paragraph(
    spy, outlet, django_capture_on_commit_callbacks
):
    article = store(outlet)
    before = translate_article(article, "en")
    spy.reset()

    edited = copy.deepcopy(PARAGRAPHS)
    edited[1] = f"{VI[30]} {VI[31]}"
    with django_capture_on_commit_callbacks(execute=True):
        store_article(make_doc(paragraphs=edited), outlet=outlet)

    assert sorted(spy.inputs) == sorted([VI[30], VI[31]])
    text = ArticleText.objects.get(pk=before.pk)
    assert text.stale is False and text.status == ArticleText.Status.MACHINE
    assert text.blocks[1]["text"] == f"{PHRASEBOOK[('vi', 'en', VI[30])]} {PHRASEBOOK[('vi', 'en', VI[31])]}"
    assert text.blocks[0] == before.blocks[0] and text.blocks[2] == before.blocks[2]
    fresh = SegmentRecord.objects.filter(text=text, from_memory=False)
    assert sorted(r.source_text for r in fresh) == sorted([VI[30], VI[31]])


def test_the_pivot_path_is_recorded(mt, tiny_en_id, tiny_vi_en, monkeypatch, outlet):
    from translation_helpers import spy_on_engine

    mt.MT_ENGINES = {"ctranslate2": {"models": [{"path": str(tiny_vi_en)}, {"path": str(tiny_en_id)}]}}
    spy = spy_on_engine(monkeypatch, phrasebook=True)
    article = store(outlet)

    text = translate_article(article, "id")

    assert text.route.startswith("vi→en→id via ctranslate2:tiny-vi-en@")
    assert ", ctranslate2:tiny-en-id@" in text.route
    assert {(s, t) for _, s, t in spy.calls} == {("vi", "en"), ("en", "id")}
    assert text.title == PHRASEBOOK[("en", "id", PHRASEBOOK[("vi", "en", VI[10])])]
    assert text.translated_from == "vi" and text.qa_passed is True


def test_qa_failure_holds_the_text_from_publishing(spy, outlet):
    clean = store(outlet)
    flawed = store(outlet, url="https://thu.example/b.html", title=VI[40], paragraphs=[*PARAGRAPHS, NUMBERS])

    summary = translate_many([clean, flawed], ["en"])

    good = clean.texts.get(language="en")
    bad = flawed.texts.get(language="en")
    assert (good.qa_passed, good.is_published) == (True, True)
    assert (bad.qa_passed, bad.is_published) == (False, False)
    failing = bad.segments.get(passed=False)
    assert failing.source_text == NUMBERS
    assert any(i["check"] == "numbers" and i["severity"] == "error" for i in failing.issues)
    assert summary.qa_failures == 1 and summary.translated == 2


def test_review_policy_holds_machine_text(spy, outlet, settings):
    settings.MT_PUBLISH = {"en": "review"}
    text = translate_article(store(outlet), "en")
    assert text.qa_passed is True and text.is_published is False


def test_human_text_is_never_overwritten(spy, outlet, django_capture_on_commit_callbacks):
    article = store(outlet)
    human = ArticleText.objects.create(
        article=article, language="en", title="A person's title", slug="a-persons-title", status="human"
    )
    with django_capture_on_commit_callbacks(execute=True):
        store_article(make_doc(paragraphs=[*PARAGRAPHS, VI[50]]), outlet=outlet)

    assert spy.calls == []
    outcome = translate_article_outcome(article, "en", force=True)
    assert outcome.action == "kept-human" and "stale" in outcome.reason
    human.refresh_from_db()
    assert human.status == "human" and human.title == "A person's title" and human.stale is True
    assert spy.calls == [] and not human.segments.exists()


def test_many_articles_share_engine_batches_and_repeated_sentences(spy, outlet):
    a = store(outlet, paragraphs=[f"{VI[60]} {VI[61]}", VI[62]])
    b = store(outlet, url="https://thu.example/b.html", title=VI[63], paragraphs=[VI[61], VI[64]])

    summary = translate_many([a, b], ["en"])

    assert summary.translated == 2 and summary.engine_calls == 1 == len(spy.calls)
    assert spy.inputs.count(VI[61]) == 1  # in both articles, translated once
    assert a.texts.get(language="en").blocks[1]["text"] == PHRASEBOOK[("vi", "en", VI[62])]
    assert b.texts.get(language="en").blocks[1]["text"] == PHRASEBOOK[("vi", "en", VI[64])]


def test_an_engine_failure_in_a_batch_fails_only_its_article(spy, outlet, monkeypatch):
    good = store(outlet)
    bad = store(outlet, url="https://thu.example/b.html", title=VI[70], paragraphs=[VI[71]])
    real = spy.__call__

    def refuse_one(segments, source, target, glossary=None):
        if VI[71] in segments:
            raise RuntimeError("model crashed")
        return real(segments, source, target, glossary)

    engine = get_router().engines["ctranslate2"]
    monkeypatch.setattr(engine, "translate", refuse_one)

    summary = translate_many([good, bad], ["en"])

    assert [o.action for o in summary.outcomes] == ["translated", "failed"]
    assert "model crashed" in summary.failed[0].reason and summary.failed[0].article_id == bad.pk
    with pytest.raises(StageError, match="model crashed"):  # alone, it fails loudly (for the task log)
        translate_article(bad, "en")


def test_same_language_and_missing_routes(mt, outlet):
    article = store(outlet)
    with pytest.raises(TranslationFailed, match="original is in vi"):
        translate_article(article, "vi")
    summary = translate_many([article], ["id"])  # only vi→en exists; en→id is missing for the pivot
    assert summary.outcomes[0].action == "failed"
    assert "no MT engine translates vi→id" in summary.outcomes[0].reason


def test_glossary_terms_reach_the_engine_protected(spy, outlet):
    GlossaryTerm.objects.create(source_lang="vi", target_lang="*", term="Hà Nội", translation="Hanoi")
    GlossaryTerm.objects.create(source_lang="vi", target_lang="en", term="Hà Nội", translation="Ha Noi")
    GlossaryTerm.objects.create(source_lang="vi", term="Báo Thử", do_not_translate=True)
    glossary = build_glossary([("vi", "en"), ("vi", "id")])
    assert glossary.terms("vi", "en")["Hà Nội"] == "Ha Noi"  # a term for the target beats "*"
    assert glossary.terms("vi", "id")["Hà Nội"] == "Hanoi"
    assert glossary.terms("vi", "id")["Báo Thử"] == "Báo Thử"

    hanoi = next(s for s in VI if "Hà Nội" in s)
    translate_article(store(outlet, paragraphs=[hanoi]), "en")

    sent = next(s for s in spy.inputs if "<g1/>" in s)
    assert "Hà Nội" not in sent


def test_articles_translated_together_are_judged_apart(spy, outlet, monkeypatch):
    """One article's last sentence and the next one's title may translate alike: no repeat across articles."""
    same = PHRASEBOOK[("vi", "en", VI[80])]

    def alike(segments, source, target, glossary=None):
        outputs = spy(segments, source, target, glossary)
        return [same if s == VI[81] else out for s, out in zip(segments, outputs, strict=True)]

    monkeypatch.setattr(get_router().engines["ctranslate2"], "translate", alike)
    a = store(outlet, paragraphs=[VI[80]])
    b = store(outlet, url="https://thu.example/b.html", title=VI[81], paragraphs=[VI[82]])

    summary = translate_many([a, b], ["en"])

    assert summary.engine_calls == 1 and summary.translated == 2
    first, second = a.texts.get(language="en"), b.texts.get(language="en")
    assert first.blocks[-1]["text"] == second.title == same
    assert (first.qa_passed, second.qa_passed) == (True, True)
    assert not SegmentRecord.objects.filter(passed=False).exists()
