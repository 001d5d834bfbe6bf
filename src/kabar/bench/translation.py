"""Translation throughput: raw CTranslate2, kabar's whole translate path, and transformers, on the same weights.

``python -m kabar.bench.translation [--device cpu|cuda] [--segments N] [--repeats R] [--json]
[--model-dir DIR] [--skip-transformers] [--core-only]`` builds a Marian-base-shaped model with
seeded random weights (see ``_marian``) and reports sentences per second for:

1. ``raw_ct2``: ``ctranslate2.Translator.translate_batch`` over all the
   sentences at once, SentencePiece in and out: the limit;
2. ``kabar``: the same sentences as news articles (a title and paragraphs of
   three sentences) stored as ``Article`` rows in a throwaway SQLite database,
   translated by ``translation.services.translate_many`` as the batch task runs
   it, through the ``ctranslate2`` engine configured with raw's options:
   segmentation, markup protection, translation-memory lookups in the database
   (cold: every pass starts with no entries, so every sentence goes to the
   engine), QA with language detection, and storing the texts, their segment
   records and the memory entries. Django is set up inside the benchmark
   process for this (production defaults otherwise); setting up the database
   and the articles is not timed, and neither is emptying the memory between
   passes. ``--core-only`` times ``core.translate.translate_documents`` over
   the same articles with an in-memory TM instead, without Django;
3. ``transformers``: ``MarianMTModel.generate`` with ``MarianTokenizer`` on the
   weights CTranslate2 was converted from, in length-sorted batches: the peer.

All three translate the same token sequences (checked before timing) with the
same beam size and output length limit. Random weights almost never choose
``</s>``, so nearly every output runs to the limit; the mean output length of
each mode is reported to show the work was the same. That is also why the
default limit is 32 tokens: about the source length (27 tokens on average),
which is what a real vi→en model writes; a longer limit would only make every
mode decode text no model would. Every mode runs once
untimed first (model load, imports), then the modes take turns for each repeat
so that noise from other work on the machine spreads over all of them.

``--json`` prints exactly ``{"segments", "raw_ct2", "kabar", "transformers"}``
(medians, sentences/s; ``transformers`` is null when skipped) on stdout; the
table and notes go to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kabar.bench._marian import (
    MARIAN_BASE,
    SOURCE,
    TARGET,
    TINY,
    BuiltModel,
    MarianShape,
    build_model,
    synthetic_sentences,
)
from kabar.bench._modes import (
    BenchError,
    KabarCore,
    KabarWhole,
    RawCT2,
    TransformersPeer,
    check_engine_input,
    engine_options,
    make_articles,
)

TARGET_VS_RAW = 0.85
TARGET_VS_TRANSFORMERS = 1.5
SENTENCE_SEED = 1  # the tokenizer is trained on other sentences (see _marian)


@dataclass(frozen=True)
class BenchConfig:
    shape: MarianShape = MARIAN_BASE
    segments: int = 256  # 2-3 minutes on 2 quiet CPU cores, most of it in transformers
    repeats: int = 3
    device: str = "cpu"
    compute_type: str | None = None  # CTranslate2's; None: the kabar engine's default (int8 on CPU)
    beam_size: int = 2  # the kabar engine's default
    max_decoding_length: int = 32  # see the module docstring
    max_batch_tokens: int = 1024  # the kabar engine's default
    article_sentences: int = 24
    transformers_batch: int = 32
    threads: int = 0  # 0: every core this process may use
    skip_transformers: bool = False
    model_dir: Path | None = None  # None: a temporary folder, removed afterwards
    profile: bool = False  # print where one pass of kabar's path spends its time (needs pyinstrument)
    core_only: bool = False  # time translate_documents with an in-memory TM instead of translate_many


@dataclass
class ModeRun:
    compute_type: str
    rates: list[float] = field(default_factory=list)  # sentences/s, one per repeat
    output_tokens: float | None = None  # mean per sentence, where the mode can see tokens

    @property
    def median(self) -> float:
        return statistics.median(self.rates)


@dataclass
class BenchResult:
    config: BenchConfig
    threads: int
    source_tokens: float  # mean per sentence, </s> included
    raw_ct2: ModeRun
    kabar: ModeRun
    transformers: ModeRun | None
    notes: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "segments": self.config.segments,
            "raw_ct2": self.raw_ct2.median,
            "kabar": self.kabar.median,
            "transformers": self.transformers.median if self.transformers else None,
        }


def transformers_missing() -> str | None:
    """Why the transformers mode cannot run here, or None when it can."""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install torch==2.13.0 transformers)"
    return None


def run_benchmark(config: BenchConfig, log: Callable[[str], None] = lambda _: None) -> BenchResult:
    """Build (or reuse) the model and time the three modes; see the module docstring."""
    notes: list[str] = []
    if config.segments < 1 or config.repeats < 1:
        raise BenchError("--segments and --repeats must be at least 1")
    if config.device == "cuda":
        import ctranslate2

        if ctranslate2.get_cuda_device_count() == 0:
            raise BenchError("--device cuda: CTranslate2 sees no CUDA device here")
    elif config.device != "cpu":
        raise BenchError(f"unknown device {config.device!r} (cpu or cuda)")
    with_transformers = not config.skip_transformers
    if with_transformers and (missing := transformers_missing()):
        notes.append(f"transformers mode skipped: {missing}")
        with_transformers = False
    threads = config.threads or len(os.sched_getaffinity(0))

    with tempfile.TemporaryDirectory(prefix="kabar-bench-mt-") as scratch:
        root = config.model_dir or Path(scratch)
        started = time.perf_counter()
        built = build_model(config.shape, root, with_transformers=with_transformers)
        log(f"model ready in {root} ({time.perf_counter() - started:.1f}s)")
        sentences = synthetic_sentences(config.segments, SENTENCE_SEED)
        articles = make_articles(sentences, config.article_sentences)
        options = engine_options(
            built.ct2,
            device=config.device,
            compute_type=config.compute_type,
            threads=threads,
            beam_size=config.beam_size,
            max_decoding_length=config.max_decoding_length,
            max_batch_tokens=config.max_batch_tokens,
        )
        if config.core_only:
            kabar: KabarCore | KabarWhole = KabarCore(options, articles)
        else:
            started = time.perf_counter()
            kabar = KabarWhole(options, articles, Path(scratch) / "data")
            log(f"database with {len(articles)} articles ready ({time.perf_counter() - started:.1f}s)")
        try:
            return _measure(config, built, threads, sentences, kabar, notes, log)
        finally:
            kabar.close()


def _measure(
    config: BenchConfig,
    built: BuiltModel,
    threads: int,
    sentences: list[str],
    kabar: KabarCore | KabarWhole,
    notes: list[str],
    log: Callable[[str], None],
) -> BenchResult:
    raw = RawCT2(
        built.ct2,
        built.tokenizer,
        device=config.device,
        compute_type=kabar.compute_type,
        threads=threads,
        beam_size=config.beam_size,
        max_decoding_length=config.max_decoding_length,
        max_batch_tokens=config.max_batch_tokens,
    )
    # kabar's engine gets exactly the sentences raw_ct2 gets: the core's segmentation, then the mode's path.
    check_engine_input(make_articles(sentences, config.article_sentences), sentences)
    kabar.check_engine_input(sentences)
    peer: TransformersPeer | None = None
    if built.hf is not None:
        if config.device == "cuda" and not _torch_cuda():
            notes.append("transformers mode skipped: this torch build has no CUDA")
        else:
            peer = TransformersPeer(
                built.hf,
                device=config.device,
                threads=threads,
                beam_size=config.beam_size,
                max_new_tokens=config.max_decoding_length,
                batch_size=config.transformers_batch,
            )
            peer.check_tokens(sentences, raw.token_ids(sentences))

    runs = {"raw_ct2": ModeRun(raw.compute_type), "kabar": ModeRun(kabar.compute_type)}
    warmup = sentences[: config.article_sentences]
    raw(warmup)
    kabar.warm_up()
    if peer is not None:
        runs["transformers"] = ModeRun(peer.compute_type)
        peer(warmup[:8])
    for repeat in range(config.repeats):
        for name, run in runs.items():
            if name == "kabar":
                kabar.reset()  # a cold translation memory, untimed
            started = time.perf_counter()
            if name == "raw_ct2":
                tokens: float | None = raw(sentences)
            elif name == "kabar":
                tokens = None
                kabar()
            else:
                assert peer is not None
                tokens = peer(sentences)
            elapsed = time.perf_counter() - started
            if name == "kabar":
                kabar.verify()
            run.rates.append(len(sentences) / elapsed)
            run.output_tokens = None if tokens is None else tokens / len(sentences)
            log(f"repeat {repeat + 1}/{config.repeats} {name}: {len(sentences) / elapsed:.2f} sentences/s")
    if config.profile:
        log(_profile(kabar))
    notes.append(
        f"kabar's last pass stored {kabar.last_stored} of {len(sentences)} translations in its TM "
        "(QA errors on random-weight output keep the rest out)"
    )
    source_tokens = sum(len(t) for t in raw.token_ids(sentences)) / len(sentences)
    return BenchResult(
        config, threads, source_tokens, runs["raw_ct2"], runs["kabar"], runs.get("transformers"), notes
    )


def _profile(kabar: KabarCore | KabarWhole) -> str:
    try:
        from pyinstrument import Profiler
    except ImportError:
        return "--profile needs pyinstrument (pip install pyinstrument)"
    kabar.reset()
    profiler = Profiler(interval=0.001)
    profiler.start()
    kabar()
    profiler.stop()
    return str(profiler.output_text(unicode=True, color=False))


def _torch_cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def parameter_count(shape: MarianShape) -> int:
    """Weights of the model as built: shared embeddings, a separate output projection, sinusoidal positions."""
    d, f = shape.d_model, shape.ffn
    attention = 4 * (d * d + d)
    feed_forward = d * f + f + f * d + d
    encoder = shape.encoder_layers * (attention + feed_forward + 4 * d)
    decoder = shape.decoder_layers * (2 * attention + feed_forward + 6 * d)
    return 2 * shape.vocab * d + encoder + decoder


def format_report(result: BenchResult) -> str:
    c, s = result.config, result.config.shape
    lines = [
        f"Translation throughput, {SOURCE}→{TARGET}, random weights: {s.encoder_layers}+{s.decoder_layers} layers, "
        f"d_model {s.d_model}, FFN {s.ffn}, {s.heads} heads, vocab {s.vocab:,} "
        f"({parameter_count(s) / 1e6:.1f}M parameters)",
        f"{c.segments} sentences (mean {result.source_tokens:.1f} source tokens) in articles of "
        f"{c.article_sentences}; beam {c.beam_size}, max {c.max_decoding_length} output tokens; "
        f"{c.device}, {result.threads} threads; median of {c.repeats}",
        "",
        f"{'mode':<24}{'compute':<10}{'sentences/s':>12}  {'out tokens':>10}  runs",
    ]
    kabar_label = KabarCore.label if c.core_only else KabarWhole.label
    modes = [("raw ctranslate2", result.raw_ct2), (kabar_label, result.kabar)]
    if result.transformers is not None:
        modes.append(("transformers generate", result.transformers))
    for label, run in modes:
        tokens = f"{run.output_tokens:.1f}" if run.output_tokens is not None else "-"
        runs = " ".join(f"{r:.2f}" for r in run.rates)
        lines.append(f"{label:<24}{run.compute_type:<10}{run.median:>12.2f}  {tokens:>10}  {runs}")
    lines.append("")
    lines.append(
        _ratio("kabar / raw ctranslate2", result.kabar.median / result.raw_ct2.median, TARGET_VS_RAW)
    )
    if result.transformers is not None:
        ratio = result.kabar.median / result.transformers.median
        lines.append(_ratio("kabar / transformers", ratio, TARGET_VS_TRANSFORMERS))
    if c.repeats > 1:
        # Modes run back to back within a repeat, so these ratios suffer less from other work on the machine.
        paired = [k / r for k, r in zip(result.kabar.rates, result.raw_ct2.rates, strict=True)]
        lines.append(
            f"kabar / raw per repeat: {' '.join(f'{x:.2f}' for x in paired)} "
            f"(median {statistics.median(paired):.2f})"
        )
    lines.extend(f"note: {note}" for note in result.notes)
    return "\n".join(lines)


def _ratio(label: str, value: float, target: float) -> str:
    verdict = "met" if value >= target else "MISSED"
    return f"{label:<26}{value:>6.2f}   target ≥ {target:.2f}: {verdict}"


def parse_args(argv: list[str] | None) -> tuple[BenchConfig, bool]:
    parser = argparse.ArgumentParser(
        prog="python -m kabar.bench.translation", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--segments", type=int, default=BenchConfig.segments, help="sentences to translate")
    parser.add_argument("--repeats", type=int, default=BenchConfig.repeats, help="timed passes per mode")
    parser.add_argument("--json", action="store_true", help="print only the rates as JSON on stdout")
    parser.add_argument("--model-dir", type=Path, help="keep the built model here and reuse it next time")
    parser.add_argument("--skip-transformers", action="store_true", help="time CTranslate2 and kabar only")
    parser.add_argument("--compute-type", help="CTranslate2 compute type (default: int8 on cpu)")
    parser.add_argument("--beam-size", type=int, default=BenchConfig.beam_size)
    parser.add_argument("--max-decoding-length", type=int, default=BenchConfig.max_decoding_length)
    parser.add_argument("--article-sentences", type=int, default=BenchConfig.article_sentences)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads per engine (default: all)")
    parser.add_argument("--tiny", action="store_true", help="a toy model (1+1 layers, d_model 64, vocab 500)")
    parser.add_argument(
        "--profile", action="store_true", help="profile one pass of kabar's path (pyinstrument)"
    )
    parser.add_argument(
        "--core-only",
        action="store_true",
        help="time kabar's core translate_documents with an in-memory TM (no Django, no database)",
    )
    args = parser.parse_args(argv)
    config = BenchConfig(
        shape=TINY if args.tiny else MARIAN_BASE,
        profile=args.profile,
        core_only=args.core_only,
        segments=args.segments,
        repeats=args.repeats,
        device=args.device,
        compute_type=args.compute_type,
        beam_size=args.beam_size,
        max_decoding_length=args.max_decoding_length,
        article_sentences=args.article_sentences,
        threads=args.threads,
        skip_transformers=args.skip_transformers,
        model_dir=args.model_dir,
    )
    return config, args.json


def main(argv: list[str] | None = None) -> int:
    config, as_json = parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        result = run_benchmark(config, log)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = format_report(result)
    if as_json:
        print(report, file=sys.stderr)
        print(json.dumps(result.as_json()))
    else:
        print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
