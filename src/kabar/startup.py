"""What kabar logs when a server or worker starts: which plugins are enabled."""

from __future__ import annotations

import logging

from django.conf import settings

from kabar.hookspecs import ENGINE_GROUP, SOURCE_GROUP, load_plugins, plugin_classes

log = logging.getLogger("kabar.plugins")


def log_plugins() -> dict[str, list[str]]:
    """Log (and return) the enabled fetch sources and MT engines."""
    sources = sorted(plugin_classes(SOURCE_GROUP))
    engines = sorted(load_plugins(ENGINE_GROUP, settings.MT_ENGINES))
    log.info("fetch sources enabled: %s", ", ".join(sources) or "none")
    log.info("MT engines enabled: %s", ", ".join(engines) or "none (configure KABAR_MT_ENGINES)")
    return {"sources": sources, "engines": engines}
