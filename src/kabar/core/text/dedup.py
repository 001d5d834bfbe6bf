"""Near-duplicate detection across URLs with MinHash LSH (datasketch).

Outlets republish each other and move articles between URLs; the same text
under a second URL must be linked to the first article, not stored twice.
Signatures are stored with each article (bytes), and an index is built per
ingest run from recent signatures, so no state lives in this module.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SCHEME = "affine64"  # stored signatures must be read back with the scheme that made them
SHINGLE = 5  # word 5-grams: long enough that shared boilerplate does not look like shared text
_WORD = re.compile(r"\w+")


def shingles(text: str) -> set[bytes]:
    words = _WORD.findall(unicodedata.normalize("NFC", text).lower())
    if len(words) < SHINGLE:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}


def signature(text: str) -> MinHash:
    mh = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    mh.update_batch(list(shingles(text)))
    return mh


def to_bytes(mh: MinHash) -> bytes:
    return bytes(np.asarray(mh.hashvalues, dtype=np.uint64).tobytes())


def from_bytes(data: bytes) -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashvalues=np.frombuffer(data, dtype=np.uint64))


class NearDuplicateIndex:
    """An LSH index over article signatures; ``threshold`` is the Jaccard similarity to call a duplicate."""

    def __init__(self, threshold: float = 0.8) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._signatures: dict[str, MinHash] = {}

    def add(self, key: str, mh: MinHash) -> None:
        if key in self._signatures:
            self._lsh.remove(key)
        self._lsh.insert(key, mh)
        self._signatures[key] = mh

    def best_match(self, mh: MinHash) -> tuple[str, float] | None:
        """The most similar indexed key at or above the threshold, with its estimated similarity."""
        scored = [(key, float(mh.jaccard(self._signatures[key]))) for key in self._lsh.query(mh)]
        scored = [(k, s) for k, s in scored if s >= self.threshold]
        return max(scored, key=lambda pair: pair[1]) if scored else None
