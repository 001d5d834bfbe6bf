"""An OpenAI-compatible chat-completions server (llama.cpp, vLLM, Ollama) as a kabar MT engine.

Options (``KABAR_MT_ENGINES["openai"]``)::

    {"url": "http://127.0.0.1:8080/v1", "model": "qwen2.5-7b-instruct", "api_key": "",
     "timeout": 120, "max_batch": 20, "retries": 2, "invalid_retries": 1,
     "temperature": 0, "languages": ["vi", "en", "id"]}

A batch goes out as numbered lines and must come back as exactly as many
numbered lines, 1 to N in order, with nothing else: language models add
preambles, merge lines and drop items, and a wrong count would misalign a whole
article. An unusable answer is sent back to the model once with the reason
(``invalid_retries``); if it is still unusable the batch fails with that reason.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar

from kabar.core.errors import NotConfigured
from kabar.core.translate.mt import TranslationError, all_pairs, check_batch, warn_unknown_options
from kabar.core.translate.mt.http_retry import JsonClient, RetryPolicy

PROMPT_VERSION = "1"  # part of model_version: a new prompt is a new translator
LINE_BREAK = "⟦br⟧"  # stands for a newline inside a segment, which numbered lines cannot carry

LANGUAGE_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "ar": "Arabic", "de": "German", "en": "English", "es": "Spanish", "fr": "French",
        "hi": "Hindi", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "km": "Khmer",
        "ko": "Korean", "lo": "Lao", "ms": "Malay", "my": "Burmese", "nl": "Dutch", "pl": "Polish",
        "pt": "Portuguese", "ru": "Russian", "th": "Thai", "tl": "Tagalog", "tr": "Turkish",
        "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese",
    }
)  # fmt: skip

SYSTEM_PROMPT = """You are a professional news translator. Translate each numbered segment \
from {source} to {target}.
Rules:
- Answer with exactly {count} lines, numbered 1. to {count}. in the same order as the input, \
one line per segment. Never merge, split, skip or add segments.
- Each line is "<number>. <translation>" and nothing else.
- Keep every marker exactly as written, at the matching place in the translation: inline tags \
such as <x1>, </x1>, <x2/> and <g1/> (they stand for links, emphasis and protected names), \
and ⟦br⟧ (a line break).
- Translate faithfully: no explanations, notes, alternatives, greetings or commentary, \
and no preamble such as "Here is the translation".
- If a segment needs no translation (a name, a number), copy it unchanged."""

_NUMBERED = re.compile(r"^\s*(\d+)\s*[.)]\s?(.*)$")
_THINKING = re.compile(r"<think>.*?</think>", re.DOTALL)
_FENCE = re.compile(r"^\s*```")
_LINE_BREAK_OUT = re.compile(r"\s*" + re.escape(LINE_BREAK) + r"\s*")


class InvalidOutput(ValueError):
    """The model's answer cannot be mapped back onto the segments; the message says why."""


def number_segments(texts: Sequence[str]) -> str:
    """The numbered block sent to the model; newlines inside a segment become ``LINE_BREAK``."""
    return "\n".join(f"{n}. {_encode(text)}" for n, text in enumerate(texts, 1))


def _encode(text: str) -> str:
    return f" {LINE_BREAK} ".join(line.strip() for line in text.strip().split("\n"))


def parse_numbered(content: str, sources: Sequence[str]) -> list[str]:
    """Map the model's answer back onto ``sources``, or raise ``InvalidOutput`` with the reason."""
    content = _THINKING.sub("", content)
    items: list[str] = []
    for line in content.splitlines():
        if not line.strip() or _FENCE.match(line):
            continue
        match = _NUMBERED.match(line)
        if not match:
            raise InvalidOutput(
                f"the answer has a line that is not a numbered translation: {line.strip()[:80]!r}"
            )
        if int(match.group(1)) != len(items) + 1:
            raise InvalidOutput(f"the answer's numbering goes {len(items)} then {match.group(1)}")
        items.append(match.group(2).strip())
    if len(items) != len(sources):
        raise InvalidOutput(f"the answer has {len(items)} numbered lines for {len(sources)} segments")
    for n, (item, source) in enumerate(zip(items, sources, strict=True), 1):
        if not item and source.strip():
            raise InvalidOutput(f"line {n} of the answer is empty")
    return [_LINE_BREAK_OUT.sub("\n", item) for item in items]


class OpenAIChatEngine:
    """Translates with a chat model behind an OpenAI-compatible ``/chat/completions`` endpoint."""

    name: ClassVar[str] = "openai"
    honours_glossary = True

    def __init__(
        self,
        *,
        url: str | None = None,
        model: str = "",
        api_key: str = "",
        timeout: float = 120.0,
        max_batch: int = 20,
        retries: int = 2,
        invalid_retries: int = 1,
        backoff: float = 1.0,
        max_retry_wait: float = 60.0,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        languages: Sequence[str] = ("vi", "en", "id"),
        language_names: Mapping[str, str] | None = None,
        max_chars: int = 50_000,
        sleep: Callable[[float], None] = time.sleep,  # for embedding and tests, not settings
        **unknown: Any,
    ) -> None:
        if not url:
            raise NotConfigured("no server URL (option 'url', e.g. http://127.0.0.1:8080/v1)")
        warn_unknown_options(self.name, unknown)
        url = url.rstrip("/")
        self.url = url if url.endswith("/chat/completions") else url + "/chat/completions"
        self.model = model
        self.max_batch = max_batch
        self.invalid_retries = invalid_retries
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.max_chars = max_chars
        self.languages = tuple(languages)
        self.language_names = {**LANGUAGE_NAMES, **(language_names or {})}
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        policy = RetryPolicy(retries=retries, backoff=backoff, max_wait=max_retry_wait, sleep=sleep)
        self._http = JsonClient(self.name, self.url, timeout=timeout, policy=policy, headers=headers)

    @property
    def model_version(self) -> str:
        return f"openai:{self.model or 'default'}:prompt-{PROMPT_VERSION}"

    def pairs(self) -> set[tuple[str, str]]:
        return all_pairs(self.languages)

    def translate(
        self,
        segments: Sequence[str],
        source: str,
        target: str,
        glossary: Mapping[str, str] | None = None,
    ) -> list[str]:
        """One translation per segment, using ``glossary`` terms where they occur."""
        check_batch(segments, self.max_chars)
        out = list(segments)
        todo = [i for i, segment in enumerate(segments) if segment.strip()]
        for start in range(0, len(todo), self.max_batch):
            chunk = todo[start : start + self.max_batch]
            texts = [segments[i] for i in chunk]
            for i, text in zip(
                chunk, self._translate_chunk(texts, source, target, glossary or {}), strict=True
            ):
                out[i] = text
        return out

    def messages(
        self, texts: Sequence[str], source: str, target: str, glossary: Mapping[str, str]
    ) -> list[dict[str, str]]:
        """The chat messages for one batch."""
        system = SYSTEM_PROMPT.format(
            source=self.language_names.get(source, source),
            target=self.language_names.get(target, target),
            count=len(texts),
        )
        joined = "\n".join(texts).casefold()
        terms = {k: v for k, v in glossary.items() if k.casefold() in joined}
        if terms:  # only the terms this batch uses, to keep the prompt short
            system += "\nUse these translations for these terms:\n" + "\n".join(
                f"- {k} -> {v}" for k, v in sorted(terms.items())
            )
        return [{"role": "system", "content": system}, {"role": "user", "content": number_segments(texts)}]

    def _translate_chunk(
        self, texts: list[str], source: str, target: str, glossary: Mapping[str, str]
    ) -> list[str]:
        messages = self.messages(texts, source, target, glossary)
        problem = ""
        for attempt in range(self.invalid_retries + 1):
            content = self._complete(messages)
            try:
                return parse_numbered(content, texts)
            except InvalidOutput as exc:
                problem = str(exc)
            if attempt < self.invalid_retries:
                # Show the model its own answer and what is wrong with it: a
                # plain retry at temperature 0 would repeat the same mistake.
                messages = [
                    *messages,
                    {"role": "assistant", "content": content},
                    {
                        "role": "user",
                        "content": f"That answer is unusable: {problem}. Answer again with exactly "
                        f"{len(texts)} numbered lines, 1. to {len(texts)}., translations only.",
                    },
                ]
        tries = self.invalid_retries + 1
        raise TranslationError(
            f"openai-compatible model {self.model or '(default)'} gave no usable answer "
            f"in {tries} attempt{'s' if tries > 1 else ''}: {problem}"
        )

    def _complete(self, messages: list[dict[str, str]]) -> str:
        payload: dict[str, Any] = {"messages": messages, "temperature": self.temperature, "stream": False}
        if self.model:
            payload["model"] = self.model
        if self.max_tokens:
            payload["max_tokens"] = self.max_tokens
        data = self._http.request("POST", "", payload)
        try:
            choice = data["choices"][0]
            content = choice["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise TranslationError(f"{self.url} answered without choices[0].message.content") from None
        if choice.get("finish_reason") == "length":
            raise TranslationError(
                f"the model's answer was cut off at its token limit; lower max_batch (now {self.max_batch})"
            )
        if not isinstance(content, str):
            raise TranslationError(f"{self.url} answered a non-text message content")
        return content
