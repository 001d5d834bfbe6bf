"""Machine-translation engines (pure core: no Django).

Each engine implements ``kabar.hookspecs.MTEngine`` and is registered under the
``kabar.engines`` entry-point group:

* ``ctranslate2`` (``ct2.CTranslate2Engine``): local CTranslate2 models, including
  OPUS-MT style pairs, NLLB/M2M-100 multilingual models and Argos packages;
* ``libretranslate`` (``libretranslate.LibreTranslateEngine``): a LibreTranslate server;
* ``openai`` (``openai_chat.OpenAIChatEngine``): any OpenAI-compatible chat server
  (llama.cpp, vLLM, Ollama).

This module holds the small pieces they share.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kabar.core.errors import StageError
from kabar.core.stage import check_size

log = logging.getLogger("kabar.mt")

STAGE = "translate"


class TranslationError(StageError):
    """An engine could not translate a batch; ``reason`` says why, for operators."""

    stage = STAGE


def all_pairs(languages: Iterable[str]) -> set[tuple[str, str]]:
    """Every ordered pair of distinct languages: what a many-to-many engine offers."""
    return set(itertools.permutations(dict.fromkeys(languages), 2))


def check_batch(segments: Sequence[str], max_chars: int) -> None:
    """Refuse a batch whose total length exceeds ``max_chars`` (``TooLarge``)."""
    check_size(STAGE, sum(len(s) for s in segments), max_chars)


def warn_unknown_options(engine: str, unknown: Mapping[str, Any]) -> None:
    """Log options an engine does not know, so a typo in settings is seen, not silently ignored."""
    if unknown:
        log.warning("%s: ignoring unknown option(s) %s", engine, ", ".join(sorted(unknown)))
