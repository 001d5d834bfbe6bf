"""What a subscriber sees of a text, as one hash (kept apart so the backfill migration can import it)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def text_digest(title: str, lead: str, blocks: Any) -> str:
    """SHA-256 of title, lead and blocks: a change of any of them is a new version of the text."""
    canonical = json.dumps([title, lead, blocks], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
