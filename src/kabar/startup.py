"""What kabar logs when a server or worker starts: which plugins are enabled, and the page cache."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kabar.hookspecs import (
    ENGINE_GROUP,
    PURGER_GROUP,
    SEARCH_GROUP,
    SOURCE_GROUP,
    load_plugins,
    plugin_classes,
)

log = logging.getLogger("kabar.plugins")


def log_plugins() -> dict[str, list[str]]:
    """Log (and return) the enabled fetch sources, MT engines, search backend and CDN purgers."""
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
    # Only the purgers KABAR_CDN_PURGERS names are tried: an unconfigured CDN is not news.
    purgers = sorted(load_plugins(PURGER_GROUP, settings.CDN_PURGERS)) if settings.CDN_PURGERS else []
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    log.info(
        "page cache: %s (%s); CDN purgers enabled: %s",
        "on" if settings.PAGE_CACHE["enabled"] else "off",
        cache,
        ", ".join(purgers) or "none (configure KABAR_CDN_PURGERS)",
    )
    return {"sources": sources, "engines": engines, "search": search, "purgers": purgers}
