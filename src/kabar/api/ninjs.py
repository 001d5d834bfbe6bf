"""One language version of an article as IPTC ninjs (News in JSON), versions 2.x and 3.x.

See docs/ninjs.md for the mapping. Work in progress: the signature is final.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kabar.news.models import ArticleText

# The ninjs versions kabar emits, by the major version a caller asks for.
SCHEMA_VERSIONS = {2: "2.2", 3: "3.1"}


def to_ninjs(text: ArticleText, *, version: int, absolute: Callable[[str], str]) -> dict[str, Any]:
    """``text`` as a ninjs news item: ``version=2`` gives ninjs 2.2, ``version=3`` ninjs 3.1.

    ``text`` must come with ``article`` (its ``outlet`` and ``section``) and the article's
    ``texts``, ``media`` and ``authors`` prefetched; nothing here queries the database.
    ``absolute`` turns a site path ("/vi/2026/12/slug/") into an absolute URL; already
    absolute URLs must come back unchanged (``kabar.site.present.absolute`` does both).

    The result validates against the official IPTC schema of that version. Other published
    language versions are associations; unpublished ones never appear. A text that is itself
    unpublished (only for callers allowed to read it) has ``pubstatus`` "withheld".
    Raises ``ValueError`` for a version other than 2 or 3.
    """
    if version not in SCHEMA_VERSIONS:
        raise ValueError(f"ninjs version {version!r}: kabar emits ninjs 2 or 3")
    raise NotImplementedError("ninjs mapping is being written (see docs/ninjs.md)")
