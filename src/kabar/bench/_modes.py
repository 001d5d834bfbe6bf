"""The three ways the translation benchmark translates the same sentences (see ``translation``)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import ctranslate2
import sentencepiece as spm

from kabar.bench._marian import SOURCE, TARGET, quiet_transformers
from kabar.core.text.language import LanguageDetector
from kabar.core.text.segment import split_blocks
from kabar.core.translate.mt.ct2 import CTranslate2Engine
from kabar.core.translate.mt.routing import Router
from kabar.core.translate.translate import InMemoryTM, translate_documents
from kabar.core.types import Block, Extracted

if TYPE_CHECKING:
    from kabar.translation.services import BatchSummary

ENGINE = "ctranslate2"
PARAGRAPH_SENTENCES = 3
MAX_INPUT_TOKENS = 1024  # the kabar engine's default


class BenchError(Exception):
    """The benchmark cannot run as asked; the message says why."""


def make_articles(sentences: Sequence[str], per_article: int) -> list[list[Block]]:
    """News articles made of ``sentences`` in order: a heading, then paragraphs of three sentences."""
    if per_article < 1:
        raise BenchError("--article-sentences must be at least 1")
    articles = []
    for start in range(0, len(sentences), per_article):
        chunk = list(sentences[start : start + per_article])
        blocks: list[Block] = [{"type": "heading", "text": chunk[0], "level": 2}]
        for i in range(1, len(chunk), PARAGRAPH_SENTENCES):
            blocks.append({"type": "paragraph", "text": " ".join(chunk[i : i + PARAGRAPH_SENTENCES])})
        articles.append(blocks)
    return articles


class RawCT2:
    """``translate_batch`` over every sentence at once, with the options the kabar engine passes."""

    def __init__(
        self,
        model_dir: Path,
        tokenizer: Path,
        *,
        device: str,
        compute_type: str,
        threads: int,
        beam_size: int,
        max_decoding_length: int,
        max_batch_tokens: int,
    ) -> None:
        self.compute_type = compute_type
        self.translator = ctranslate2.Translator(
            str(model_dir), device=device, compute_type=compute_type, inter_threads=1, intra_threads=threads
        )
        self.sp = spm.SentencePieceProcessor(model_file=str(tokenizer))
        self.options = {
            "beam_size": beam_size,
            "max_decoding_length": max_decoding_length,
            "max_batch_size": max_batch_tokens,
            "batch_type": "tokens",
            "max_input_length": MAX_INPUT_TOKENS,
        }

    def token_ids(self, sentences: Sequence[str]) -> list[list[int]]:
        """What the model is fed: SentencePiece ids and ``</s>``, as OPUS-MT was trained."""
        eos = self.sp.piece_to_id("</s>")
        return [[*self.sp.encode(text), eos] for text in sentences]

    def __call__(self, sentences: Sequence[str]) -> int:
        """Translate; returns the number of output tokens."""
        batch = [[*self.sp.encode(text, out_type=str), "</s>"] for text in sentences]
        results = self.translator.translate_batch(batch, **self.options)
        hypotheses = [result.hypotheses[0] for result in results]
        self.sp.decode(hypotheses)
        return sum(len(h) for h in hypotheses)


def engine_options(
    model_dir: Path,
    *,
    device: str,
    compute_type: str | None,
    threads: int,
    beam_size: int,
    max_decoding_length: int,
    max_batch_tokens: int,
) -> dict[str, Any]:
    """The ``ctranslate2`` engine's options (``KABAR_MT_ENGINES``) for the benchmark model."""
    options: dict[str, Any] = {
        "models": [{"path": str(model_dir)}],
        "device": device,
        "intra_threads": threads,
        "beam_size": beam_size,
        "max_decoding_length": max_decoding_length,
        "max_batch_tokens": max_batch_tokens,
        "max_input_tokens": MAX_INPUT_TOKENS,
    }
    if compute_type:
        options["compute_type"] = compute_type
    return options


class KabarCore:
    """``--core-only``: ``translate_documents`` over all the articles with a cold in-memory TM; no Django."""

    label = "kabar core (memory TM)"

    def __init__(self, options: Mapping[str, Any], articles: Sequence[Sequence[Block]]) -> None:
        self.engine = CTranslate2Engine(**options)
        self.compute_type: str = self.engine.compute_type
        self.router = Router({ENGINE: self.engine}, {"*": [ENGINE]})
        # A worker builds its detector once and reuses it, so it is built (and loaded) outside the timing.
        self.detector = LanguageDetector((SOURCE, TARGET, "id"), preload=True)
        self.articles = articles
        self.memory = InMemoryTM()
        self.last_stored = 0

    def check_engine_input(self, sentences: Sequence[str]) -> None:
        check_engine_input(self.articles, sentences)

    def warm_up(self) -> None:
        self.reset()
        translate_documents(
            self.articles[:1], SOURCE, TARGET, router=self.router, memory=self.memory, detector=self.detector
        )

    def reset(self) -> None:
        self.memory = InMemoryTM()

    def __call__(self) -> None:
        results = translate_documents(
            self.articles, SOURCE, TARGET, router=self.router, memory=self.memory, detector=self.detector
        )
        if any(segment.from_memory for result in results for segment in result.segments):
            raise BenchError("a sentence came from the translation memory: the TM was not cold")

    def verify(self) -> None:
        self.last_stored = len(self.memory)

    def close(self) -> None:
        pass


class KabarWhole:
    """kabar's whole translate path: ``translate_many`` over ``Article`` rows, as the batch task runs it.

    Django is set up in this process on a throwaway SQLite database in
    ``data_dir`` with production defaults, except for the engine options, the
    in-process task queue and no automatic translation on ingest. The articles
    are stored through the ingest path once; each pass starts from a cold
    translation memory (``reset`` deletes machine texts and memory entries).
    """

    label = "kabar translate_many"

    def __init__(
        self, options: Mapping[str, Any], articles: Sequence[Sequence[Block]], data_dir: Path
    ) -> None:
        _set_up_django(data_dir, options)
        from django.core.management import call_command

        from kabar.ingest.store import store_article
        from kabar.news.models import Outlet
        from kabar.translation.engines import get_router

        call_command("migrate", interactive=False, verbosity=0)
        outlet = Outlet.objects.create(
            name="Benchmark", slug="benchmark", home_url="https://bench.invalid/", language=SOURCE
        )
        published = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
        self.ids: list[int] = []
        for number, (heading, *body) in enumerate(articles):
            url = f"https://bench.invalid/{number}.html"
            doc = Extracted(
                url=url,
                source_url=url,
                title=heading["text"],
                blocks=body,
                language=SOURCE,
                published=published,
            )
            self.ids.append(store_article(doc, outlet=outlet).article.pk)
        engine = get_router().engines.get(ENGINE)
        if not isinstance(engine, CTranslate2Engine):
            raise BenchError(f"the {ENGINE} engine is not enabled with the benchmark's options")
        self.engine = engine
        self.compute_type: str = engine.compute_type
        self.last_stored = 0
        self._summary: BatchSummary | None = None

    def _articles(self, ids: Sequence[int]) -> Any:
        from kabar.news.models import Article

        # What ``translate_batch_task`` hands to translate_many.
        return Article.objects.filter(pk__in=list(ids)).prefetch_related("texts").order_by("pk")

    def check_engine_input(self, sentences: Sequence[str]) -> None:
        """The engine, reached through translate_many, must be sent exactly the raw sentences."""
        from kabar.translation.services import translate_many

        recorder = _RecordingEngine()
        self.engine.translate = recorder.translate  # type: ignore[method-assign]
        try:
            translate_many(self._articles(self.ids), [TARGET])
        finally:
            del self.engine.translate
        self.reset()
        if sorted(recorder.sent) != sorted(sentences):
            raise BenchError("kabar's translate_many sent the engine other text than the raw sentences")

    def warm_up(self) -> None:
        from kabar.translation.services import translate_many

        self.reset()
        translate_many(self._articles(self.ids[:1]), [TARGET])

    def reset(self) -> None:
        from kabar.news.models import ArticleText
        from kabar.translation.models import TMEntry

        ArticleText.objects.filter(status=ArticleText.Status.MACHINE).delete()
        TMEntry.objects.all().delete()

    def __call__(self) -> None:
        from kabar.translation.services import translate_many

        self._summary = translate_many(self._articles(self.ids), [TARGET])

    def verify(self) -> None:
        """Every article was translated, none of it from the memory; counts what the memory kept."""
        from kabar.translation.models import TMEntry

        summary = self._summary
        if summary is None or summary.translated != len(self.ids):
            failed = "; ".join(o.reason for o in summary.failed) if summary is not None else "no run"
            raise BenchError(f"translate_many did not translate every article: {failed}")
        if summary.from_memory:
            raise BenchError("a sentence came from the translation memory: the TM was not cold")
        self.last_stored = TMEntry.objects.count()

    def close(self) -> None:
        from django.db import connections

        connections.close_all()


def _set_up_django(data_dir: Path, options: Mapping[str, Any]) -> None:
    from django.conf import settings

    if settings.configured:
        raise BenchError(
            "kabar's whole path sets Django up on a throwaway database, but Django is already set up "
            "in this process: run the benchmark in a process of its own, or pass --core-only"
        )
    import django

    # Production defaults for everything else, whatever this shell's KABAR_* variables say.
    for name in [name for name in os.environ if name.startswith("KABAR_")]:
        del os.environ[name]
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "kabar.conf.settings",
            "KABAR_DATA_DIR": str(data_dir),
            "KABAR_DATABASE_URL": f"sqlite:///{data_dir / 'bench.sqlite3'}",
            "KABAR_SECRET_KEY": "kabar-bench-throwaway",
            "KABAR_TASKS_BACKEND": "immediate",
            "KABAR_MT_ENGINES": json.dumps({ENGINE: dict(options)}),
        }
    )
    django.setup()
    logging.getLogger("kabar").setLevel(logging.WARNING)  # engines enabled, models loaded: not for the report


class _RecordingEngine:
    """Hands each input back unchanged and keeps what it was sent."""

    name: ClassVar[str] = "recording"
    max_batch = 64
    honours_glossary = False
    model_version = "recording"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def pairs(self) -> set[tuple[str, str]]:
        return {(SOURCE, TARGET)}

    def translate(
        self, segments: Sequence[str], source: str, target: str, glossary: Mapping[str, str] | None = None
    ) -> list[str]:
        self.sent.extend(segments)
        return list(segments)


def check_engine_input(articles: Sequence[Sequence[Block]], sentences: Sequence[str]) -> None:
    """Make sure kabar's path sends the engine exactly the sentences the raw mode translates."""
    if [s.text for blocks in articles for s in split_blocks(blocks, SOURCE)] != list(sentences):
        raise BenchError("kabar's segmenter split the synthetic articles differently from their sentences")
    recorder = _RecordingEngine()
    router = Router({recorder.name: recorder}, {"*": [recorder.name]})
    translate_documents(articles, SOURCE, TARGET, router=router, memory=InMemoryTM())
    if sorted(recorder.sent) != sorted(sentences):
        raise BenchError("kabar's translate path sent the engine other text than the raw sentences")


class TransformersPeer:
    """``MarianMTModel.generate`` in batches of similar length, as a careful transformers user would."""

    def __init__(
        self,
        model_dir: Path,
        *,
        device: str,
        threads: int,
        beam_size: int,
        max_new_tokens: int,
        batch_size: int,
    ) -> None:
        import torch
        from transformers import MarianMTModel, MarianTokenizer

        quiet_transformers()
        self.torch = torch
        torch.set_num_threads(threads)
        self.device = device
        with warnings.catch_warnings():  # see quiet_transformers
            warnings.simplefilter("ignore", UserWarning)
            self.tokenizer = MarianTokenizer.from_pretrained(model_dir)
        model: Any = MarianMTModel.from_pretrained(model_dir)  # its stubs reject .to("cpu")
        self.model = model.to(device).eval()
        self.compute_type = str(self.model.dtype).removeprefix("torch.")
        self.batch_size = batch_size
        self.generate_options: dict[str, Any] = {
            "num_beams": beam_size,
            "do_sample": False,
            "max_new_tokens": max_new_tokens,
        }

    def check_tokens(self, sentences: Sequence[str], expected: Sequence[Sequence[int]]) -> None:
        """The tokenizer must feed the model what CTranslate2 is fed, or the comparison is void."""
        for text, ids in zip(sentences, expected, strict=True):
            got = self.tokenizer(text).input_ids
            if list(got) != list(ids):
                raise BenchError(f"MarianTokenizer and SentencePiece disagree on {text!r}: {got} != {ids}")

    def __call__(self, sentences: Sequence[str]) -> int:
        """Translate; returns the number of output tokens."""
        pad = self.model.config.pad_token_id
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        tokens = 0
        with self.torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                batch = [sentences[i] for i in order[start : start + self.batch_size]]
                inputs = self.tokenizer(batch, return_tensors="pt", padding=True).to(self.device)
                output = self.model.generate(**inputs, **self.generate_options)
                self.tokenizer.batch_decode(output, skip_special_tokens=True)
                tokens += int((output[:, 1:] != pad).sum())  # the decoder start token is <pad>
        return tokens
