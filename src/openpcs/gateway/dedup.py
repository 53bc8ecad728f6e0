"""Recognising a frame that arrived before, within a time window.

A frame's key is a 16-byte BLAKE2b digest of who sent it and its bytes: the same serial,
sequence and content give the same key. Mesh packets use their own tag (the mesh hash). The
window remembers keys for ``window_s`` seconds of the gateway's clock; it is seeded from the
store at start, so a restart does not let a duplicate through.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

__all__ = ["DedupWindow", "frame_key"]


def frame_key(data: bytes, sender: str | None = None) -> bytes:
    """The deduplication key of a frame's bytes, from ``sender`` when the bytes name nobody."""
    digest = hashlib.blake2b(data, digest_size=16)
    if sender:
        digest.update(b"\x00" + sender.encode("utf-8"))
    return digest.digest()


class DedupWindow:
    """Keys seen in the last ``window_s`` seconds; oldest forgotten first."""

    def __init__(self, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self._clock = clock
        self._seen: OrderedDict[bytes, float] = OrderedDict()
        #: No key is older than this (a lower bound): until the window passes it there is
        #: nothing to forget, and a lookup does not look at the oldest key.
        self._oldest = float("inf")

    def __len__(self) -> int:
        return len(self._seen)

    def seed(self, keys: Iterable[tuple[bytes, float]]) -> None:
        """Remember keys seen ``age`` seconds ago (``(key, age)`` pairs, as :meth:`merge`
        takes them: a key the window holds keeps its latest sighting, a negative age counts
        as 0, and the window stays in time order; keys given oldest first, as the store
        lists them, sort in linear time)."""
        self.merge(keys)

    def merge(self, keys: Iterable[tuple[bytes, float]]) -> None:
        """Add keys seen ``age`` seconds ago to those the window holds, keeping it in time
        order (a processing process taking over another's senders learns what it stored); a
        negative age, a time another clock put ahead of this one, counts as 0."""
        now = self._clock()
        times = dict(self._seen)
        for key, age in keys:
            if age < self.window_s:
                when = now - max(age, 0.0)  # a time ahead of this clock counts as now
                times[key] = max(times.get(key, when), when)
        self._seen = OrderedDict(sorted(times.items(), key=lambda item: item[1]))
        self._oldest = next(iter(self._seen.values()), float("inf"))

    def seen(self, key: bytes) -> bool:
        """Whether ``key`` was seen within the window; remembers it (from now) if not."""
        now = self._clock()
        self._forget(now)
        if key in self._seen:
            return True
        if not self._seen:  # a key added later is newer than this one
            self._oldest = now
        self._seen[key] = now
        return False

    def forget(self, key: bytes) -> None:
        """Forget ``key`` (a frame being processed again must not count as its own duplicate)."""
        self._seen.pop(key, None)

    def _forget(self, now: float) -> None:
        limit = now - self.window_s
        if self._oldest > limit:
            return
        seen = self._seen
        while seen:
            oldest, when = next(iter(seen.items()))
            if when > limit:
                self._oldest = when
                return
            del seen[oldest]
        self._oldest = float("inf")
