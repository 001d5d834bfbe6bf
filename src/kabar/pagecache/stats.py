"""The page cache's counters as ``kabar stats`` and the admin show them (the same numbers)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kabar.pagecache import store

LABELS: dict[str, Promise] = {
    "hit": _("answered from the page cache"),
    "not_modified": _("304 Not Modified (from a stored page or from validators alone)"),
    "miss": _("rendered (not stored, or stale)"),
    "stored": _("pages stored"),
    "bypass": _("bypassed (editors, ?compare= and other parameters)"),
    "bumped_tags": _("tags invalidated by edits"),
    "purged": _("CDN purges sent"),
    "purge_failed": _("CDN purges failed (retried)"),
}


@dataclass(frozen=True)
class Summary:
    enabled: bool
    backend: str  # the cache backend's class name (RedisCache, FileBasedCache, LocMemCache)
    totals: dict[str, int]  # every process's counters

    @property
    def looked_up(self) -> int:
        return self.totals["hit"] + self.totals["miss"]

    @property
    def hit_rate(self) -> float | None:
        """Hits per page looked up (0 to 1); None before any page was asked for."""
        return self.totals["hit"] / self.looked_up if self.looked_up else None

    def rows(self) -> list[tuple[str, int, Promise]]:
        return [(name, value, LABELS[name]) for name, value in self.totals.items()]


def summary() -> Summary:
    return Summary(
        enabled=bool(settings.PAGE_CACHE["enabled"]),
        backend=settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        totals=store.totals(),
    )
