"""Django's file-based cache, without listing its whole folder on every write.

Django's ``FileBasedCache.set`` calls ``_cull`` before each write, and ``_cull`` globs the
cache folder to count its files, whatever ``MAX_ENTRIES`` is: with a few thousand entries a
write costs a directory listing (milliseconds), and the page cache writes several keys per
edit (a version per tag and the generation), so ingestion spent more time listing the cache
folder than storing articles.

Here each process keeps the count it last listed and the writes it has made since. A write
can add at most one file, so while ``listed + writes`` is below ``MAX_ENTRIES`` no cull can be
due and the folder is not listed; the moment it could be, the folder is listed and culled
exactly as Django does (``CULL_FREQUENCY``). A process alone culls at the same writes as
Django's backend would. Other processes' writes are not counted here, so the folder is also
listed again once ``CULL_CHECK_INTERVAL`` seconds have passed since the last listing: with
several processes the folder can exceed ``MAX_ENTRIES`` by what they write in that time,
and no more.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from django.core.cache.backends.filebased import FileBasedCache as DjangoFileBasedCache

CULL_CHECK_INTERVAL = 10.0  # seconds: how long other processes' writes can go uncounted


class FileBasedCache(DjangoFileBasedCache):
    """``FileBasedCache`` whose cull check lists the folder only when a cull may be due (see above)."""

    cull_check_interval = CULL_CHECK_INTERVAL

    def __init__(self, dir: str, params: dict[str, Any]) -> None:
        super().__init__(dir, params)
        self._cull_lock = threading.Lock()
        self._listed = 0  # files found at the last listing (after its cull)
        self._writes = 0  # writes this process made since
        self._listed_at: float | None = None  # time.monotonic() of the last listing; None: never

    def _cull(self) -> None:
        now = time.monotonic()
        with self._cull_lock:
            due = (
                self._listed_at is None
                or self._listed + self._writes >= self._max_entries
                or now - self._listed_at >= self.cull_check_interval
            )
            if not due:
                self._writes += 1  # the write about to happen
                return
            self._listed_at, self._writes = now, 1
        files: list[str] = self._list_cache_files()  # type: ignore[attr-defined]  # private in the stubs
        count = len(files)
        if count >= self._max_entries:  # Django's own rule, from here on
            if self._cull_frequency == 0:
                self.clear()
                count = 0
            else:
                doomed = random.sample(files, int(count / self._cull_frequency))
                for name in doomed:
                    self._delete(name)  # type: ignore[attr-defined]
                count -= len(doomed)
        with self._cull_lock:
            self._listed = count
