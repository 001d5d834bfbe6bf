"""Comment tests: an article in two languages, the catalogs compiled, settings at their defaults."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from comments_support import make_article

import kabar

PACKAGE_DIR = Path(kabar.__file__).resolve().parent


@pytest.fixture(scope="session", autouse=True)
def compiled_messages() -> None:
    from django.core.management import call_command
    from django.utils.translation import trans_real

    with contextlib.chdir(PACKAGE_DIR):
        call_command("compilemessages", locale=["vi", "en", "id"], verbosity=0)
    trans_real._translations = {}
    trans_real._default = None


@pytest.fixture(autouse=True)
def comment_settings(settings: Any) -> Any:
    settings.COMMENTS = {
        **settings.COMMENTS,
        "moderation": "post",
        "close_days": 0,
        "hold_new": 1,
        "trusted_after": 3,
        "min_seconds": 3,
        "rate_ip": "100/hour",
        "rate_email": "100/hour",
    }
    return settings


@pytest.fixture
def article(db: None) -> Any:
    return make_article()
