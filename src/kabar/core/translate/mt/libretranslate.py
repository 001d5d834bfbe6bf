"""A LibreTranslate server as a kabar MT engine.

Options (``KABAR_MT_ENGINES["libretranslate"]``)::

    {"url": "http://127.0.0.1:5000", "api_key": "", "timeout": 30, "max_batch": 25,
     "retries": 2, "format": "text", "languages": ["vi", "en", "id"]}

``languages`` is optional: without it the pairs come from the server's
``GET /languages``. A batch goes out as one ``POST /translate`` with ``q`` a list.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

from kabar.core.errors import NotConfigured
from kabar.core.translate.mt import TranslationError, all_pairs, check_batch, log, warn_unknown_options
from kabar.core.translate.mt.http_retry import JsonClient, RetryPolicy


class LibreTranslateEngine:
    """Translates through a LibreTranslate server's JSON API."""

    name: ClassVar[str] = "libretranslate"
    honours_glossary = False

    def __init__(
        self,
        *,
        url: str | None = None,
        api_key: str = "",
        timeout: float = 30.0,
        max_batch: int = 25,
        retries: int = 2,
        backoff: float = 1.0,
        max_retry_wait: float = 30.0,
        format: str = "text",
        languages: Sequence[str] | None = None,
        max_chars: int = 100_000,
        sleep: Callable[[float], None] = time.sleep,  # for embedding and tests, not settings
        **unknown: Any,
    ) -> None:
        if not url:
            raise NotConfigured("no server URL (option 'url')")
        if format not in ("text", "html"):
            raise NotConfigured(f"format must be 'text' or 'html', not {format!r}")
        warn_unknown_options(self.name, unknown)
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.max_batch = max_batch
        self.format = format
        self.max_chars = max_chars
        self._declared = all_pairs(languages) if languages else None
        self._pairs: set[tuple[str, str]] | None = None
        self._lock = threading.Lock()
        policy = RetryPolicy(retries=retries, backoff=backoff, max_wait=max_retry_wait, sleep=sleep)
        self._http = JsonClient(self.name, self.url, timeout=timeout, policy=policy)

    @property
    def model_version(self) -> str:
        # The server does not say which models it runs; its address is the best stable name.
        return f"libretranslate@{urlsplit(self.url).netloc}"

    def pairs(self) -> set[tuple[str, str]]:
        """Declared pairs, or the server's (asked once); empty while the server cannot be reached."""
        if self._declared is not None:
            return set(self._declared)
        with self._lock:
            if self._pairs is None:
                try:
                    self._pairs = _parse_languages(self._http.request("GET", "/languages"))
                except TranslationError as exc:
                    log.warning("libretranslate: cannot list languages yet: %s", exc.reason)
                    return set()
            return set(self._pairs)

    def translate(
        self,
        segments: Sequence[str],
        source: str,
        target: str,
        glossary: Mapping[str, str] | None = None,
    ) -> list[str]:
        """One translation per segment; blank segments are returned as they are, unsent."""
        check_batch(segments, self.max_chars)
        out = list(segments)
        todo = [i for i, segment in enumerate(segments) if segment.strip()]
        for start in range(0, len(todo), self.max_batch):
            chunk = todo[start : start + self.max_batch]
            for i, text in zip(
                chunk, self._translate_chunk([segments[i] for i in chunk], source, target), strict=True
            ):
                out[i] = text
        return out

    def _translate_chunk(self, texts: list[str], source: str, target: str) -> list[str]:
        payload: dict[str, Any] = {"q": texts, "source": source, "target": target, "format": self.format}
        if self.api_key:
            payload["api_key"] = self.api_key
        data = self._http.request("POST", "/translate", payload)
        translated = data.get("translatedText") if isinstance(data, dict) else None
        if isinstance(translated, str) and len(texts) == 1:  # some servers unwrap a one-item list
            translated = [translated]
        if not isinstance(translated, list) or not all(isinstance(t, str) for t in translated):
            raise TranslationError(f"libretranslate at {self.url} answered without a translatedText list")
        if len(translated) != len(texts):
            raise TranslationError(
                f"libretranslate at {self.url} returned {len(translated)} translations for {len(texts)} segments"
            )
        return translated


def _parse_languages(data: Any) -> set[tuple[str, str]]:
    """Pairs from ``GET /languages``: ``[{"code": "vi", "targets": ["en", ...]}, ...]``."""
    if not isinstance(data, list):
        raise TranslationError("libretranslate /languages did not answer a list")
    pairs: set[tuple[str, str]] = set()
    for language in data:
        if not isinstance(language, dict) or not isinstance(language.get("code"), str):
            continue
        targets = language.get("targets")
        if not isinstance(targets, list):  # servers before 1.3 omit targets: assume all-to-all
            targets = [other.get("code") for other in data if isinstance(other, dict)]
        pairs.update((language["code"], t) for t in targets if isinstance(t, str) and t != language["code"])
    return pairs
