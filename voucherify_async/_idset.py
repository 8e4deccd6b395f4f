"""`IdSet`: the ids a walk has yielded, exact, in about 32 bytes per 29-character id.

A walk remembers every id it yielded, to stop at the first repeat (`_cursors.py`). A `set` of
the id strings costs ~110 bytes per id (its slot, plus the string it keeps alive), up to ~185
right after the set grows. `IdSet` keeps no string:

- An id is kept as its UTF-8 bytes followed by the byte 0xFF, which UTF-8 never uses, in one of
  a list of buckets (immutable `bytes`, replaced on each add) picked by `hash()` of the bytes.
  A bucket reads `FF id FF id FF ... FF`.
- An id is in its bucket exactly when `FF id FF` occurs in it: a match can only run from one
  separator to the next, so the substring search (a C loop over ~1 KB) is an exact comparison.
  Ids whose hashes collide share a bucket and are told apart by their bytes.
- Buckets hold 16 to 32 ids on average: past 32, their number doubles, each bucket splitting
  into itself and a new one, one at a time (growing never holds a second copy of the set).

Per 29-character id: 30 bytes in its bucket, plus 1 to 3 bytes for the bucket's header and list
slot (~41 bytes shared by 16 to 32 ids): ~32 bytes, so ~32 MB per million ids. The price is
time: an add is a hash, three small concatenations, a search and a copy of its bucket, plus its
share of the doublings, ~1.3 µs where a `set.add` takes ~0.06 µs and decoding the customer
~20 µs; a lookup ~0.7 µs.

The hash is Python's, keyed per process, so a server cannot pick ids that pile into one bucket.
`surrogatepass` gives every `str`, lone surrogates included, bytes of their own, none 0xFF.
"""

from __future__ import annotations

from itertools import compress

__all__ = ["IdSet"]

_END = b"\xff"  # ends every id in a bucket (and starts the bucket): never a byte of UTF-8
_PER_BUCKET = 32  # ids per bucket, on average, past which the buckets double


class IdSet:
    """A set of strings (the ids a walk yielded) that keeps their UTF-8 bytes, not the strings.

    Only what a walk needs: `add` (which says whether the id was new), `in` and `len`.
    `sys.getsizeof()` counts every bucket it holds.
    """

    __slots__ = ("_buckets", "_count", "_limit", "_mask")

    def __init__(self) -> None:
        self._buckets = [_END]
        self._mask = 0  # len(self._buckets) - 1: the buckets are a power of two
        self._count = 0
        self._limit = _PER_BUCKET  # the count past which the buckets double

    def __len__(self) -> int:
        return self._count

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        body = _utf8(key)
        return self._buckets[hash(body) & self._mask].find(_END + body + _END) >= 0

    def add(self, key: str) -> bool:
        """Add `key`; return whether it was new (`False`: the set had it already)."""
        body = _utf8(key)
        index = hash(body) & self._mask
        bucket = self._buckets[index]
        tail = body + _END
        if bucket.find(_END + tail) >= 0:
            return False
        self._buckets[index] = bucket + tail
        self._count += 1
        if self._count > self._limit:
            self._double()
        return True

    def __sizeof__(self) -> int:
        own = object.__sizeof__(self) + self._buckets.__sizeof__()
        return own + sum(bucket.__sizeof__() for bucket in self._buckets)

    def _double(self) -> None:
        """Twice the buckets: bucket i keeps its ids whose next hash bit is 0, i + n the rest."""
        buckets = self._buckets
        size = len(buckets)
        for index in range(size):
            ids = buckets[index].split(_END)[1:-1]
            moves = [hash(body) & size for body in ids]
            buckets[index] = _END.join([b"", *compress(ids, [not move for move in moves]), b""])
            buckets.append(_END.join([b"", *compress(ids, moves), b""]))
        self._mask = size * 2 - 1
        self._limit = _PER_BUCKET * size * 2


def _utf8(key: str) -> bytes:
    try:
        return key.encode()
    except UnicodeEncodeError:  # a lone surrogate: only `surrogatepass` encodes it
        return key.encode("utf-8", "surrogatepass")
