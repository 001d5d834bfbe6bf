"""``kabar.core.blocks.strip_tags``, memoized for the pipeline's stages.

Extraction and cleaning take the plain text of the same block strings many
times over (repeat and furniture checks, block keys for every image put back,
deduplication, the language sample): ~70,000 calls for the 181 scrapinghub
pages, each an HTML parse in nh3, 6% of the pipeline's CPU. ``strip_tags`` is a
pure function of its string, so a memo needs no invalidation; strings past
``MEMO_MAX_CHARS`` are not kept (a hostile page's giant paragraph would only
take room).
"""

from __future__ import annotations

import functools

from kabar.core import blocks

MEMO_MAX_CHARS = 20_000

_memo = functools.lru_cache(maxsize=4096)(blocks.strip_tags)


def strip_tags(text: str) -> str:
    """Plain text of an inline-HTML string (``kabar.core.blocks.strip_tags``)."""
    return _memo(text) if len(text) <= MEMO_MAX_CHARS else blocks.strip_tags(text)
