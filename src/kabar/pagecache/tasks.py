"""After a commit: new tag versions here, then the CDN purge as a task (queue ``default``).

The purge task tries each configured purger a few times at once (short pauses), then — on a
backend that can defer tasks — queues itself again for the purgers still failing, a minute
later per round, up to ``MAX_ROUNDS``; after that it logs what to run. Every request has a
bounded timeout (the purger's ``timeout`` option, 10 s by default), so a task never hangs.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from kabar.core.errors import NotConfigured
from kabar.hookspecs import PURGER_GROUP, plugin_classes
from kabar.pagecache import store
from kabar.pagecache import versions as tag_versions

log = logging.getLogger("kabar.pagecache")

PAUSES = (0.5, 2.0)  # between the tries of one run
MAX_ROUNDS = 5
ROUND_DELAY = dt.timedelta(minutes=1)


def purgers(names: Iterable[str] | None = None) -> dict[str, Any]:
    """The configured purgers (those named in KABAR_CDN_PURGERS that are installed and configured)."""
    options = settings.CDN_PURGERS
    wanted = set(options if names is None else names) & set(options)
    found = {}
    for name, cls in plugin_classes(PURGER_GROUP).items():
        if name in wanted:
            try:
                found[name] = cls(**dict(options[name]))
            except NotConfigured as exc:
                log.warning("CDN purger %s is not configured: %s", name, exc)
    return found


def after_bump(tags: set[str]) -> None:
    """Bump the tags' versions (stored pages with them are stale now) and queue the CDN purge."""
    if not tags:
        return
    versions = tag_versions.bump(tags)
    store.count("bumped_tags", len(tags))
    if settings.CDN_PURGERS:
        purge_cdn.enqueue(sorted(tags))
    if settings.STATIC_PUBLISH_DIR:  # files for nginx (static_publish), rewritten after the same commit
        from kabar.pagecache.static_publish import publish_pages

        # With the versions: a task whose tags were all bumped again before it ran leaves them to
        # the later task (a burst of edits to one page renders it once, not once per edit).
        publish_pages.enqueue(sorted(tags), versions)


@task(queue_name="default")
def purge_cdn(tags: list[str], names: list[str] | None = None, round: int = 1) -> dict[str, Any]:
    """Send ``tags`` to every configured purger (or to ``names``); re-queue the failing ones."""
    failed: dict[str, str] = {}
    done = []
    for name, purger in sorted(purgers(names).items()):
        for pause in (*PAUSES, None):
            try:
                purger.purge(tags)
            except Exception as exc:  # any failure of a plugin is retried, never fatal to the worker
                failed[name] = f"{type(exc).__name__}: {exc}"
                if pause is not None:
                    time.sleep(pause)
                continue
            failed.pop(name, None)
            done.append(name)
            break
    store.count("purged", len(done))
    if failed:
        store.count("purge_failed", len(failed))
        _again(tags, failed, round)
    return {"tags": len(tags), "purged": done, "failed": failed, "round": round}


def _again(tags: list[str], failed: dict[str, str], round: int) -> None:
    backend = purge_cdn.get_backend()
    if round < MAX_ROUNDS and backend.supports_defer:
        run_after = timezone.now() + ROUND_DELAY * round
        purge_cdn.using(run_after=run_after).enqueue(tags, sorted(failed), round + 1)
        log.warning("CDN purge failed (%s); trying again at %s", failed, run_after.isoformat())
        return
    log.error(
        "CDN purge of %d tags failed (%s); run `kabar purge %s` once the CDN answers",
        len(tags),
        failed,
        " ".join(tags[:20]) + (" …" if len(tags) > 20 else ""),
    )
