"""Fixtures for the syndication tests."""

import sys
from pathlib import Path

# The reader-site factories (tests/site/factories.py) build the rows these tests read.
_SITE_TESTS = str(Path(__file__).resolve().parents[1] / "site")
if _SITE_TESTS not in sys.path:
    sys.path.insert(0, _SITE_TESTS)
