"""Reassembling a device's tiny frames into reading sets, by their sequence byte.

A node sends one reading as several tiny frames that repeat the sequence byte of the frame
they were cut from. Each part's readings are stored as it arrives; the set it belongs to stays
open until a part with another sequence byte arrives from the same device, or until no part
has come for ``timeout_s`` seconds. Then the set is judged:

- when the device's expected sensors are known (its settings), the set is **complete** if
  every one arrived and **partial** otherwise, naming the missing ones;
- otherwise the network's frame counters are the only evidence: the set is **partial** when
  two consecutive parts are not consecutive uplinks (a part in between was lost), else
  **complete**. A lost first or last part leaves no gap, so only expected sensors make the
  check exact.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from openpcs.gateway.records import TinyPart

__all__ = ["OPEN", "TinyAssembler", "TinySet", "judge"]

OPEN: Final = "open"
COMPLETE: Final = "complete"
PARTIAL: Final = "partial"
#: Counter widths seen in the wild: Sigfox sequence numbers (12 bits), LoRaWAN FCnt (16/32).
_WRAPS: Final = (1 << 12, 1 << 16, 1 << 32)


@dataclass(slots=True)
class TinySet:
    """One reading set while it is assembled; ``id`` is its row once stored."""

    serial: str
    sequence: int
    first_at: datetime
    last_at: datetime
    touched: float
    expected: frozenset[str] | None = None
    counters: list[int] = field(default_factory=list)
    sensors: set[str] = field(default_factory=set)
    parts: int = 0
    status: str = OPEN
    missing: list[str] | None = None
    id: int | None = None

    def add(self, part: TinyPart, received_at: datetime, now: float) -> None:
        """Count one more part."""
        self.parts += 1
        if part.counter is not None:
            self.counters.append(part.counter)
        self.sensors.update(part.sensors)
        self.last_at = max(self.last_at, received_at)
        self.touched = now


def _consecutive(before: int, after: int) -> bool:
    return after == before + 1 or (after == 0 and before + 1 in _WRAPS)


def judge(
    sensors: set[str], counters: list[int], expected: frozenset[str] | None
) -> tuple[str, list[str] | None]:
    """The status of a closed set and, when expected sensors are known, those missing."""
    if expected is not None:
        missing = sorted(expected - sensors)
        return (PARTIAL if missing else COMPLETE), missing
    gaps = any(not _consecutive(a, b) for a, b in itertools.pairwise(counters))
    return (PARTIAL if gaps else COMPLETE), None


class TinyAssembler:
    """The open reading set of each device; not thread-safe (the pipeline's worker owns it)."""

    def __init__(self, timeout_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout_s = timeout_s
        self._clock = clock
        self._open: dict[str, TinySet] = {}

    def __len__(self) -> int:
        return len(self._open)

    def add(
        self, part: TinyPart, received_at: datetime, expected: frozenset[str] | None
    ) -> tuple[TinySet, TinySet | None]:
        """Add a part; return its set and the device's previous set if this closed it."""
        now = self._clock()
        current = self._open.get(part.serial)
        closed = None
        if current is not None and current.sequence != part.sequence:
            closed = self._close(current)
            current = None
        if current is None:
            current = TinySet(part.serial, part.sequence, received_at, received_at, now, expected)
            self._open[part.serial] = current
        current.add(part, received_at, now)
        return current, closed

    def expired(self) -> list[TinySet]:
        """Close and return the sets no part has joined for ``timeout_s`` seconds."""
        limit = self._clock() - self.timeout_s
        stale = [s for s in self._open.values() if s.touched <= limit]
        return [self._close(s) for s in stale]

    def close_all(self) -> list[TinySet]:
        """Close and return every open set."""
        return [self._close(s) for s in list(self._open.values())]

    def _close(self, tiny_set: TinySet) -> TinySet:
        del self._open[tiny_set.serial]
        tiny_set.status, tiny_set.missing = judge(
            tiny_set.sensors, tiny_set.counters, tiny_set.expected
        )
        return tiny_set
