"""The MT router, built from settings once per process (the language detector: ``kabar.detector``).

Building is not free (engines read model folders, CTranslate2 loads weights on
first use), so the router is cached by a function keyed on the settings it is made
from: changed settings (tests' ``override_settings``) give a fresh one, and
``reset_caches`` drops it and the shared language detector.
Nothing is built at import time.

Settings used: ``MT_ENGINES`` (options per engine entry-point name),
``MT_ROUTES`` (engine order per target language; when empty, every enabled
engine is tried for every target, in name order), ``MT_PIVOT`` and
``DETECT_LANGUAGES``.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from django.conf import settings

from kabar.core.translate.mt.routing import Router
from kabar.detector import reset_detector
from kabar.hookspecs import ENGINE_GROUP, load_plugins

log = logging.getLogger("kabar.translation")

# Settings whose change drops the cached router (see ``receivers.settings_changed``): the cache
# is keyed on them anyway, but a stale router would keep its loaded models in memory.
ROUTER_SETTINGS = frozenset({"MT_ENGINES", "MT_ROUTES", "MT_PIVOT"})


def _fingerprint(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


@functools.lru_cache(maxsize=2)
def _router_for(engines_json: str, routes_json: str, pivot: str) -> Router:
    engines = load_plugins(ENGINE_GROUP, json.loads(engines_json))
    routes: dict[str, list[str]] = json.loads(routes_json) or {"*": sorted(engines)}
    return Router(engines, routes, pivot=pivot or None)


def get_router() -> Router:
    """The router for the current ``MT_*`` settings (engines loaded through the entry points)."""
    return _router_for(
        _fingerprint(getattr(settings, "MT_ENGINES", {}) or {}),
        _fingerprint(getattr(settings, "MT_ROUTES", {}) or {}),
        str(getattr(settings, "MT_PIVOT", "") or ""),
    )


def engines_configured() -> bool:
    """Whether any MT engine is enabled; False without building anything when none is configured."""
    if not getattr(settings, "MT_ENGINES", None):
        return False
    return bool(get_router().engines)


def auto_targets() -> list[str]:
    """Languages new articles are translated into by themselves: the explicit ``MT_ROUTES`` keys.

    The ``"*"`` fallback route names no language, so it adds none; with no
    enabled engine the list is empty.
    """
    routes = getattr(settings, "MT_ROUTES", {}) or {}
    if not engines_configured():
        return []
    return [lang for lang in routes if lang != "*"]


def describe_engines(router: Router) -> str:
    """E.g. ``ctranslate2 (vi→en, en→id)``, for error messages; ``none`` when no engine is enabled."""
    if not router.engines:
        return "none (set KABAR_MT_ENGINES)"
    parts = []
    for name, engine in sorted(router.engines.items()):
        pairs = ", ".join(f"{s}→{t}" for s, t in sorted(engine.pairs())) or "no pairs"
        parts.append(f"{name} ({pairs})")
    return "; ".join(parts)


def reset_router() -> None:
    """Forget the router and its engines (after a settings change, or between tests)."""
    _router_for.cache_clear()


def reset_caches() -> None:
    """Forget the router and the language detector."""
    _router_for.cache_clear()
    reset_detector()
