"""The three ways the translation benchmark translates the same sentences (see ``translation``)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import ctranslate2
import sentencepiece as spm

from kabar.bench._marian import SOURCE, TARGET, quiet_transformers
from kabar.core.language import LanguageDetector
from kabar.core.mt.ct2 import CTranslate2Engine
from kabar.core.mt.routing import Router
from kabar.core.segment import split_blocks
from kabar.core.translate import InMemoryTM, translate_blocks
from kabar.core.types import Block

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


class KabarPath:
    """``translate_blocks`` per article through the ``ctranslate2`` engine, with a cold TM each pass."""

    def __init__(
        self,
        model_dir: Path,
        *,
        device: str,
        compute_type: str | None,
        threads: int,
        beam_size: int,
        max_decoding_length: int,
        max_batch_tokens: int,
    ) -> None:
        self.engine = CTranslate2Engine(
            models=[str(model_dir)],
            device=device,
            compute_type=compute_type,
            intra_threads=threads,
            beam_size=beam_size,
            max_decoding_length=max_decoding_length,
            max_batch_tokens=max_batch_tokens,
            max_input_tokens=MAX_INPUT_TOKENS,
        )
        self.compute_type: str = self.engine.compute_type
        self.router = Router({ENGINE: self.engine}, {"*": [ENGINE]})
        # A worker builds its detector once and reuses it, so it is built (and loaded) outside the timing.
        self.detector = LanguageDetector((SOURCE, TARGET, "id"), preload=True)
        self.last_stored = 0

    def __call__(self, articles: Sequence[Sequence[Block]]) -> None:
        memory = InMemoryTM()
        for blocks in articles:
            result = translate_blocks(
                blocks, SOURCE, TARGET, router=self.router, memory=memory, detector=self.detector
            )
            if any(segment.from_memory for segment in result.segments):
                raise BenchError("a sentence came from the translation memory: the TM was not cold")
        self.last_stored = len(memory)


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
    for blocks in articles:
        translate_blocks(blocks, SOURCE, TARGET, router=router, memory=InMemoryTM())
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
