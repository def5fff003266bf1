"""Near-duplicate articles: takes article texts, gives MinHash signatures, LSH buckets and links.

Syndicated copies of one story differ by a headline, a byline, a dateline and a few edited
words. Each text becomes the set of its 5-word shingles (lower-cased words); two texts are
near-duplicates when the Jaccard similarity of those sets is at least `THRESHOLD` (0.4: a wire
story reprinted with a new headline and byline, a cut paragraph and a few edited words scores
0.5 to 0.7; stories about the same event written by different newsrooms share few 5-word runs
and score under 0.05, and are not linked: merging their events is the event clustering's work).
The similarity is estimated from 126 MinHash values, and candidate pairs are found by
locality-sensitive hashing: the signature is cut into 42 bands of 3 values, and two texts
sharing any band's bucket are compared. A pair at Jaccard 0.4 shares a bucket with probability
1 - (1 - 0.4^3)^42 = 0.94, at 0.5 above 0.99, while two unrelated texts (Jaccard 0.02) collide
in about 3 of 10,000 comparisons, so a lookup stays cheap as the store grows. The lookup is
one scan of the bucket table per chunk of documents.

Everything here is deterministic across processes and machines (CRC-32 shingle hashes and
hash coefficients derived from SHA-256), so signatures computed by any worker compare.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

SHINGLE_WORDS = 5
BANDS = 42
ROWS_PER_BAND = 3
PERMUTATIONS = BANDS * ROWS_PER_BAND
THRESHOLD = 0.4

# The universal hash family h(x) = (a*x + b) mod p over 32-bit shingle hashes; with a, b < 2^32
# and p just above 2^32, a*x + b stays below 2^64 and numpy's uint64 never wraps.
_PRIME = np.uint64(4_294_967_311)
_WORD = re.compile(r"\w+")


def _coefficients() -> tuple[np.ndarray, np.ndarray]:
    values = [int.from_bytes(hashlib.sha256(f"tacitus-minhash-{i}".encode()).digest()[:8], "big")
              for i in range(2 * PERMUTATIONS)]
    a = np.array([1 + v % (2**32 - 1) for v in values[:PERMUTATIONS]], dtype=np.uint64)
    b = np.array([v % 2**32 for v in values[PERMUTATIONS:]], dtype=np.uint64)
    return a[:, None], b[:, None]


_A, _B = _coefficients()


@dataclass(frozen=True)
class Signature:
    """A text's MinHash values, its shingle count and its LSH bucket per band."""

    minhash: tuple[int, ...]
    shingles: int
    buckets: tuple[int, ...]


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The text's runs of `size` consecutive lower-cased words (the whole text when shorter)."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


def signature(text: str) -> Signature:
    found = shingles(text)
    if not found:
        return Signature((), 0, ())
    hashes = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in found), dtype=np.uint64, count=len(found))
    minhash = ((_A * hashes[None, :] + _B) % _PRIME).min(axis=1)
    values = tuple(int(v) for v in minhash)
    return Signature(values, len(found), bands(values))


def bands(minhash: Sequence[int]) -> tuple[int, ...]:
    """One signed 64-bit bucket per band: the band's number and values, hashed together."""
    out = []
    for band in range(BANDS):
        part = minhash[band * ROWS_PER_BAND:(band + 1) * ROWS_PER_BAND]
        digest = hashlib.blake2b(repr((band, *part)).encode("ascii"), digest_size=8).digest()
        out.append(int.from_bytes(digest, "big", signed=True))
    return tuple(out)


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of two texts' shingle sets: the share of equal MinHash values."""
    if not a or len(a) != len(b):
        return 0.0
    return float(np.mean(np.asarray(a, dtype=np.uint64) == np.asarray(b, dtype=np.uint64)))


def best_match(minhash: Sequence[int], candidates: Mapping[str, Sequence[int]],
               threshold: float = THRESHOLD) -> tuple[str, float] | None:
    """The most similar candidate at or above `threshold`; ties go to the smallest document id, so
    the answer does not depend on the order candidates were found in."""
    best: tuple[str, float] | None = None
    for doc_id in sorted(candidates):
        score = similarity(minhash, candidates[doc_id])
        if score >= threshold and (best is None or score > best[1]):
            best = (doc_id, score)
    return best


class BucketIndex:
    """An in-memory LSH index of the signatures not yet in the store (the current write batch)."""

    def __init__(self) -> None:
        self._by_bucket: dict[int, list[str]] = {}
        self.minhash: dict[str, tuple[int, ...]] = {}

    def add(self, doc_id: str, sig: Signature) -> None:
        self.minhash[doc_id] = sig.minhash
        for bucket in sig.buckets:
            self._by_bucket.setdefault(bucket, []).append(doc_id)

    def candidates(self, buckets: Iterable[int]) -> dict[str, tuple[int, ...]]:
        found = {doc_id for bucket in buckets for doc_id in self._by_bucket.get(bucket, ())}
        return {doc_id: self.minhash[doc_id] for doc_id in found}

    def clear(self) -> None:
        self._by_bucket.clear()
        self.minhash.clear()
