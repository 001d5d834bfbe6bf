"""Reader-site tests need the hand-written catalogs compiled; .mo files are build output, not source."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from django.core.management import call_command

import kabar

PACKAGE_DIR = Path(kabar.__file__).resolve().parent


@pytest.fixture(scope="session", autouse=True)
def compiled_messages() -> None:
    # compilemessages walks the working directory for locale folders; run it inside the package
    # so it compiles kabar's catalogs and nothing in the virtualenv.
    with contextlib.chdir(PACKAGE_DIR):
        call_command("compilemessages", locale=["vi", "en", "id"], verbosity=0)
    from django.utils.translation import trans_real

    # Catalogs already loaded by earlier tests were read before the .mo files existed; drop them
    # the way Django's own setting_changed handler does for LOCALE_PATHS.
    trans_real._translations = {}
    trans_real._default = None
