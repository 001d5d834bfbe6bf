"""The CTranslate2 engine end to end on tiny real models (SentencePiece + CTranslate2, random weights)."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import ctranslate2
import pytest

from kabar.core.errors import NotConfigured, StageError, TooLarge
from kabar.core.translate.mt import ct2
from kabar.core.translate.mt.ct2 import CTranslate2Engine, describe_model
from kabar.core.translate.mt.tiny import build_tiny_multilingual, tiny_corpus
from kabar.hookspecs import ENGINE_GROUP, MTEngine, load_plugins

pytestmark = pytest.mark.slow

# Short outputs keep every test fast: random weights rarely stop on their own.
FAST = {"intra_threads": 1, "max_decoding_length": 24}
SENTENCES = [row[0] for row in tiny_corpus(("vi", "en"), size=40, seed=7)]


def engine_for(*paths: Path, **options: object) -> CTranslate2Engine:
    return CTranslate2Engine(models=[{"path": str(p)} for p in paths], **{**FAST, **options})


def test_translates_a_batch_with_one_detokenised_output_per_input(tiny_model: Path) -> None:
    engine = engine_for(tiny_model)
    assert isinstance(engine, MTEngine)
    assert engine.pairs() == {("vi", "en")}

    out = engine.translate(SENTENCES[:8], "vi", "en")

    assert len(out) == 8
    assert all(isinstance(t, str) and t for t in out)
    assert not any("\u2581" in t or "</s>" in t for t in out)  # SentencePiece pieces were joined back
    assert len(set(out)) > 1  # outputs depend on the input, so the order checks below mean something
    target_pieces = json.loads((tiny_model / "target_vocabulary.json").read_text())
    target_chars = set("".join(target_pieces).replace("\u2581", " "))
    assert set("".join(out)) <= target_chars  # decoded from the target side's vocabulary


def test_beam_search_output_is_deterministic_and_independent_of_batching(tiny_model: Path) -> None:
    many = SENTENCES * 2  # 80 segments
    roomy = engine_for(tiny_model, max_batch_tokens=4096)
    cramped = engine_for(tiny_model, max_batch_tokens=24)  # forces many small token batches

    out = roomy.translate(many, "vi", "en")

    assert len(out) == len(many)
    assert out == roomy.translate(many, "vi", "en")
    assert cramped.translate(many, "vi", "en") == out
    one_by_one = [roomy.translate([s], "vi", "en")[0] for s in SENTENCES[:5]]
    assert one_by_one == out[:5]


def test_blank_segments_stay_blank_and_line_breaks_survive(tiny_model: Path) -> None:
    engine = engine_for(tiny_model)
    first, second = SENTENCES[0], SENTENCES[1]

    out = engine.translate(["", "   ", f"{first}\n{second}", first], "vi", "en")

    assert out[0] == ""
    assert out[1] == "   "
    assert out[2].split("\n") == engine.translate([first, second], "vi", "en")
    assert out[3] == out[2].split("\n")[0]
    assert engine.translate([], "vi", "en") == []


def test_multilingual_model_uses_language_tokens_and_offers_every_pair(tiny_multilingual: Path) -> None:
    engine = engine_for(tiny_multilingual)
    languages = ("vi", "en", "id")
    assert engine.pairs() == {(a, b) for a in languages for b in languages if a != b}

    to_en = engine.translate(SENTENCES[:6], "vi", "en")
    to_id = engine.translate(SENTENCES[:6], "vi", "id")

    assert len(to_en) == len(to_id) == 6
    assert all(to_en) and all(to_id)
    assert to_en != to_id  # the forced target prefix steers the decoder
    for text in to_en + to_id:
        assert not any(token in text for token in ("eng_Latn", "ind_Latn", "vie_Latn", "</s>"))


def test_multilingual_languages_are_read_from_the_vocabulary(tmp_path: Path) -> None:
    nllb = build_tiny_multilingual(tmp_path / "nllb", languages=("vi", "en"), declare_languages=False)
    m2m = build_tiny_multilingual(
        tmp_path / "m2m", languages=("vi", "id"), style="m2m", declare_languages=False
    )
    assert "languages" not in json.loads((nllb / "kabar.json").read_text())

    assert describe_model(str(nllb)).language_tokens == {"vi": "vie_Latn", "en": "eng_Latn"}
    assert describe_model(str(m2m)).language_tokens == {"vi": "__vi__", "id": "__id__"}

    engine = engine_for(nllb, m2m)
    assert engine.pairs() == {("vi", "en"), ("en", "vi"), ("vi", "id"), ("id", "vi")}
    out = engine.translate(SENTENCES[:3], "vi", "id")  # served by the M2M-style model
    assert len(out) == 3 and all(out)
    assert not any("__id__" in t or "__vi__" in t for t in out)


def test_pair_is_inferred_from_an_opus_mt_folder_name(tiny_model: Path, tmp_path: Path) -> None:
    opus = shutil.copytree(tiny_model, tmp_path / "opus-mt-vi-en")
    (opus / "kabar.json").unlink()
    nameless = shutil.copytree(opus, tmp_path / "my-model")

    assert describe_model(str(opus)).pairs == {("vi", "en")}
    with pytest.raises(ValueError, match="cannot tell the language pair"):
        describe_model(str(nameless))
    assert describe_model({"path": str(nameless), "source": "vi", "target": "en"}).pairs == {("vi", "en")}


def test_model_version_is_stable_and_changes_with_the_model(
    tiny_model: Path, tiny_multilingual: Path, tmp_path: Path
) -> None:
    first = engine_for(tiny_model).model_version
    assert first == engine_for(tiny_model).model_version
    assert first.startswith(tiny_model.name)

    both = engine_for(tiny_model, tiny_multilingual)
    assert both.model_version_for("vi", "en") == first  # the first listed model serves vi->en
    assert both.model_version_for("vi", "id").startswith(tiny_multilingual.name)

    copy = shutil.copytree(tiny_model, tmp_path / tiny_model.name)
    stat = (copy / "model.bin").stat()
    os.utime(copy / "model.bin", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert engine_for(copy).model_version != first


def test_missing_or_unusable_models_disable_the_engine(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured, match="no models"):
        CTranslate2Engine()
    with pytest.raises(NotConfigured, match="does not exist"):
        CTranslate2Engine(models=[{"path": str(tmp_path / "absent")}])
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotConfigured, match="no model.bin"):
        CTranslate2Engine(models=[str(tmp_path / "empty")])


def test_the_registry_builds_it_from_settings_and_skips_it_without_models(tiny_model: Path) -> None:
    enabled = load_plugins(ENGINE_GROUP, {"ctranslate2": {"models": [{"path": str(tiny_model)}]}})
    assert enabled["ctranslate2"].pairs() == {("vi", "en")}
    assert "ctranslate2" not in load_plugins(ENGINE_GROUP, {"ctranslate2": {"models": []}})


def test_unknown_pair_and_oversized_input_fail_clearly(tiny_model: Path) -> None:
    engine = engine_for(tiny_model, max_input_tokens=30, max_chars=5000)

    with pytest.raises(StageError, match=r"no model for en->vi \(it has vi->en\)") as err:
        engine.translate(["Hello"], "en", "vi")
    assert err.value.stage == "translate"
    with pytest.raises(TooLarge, match="tokens long, the limit is 30"):
        engine.translate([" ".join(SENTENCES[:5])], "vi", "en")
    with pytest.raises(TooLarge, match="the limit is 5,000"):
        engine.translate(SENTENCES * 10, "vi", "en")


def test_model_loads_once_under_concurrent_first_use(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    real = ctranslate2.Translator

    def counting(path: str, **kwargs: object) -> object:
        opened.append(path)
        return real(path, **kwargs)

    monkeypatch.setattr(ct2.ctranslate2, "Translator", counting)
    engine = engine_for(tiny_model)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(engine.translate(SENTENCES[:2], "vi", "en"))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert opened == [str(tiny_model)]
    assert len(results) == 4 and all(r == results[0] for r in results)


def test_a_source_prefix_token_goes_before_every_sentence(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OPUS-MT models with several target languages (e.g. opus-mt-en-vi) expect ">>vie<<" first.
    seen: list[list[str]] = []
    real = ctranslate2.Translator

    class Recording:
        def __init__(self, path: str, **kwargs: object) -> None:
            self._real = real(path, **kwargs)

        def translate_batch(self, batch: list[list[str]], **kwargs: object) -> object:
            seen.extend(batch)
            return self._real.translate_batch(batch, **kwargs)

    monkeypatch.setattr(ct2.ctranslate2, "Translator", Recording)
    assert describe_model({"path": str(tiny_model), "source_prefix": ">>vie<<"}).source_prefix == (">>vie<<",)
    engine = CTranslate2Engine(models=[{"path": str(tiny_model), "source_prefix": ">>vie<<"}], **FAST)
    out = engine.translate(SENTENCES[:2], "vi", "en")
    assert len(out) == 2 and len(seen) == 2
    assert all(tokens[0] == ">>vie<<" and tokens[1] != ">>vie<<" for tokens in seen)
