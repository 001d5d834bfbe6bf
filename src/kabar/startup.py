"""What kabar logs when a server or worker starts: which plugins are enabled."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kabar.hookspecs import ENGINE_GROUP, SEARCH_GROUP, SOURCE_GROUP, load_plugins, plugin_classes

log = logging.getLogger("kabar.plugins")


def log_plugins() -> dict[str, list[str]]:
    """Log (and return) the enabled fetch sources, MT engines and the search backend in use."""
    from kabar.search.services import get_backend

    sources = sorted(plugin_classes(SOURCE_GROUP))
    engines = sorted(load_plugins(ENGINE_GROUP, settings.MT_ENGINES))
    log.info("fetch sources enabled: %s", ", ".join(sources) or "none")
    log.info("MT engines enabled: %s", ", ".join(engines) or "none (configure KABAR_MT_ENGINES)")
    try:
        search = [get_backend().name]
        log.info(
            "search backend: %s (installed: %s)", search[0], ", ".join(sorted(plugin_classes(SEARCH_GROUP)))
        )
    except ImproperlyConfigured as exc:
        # Reader pages still work; the search page says search is unavailable.
        search = []
        log.warning("search disabled: %s", exc)
    return {"sources": sources, "engines": engines, "search": search}
