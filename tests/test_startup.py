"""What `kabar serve` and `kabar worker` log at start: every kind of plugin, the search backend included."""

from __future__ import annotations

import logging

import pytest

from kabar.startup import log_plugins


@pytest.mark.django_db
def test_start_logs_sources_engines_and_the_search_backend(caplog):
    with caplog.at_level(logging.INFO, logger="kabar.plugins"):
        enabled = log_plugins()
    assert "feed" in enabled["sources"]
    assert enabled["search"] == ["sqlite"] or enabled["search"] == ["postgres"]
    assert any(r.getMessage().startswith("search backend: ") for r in caplog.records)


@pytest.mark.django_db
def test_an_unknown_search_backend_is_logged_as_disabled_not_fatal(caplog, settings):
    settings.SEARCH_BACKEND = "no-such-backend"
    with caplog.at_level(logging.INFO, logger="kabar.plugins"):
        enabled = log_plugins()
    assert enabled["search"] == []
    assert any(
        "search disabled" in r.getMessage() and "no-such-backend" in r.getMessage() for r in caplog.records
    )
