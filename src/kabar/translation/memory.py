"""The translation memory in the database (``kabar.core.translate.translate.TranslationMemory``).

Lookups go in chunks, one indexed query each (``source_hash IN (...)`` on the
unique key), and ask for the exact route's entry and the human one together; a
human (preferred) entry wins. Stores are single ``INSERT … ON CONFLICT DO
UPDATE`` statements, so two workers storing the same sentence cannot collide.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from django.db.models import F, QuerySet
from django.utils import timezone

from kabar.core.translate.translate import TMKey
from kabar.translation.models import PREFERRED_VERSION, TMEntry, source_hash

CHUNK = 500  # keys per query: well under SQLite's and PostgreSQL's parameter limits

T = TypeVar("T")

_KEY_FIELDS = ["source_hash", "source_lang", "target_lang", "engine_version"]


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def lookup_query(hashes: list[str], source_lang: str, target_lang: str, version: str) -> QuerySet[TMEntry]:
    """Entries for these sentence hashes from this route or from people: an index range scan."""
    return TMEntry.objects.filter(
        source_hash__in=hashes,
        source_lang=source_lang,
        target_lang=target_lang,
        engine_version__in=[version, PREFERRED_VERSION],
    ).order_by()  # the model's ordering would add a sort for nothing


class DjangoTM:
    """A ``TranslationMemory`` backed by ``TMEntry`` rows."""

    def lookup(self, keys: Sequence[TMKey]) -> dict[TMKey, str]:
        groups: dict[tuple[str, str, str], list[TMKey]] = {}
        for key in dict.fromkeys(keys):
            if key.engine_version == PREFERRED_VERSION:
                raise ValueError("a machine lookup needs a route description as engine_version")
            groups.setdefault((key.source_lang, key.target_lang, key.engine_version), []).append(key)
        found: dict[TMKey, str] = {}
        used: list[int] = []
        for (source_lang, target_lang, version), group in groups.items():
            for chunk in _chunks(group):
                by_hash = {source_hash(key.text): key for key in chunk}
                rows = lookup_query(list(by_hash), source_lang, target_lang, version).values_list(
                    "pk", "source_hash", "source_text", "preferred", "target_text"
                )
                best: dict[TMKey, tuple[int, bool, str]] = {}
                for pk, digest, text, preferred, target in rows:
                    key = by_hash[digest]
                    if text != key.text:  # a sha256 collision would be news, but never serve one
                        continue
                    if key not in best or (preferred and not best[key][1]):
                        best[key] = (pk, preferred, target)
                for key, (pk, _, target) in best.items():
                    found[key] = target
                    used.append(pk)
        for chunk_pks in _chunks(used):
            TMEntry.objects.filter(pk__in=list(chunk_pks)).update(
                use_count=F("use_count") + 1, used_at=timezone.now()
            )
        return found

    def store(self, entries: Sequence[tuple[TMKey, str]], *, preferred: bool = False) -> None:
        """Keep translations; an existing entry for the same key gets the new text.

        ``preferred`` entries (human post-edits) are stored once per sentence and
        language pair, whatever engine made the text they replace.
        """
        now = timezone.now()
        rows: dict[tuple[str, str, str, str], TMEntry] = {}
        for key, target in entries:
            version = PREFERRED_VERSION if preferred else key.engine_version
            if not preferred and version == PREFERRED_VERSION:
                raise ValueError("a machine entry needs a route description as engine_version")
            digest = source_hash(key.text)
            rows[(digest, key.source_lang, key.target_lang, version)] = TMEntry(
                source_hash=digest,
                source_text=key.text,
                source_lang=key.source_lang,
                target_lang=key.target_lang,
                engine_version=version,
                target_text=target,
                preferred=preferred,
                created_at=now,
            )
        for chunk in _chunks(list(rows.values())):
            TMEntry.objects.bulk_create(
                chunk,
                update_conflicts=True,
                unique_fields=_KEY_FIELDS,
                update_fields=["target_text", "created_at"],
            )

    def store_preferred(self, entries: Sequence[tuple[TMKey, str]]) -> None:
        """Keep human post-edits (``TMKey.engine_version`` is ignored)."""
        self.store(entries, preferred=True)
