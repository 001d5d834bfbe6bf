"""Fixtures for the syndication tests."""

import sys
from pathlib import Path

# The reader-site factories (tests/site/factories.py) build the rows these tests read.
_SITE_TESTS = str(Path(__file__).resolve().parents[1] / "site")
if _SITE_TESTS not in sys.path:
    sys.path.insert(0, _SITE_TESTS)


# Feeds carry translated labels ("Machine-translated from ..."): the catalogs must be compiled, as
# tests/site/conftest.py does for the reader pages.
import contextlib  # noqa: E402

import pytest  # noqa: E402
from django.core.management import call_command  # noqa: E402

import kabar  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def compiled_feed_catalogs() -> None:
    with contextlib.chdir(Path(kabar.__file__).resolve().parent):
        call_command("compilemessages", locale=["vi", "en", "id"], verbosity=0)
    from django.utils.translation import trans_real

    trans_real._translations = {}
    trans_real._default = None
