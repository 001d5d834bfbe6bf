"""Names the api tests share (imported by name: ``conftest`` is not importable when several test
directories run together, since each directory's conftest module has that same name)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

# The reader-site factories, shared rather than copied.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "site"))

from factories import make_article, make_author, make_media, make_outlet, make_section, make_text  # noqa: E402

API = "/api/v1"
WHEN = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)

__all__ = [
    "API",
    "WHEN",
    "make_article",
    "make_author",
    "make_media",
    "make_outlet",
    "make_section",
    "make_text",
]
