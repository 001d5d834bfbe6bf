"""The translation benchmark on a toy model: every mode runs, and the modes really share inputs and weights.

The Marian-base benchmark itself takes minutes and is not run here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import ctranslate2
import pytest
import sentencepiece as spm

from kabar.bench._marian import TINY, build_model, synthetic_sentences
from kabar.bench._modes import BenchError, check_engine_input, make_articles
from kabar.bench.translation import main

pytestmark = pytest.mark.slow

FAST = [
    "--tiny",
    "--segments",
    "8",
    "--repeats",
    "1",
    "--article-sentences",
    "4",
    "--max-decoding-length",
    "8",
]


def needs_transformers() -> None:
    pytest.importorskip("torch", reason="the transformers mode needs torch (pip install torch==2.13.0)")
    pytest.importorskip("transformers", reason="the transformers mode needs transformers")


@pytest.fixture(scope="module")
def spec_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model built without transformers, shared by the tests of this module."""
    root = tmp_path_factory.mktemp("tiny-spec")
    build_model(TINY, root, with_transformers=False)
    return root


@pytest.fixture(scope="module")
def hf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    needs_transformers()
    root = tmp_path_factory.mktemp("tiny-hf")
    build_model(TINY, root, with_transformers=True)
    return root


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, object], str]:
    """The benchmark in this process, where Django is already set up: only ``--core-only`` can run."""
    assert main([*FAST, "--json", "--core-only", *args]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_the_whole_path_in_its_own_process_reports_both_ctranslate2_modes(spec_dir: Path) -> None:
    """The default mode sets Django up on a throwaway database, so it runs as the command would."""
    done = subprocess.run(
        [sys.executable, "-m", "kabar.bench.translation", *FAST, "--json", "--skip-transformers"]
        + ["--model-dir", str(spec_dir)],
        capture_output=True,
        text=True,
        timeout=240,
        # This test process's Django settings and test database must not leak into the benchmark's.
        env={**os.environ, "KABAR_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rates, report = json.loads(done.stdout), done.stderr

    assert set(rates) == {"segments", "raw_ct2", "kabar", "transformers"}
    assert rates["segments"] == 8
    assert isinstance(rates["raw_ct2"], float) and rates["raw_ct2"] > 0
    assert isinstance(rates["kabar"], float) and rates["kabar"] > 0
    assert rates["transformers"] is None
    assert "database with 2 articles ready" in report
    assert "kabar translate_many" in report and "kabar / raw ctranslate2" in report
    assert "transformers generate" not in report


def test_the_whole_path_will_not_use_a_django_already_set_up(
    spec_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*FAST, "--skip-transformers", "--model-dir", str(spec_dir)]) == 2
    assert "--core-only" in capsys.readouterr().err


def test_core_only_json_without_transformers(spec_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rates, report = run_json(["--skip-transformers", "--model-dir", str(spec_dir)], capsys)

    assert set(rates) == {"segments", "raw_ct2", "kabar", "transformers"}
    assert isinstance(rates["kabar"], float) and rates["kabar"] > 0
    assert rates["transformers"] is None
    assert "kabar core (memory TM)" in report


def test_without_torch_the_transformers_mode_is_skipped_with_a_note(
    spec_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes "import torch" fail as if it were not installed

    rates, report = run_json(["--model-dir", str(spec_dir)], capsys)

    assert rates["transformers"] is None
    assert isinstance(rates["kabar"], float) and rates["kabar"] > 0
    assert "transformers mode skipped: torch is not installed" in report


def test_json_with_all_three_modes(hf_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rates, report = run_json(["--model-dir", str(hf_dir)], capsys)

    assert set(rates) == {"segments", "raw_ct2", "kabar", "transformers"}
    for mode in ("raw_ct2", "kabar", "transformers"):
        value = rates[mode]
        assert isinstance(value, float) and value > 0, mode
    assert "kabar / transformers" in report


def test_ctranslate2_and_transformers_run_the_same_weights(hf_dir: Path) -> None:
    """Both score the same (source, target) pairs alike: the conversion kept every weight.

    Scoring with teacher forcing goes through the encoder, cross-attention, decoder
    and output projection at every target position, which generating from a toy
    model (it says </s> after a few tokens) would not.
    """
    needs_transformers()
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    sources = synthetic_sentences(4, seed=3)
    targets = synthetic_sentences(4, seed=4)  # any text will do: only the probabilities are compared
    sp = spm.SentencePieceProcessor(model_file=str(hf_dir / "ct2" / "source.spm"))
    translator = ctranslate2.Translator(str(hf_dir / "ct2"), compute_type="float32")
    scored = translator.score_batch(
        [[*sp.encode(s, out_type=str), "</s>"] for s in sources],
        [sp.encode(t, out_type=str) for t in targets],
    )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "pip install sacremoses"
        tokenizer = MarianTokenizer.from_pretrained(hf_dir / "hf")
    model: Any = MarianMTModel.from_pretrained(hf_dir / "hf")
    model.eval()
    for source, target, result in zip(sources, targets, scored, strict=True):
        labels = torch.tensor([[*sp.encode(target), tokenizer.eos_token_id]])
        with torch.inference_mode():
            logits = model(**tokenizer([source], return_tensors="pt"), labels=labels).logits
        # CTranslate2's vocabulary leaves out <pad> (the last id), as OPUS-MT's does; so must the softmax.
        expected = torch.log_softmax(logits[0, :, :-1], dim=-1).gather(1, labels[0][:, None])[:, 0]

        assert len(result.log_probs) == labels.shape[1]
        # They agree to about 1e-7; replacing any one weight matrix moves them by 1e-3 or more.
        assert result.log_probs == pytest.approx(expected.tolist(), rel=1e-5)
    assert len({round(sum(r.log_probs), 3) for r in scored}) == len(sources)  # not all alike


def test_kabar_sends_the_engine_exactly_the_raw_sentences() -> None:
    sentences = synthetic_sentences(10, seed=5)
    articles = make_articles(sentences, 4)
    assert [len(a) for a in articles] == [2, 2, 2]  # a heading and a paragraph of three; the last is shorter

    check_engine_input(articles, sentences)  # no error

    with pytest.raises(BenchError, match="split"):
        check_engine_input(articles, [*sentences[:-1], "Một câu khác."])


def test_the_tokenizer_fills_the_vocabulary_and_round_trips_the_text(spec_dir: Path) -> None:
    sp = spm.SentencePieceProcessor(model_file=str(spec_dir / "ct2" / "source.spm"))
    vocabulary = json.loads((spec_dir / "ct2" / "shared_vocabulary.json").read_text(encoding="utf-8"))

    assert sp.get_piece_size() == TINY.vocab - 1 == len(vocabulary)  # <pad> is left out, as in OPUS-MT
    assert vocabulary == [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    for sentence in synthetic_sentences(20, seed=9):
        assert sp.decode(sp.encode(sentence)) == sentence
        assert sp.unk_id() not in sp.encode(sentence)


def test_a_model_dir_is_reused_and_rebuilt_when_the_shape_changes(tmp_path: Path) -> None:
    built = build_model(TINY, tmp_path, with_transformers=False)
    first = (built.ct2 / "model.bin").stat()

    again = build_model(TINY, tmp_path, with_transformers=False)
    assert (again.ct2 / "model.bin").stat().st_mtime_ns == first.st_mtime_ns

    wider = build_model(replace(TINY, d_model=96, heads=4), tmp_path, with_transformers=False)
    assert (wider.ct2 / "model.bin").stat().st_size > first.st_size


def test_cuda_without_a_device_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    if ctranslate2.get_cuda_device_count() > 0:
        pytest.skip("this machine has a CUDA device")
    assert main([*FAST, "--device", "cuda"]) == 2
    assert "CUDA" in capsys.readouterr().err
