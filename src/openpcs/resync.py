"""Finding delimited frames in a byte stream and resynchronising after garbage.

Shared by the Waspmote frame scanner and the NCD API stream reader: each says where a frame
starts (its delimiter), how long the frame at the buffer's start is, and how to accept it. The
reader returns every piece of the stream in order — frames, garbage, rejected starts — with its
offset, so the pieces concatenate back to the stream and a gateway can archive all of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from openpcs.errors import OffsetError

__all__ = ["INVALID", "NEED_MORE", "ResyncReader", "StreamItem"]

T = TypeVar("T")
#: ``candidate_size`` results: wait for more bytes, or the start cannot be a frame.
NEED_MORE: Final = -1
INVALID: Final = 0
_GARBAGE_FLUSH: Final = 4096
_NO_START: Final = "no frame start"


@dataclass(frozen=True, slots=True)
class StreamItem(Generic[T]):
    """A piece of the stream: a frame (``value`` set) or skipped bytes (``error`` says why)."""

    offset: int
    raw: bytes
    value: T | None = None
    error: str | None = None

    @property
    def is_frame(self) -> bool:
        """Whether this piece is an accepted frame."""
        return self.value is not None


class ResyncReader(ABC, Generic[T]):
    """Incremental reader of delimited frames; one per connection, not thread-safe."""

    def __init__(self, start: bytes) -> None:
        self._start = start
        self._buffer = bytearray()
        self._offset = 0
        self._garbage = bytearray()
        self._garbage_offset = 0
        self.frames = 0
        self.rejected = 0
        self.garbage_bytes = 0

    @abstractmethod
    def candidate_size(self, buffer: bytearray) -> int:
        """Size of the frame starting ``buffer``, or ``NEED_MORE`` or ``INVALID``."""

    @abstractmethod
    def accept(self, raw: bytes) -> T:
        """The parsed frame; raise :class:`OffsetError` when ``raw`` is not a valid one."""

    @property
    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buffer)

    def feed(self, chunk: bytes | bytearray | memoryview) -> list[StreamItem[T]]:
        """Add bytes; return the pieces completed so far, in stream order."""
        self._buffer += chunk
        found: list[StreamItem[T]] = []
        while self._step(found):
            pass
        if len(self._garbage) >= _GARBAGE_FLUSH:
            self._flush_garbage(found)
        return found

    def flush(self) -> list[StreamItem[T]]:
        """End of stream: an incomplete frame is garbage, but frames after its start are kept."""
        found: list[StreamItem[T]] = []
        while self._buffer:
            if not self._step(found) and self._buffer:
                self._skip(1)  # a frame start that never completed: look past it
        self._flush_garbage(found)
        return found

    def _skip(self, count: int) -> None:
        if count <= 0:
            return
        if not self._garbage:
            self._garbage_offset = self._offset
        self._garbage += self._buffer[:count]
        del self._buffer[:count]
        self._offset += count
        self.garbage_bytes += count

    def _flush_garbage(self, found: list[StreamItem[T]]) -> None:
        if self._garbage:
            found.append(StreamItem(self._garbage_offset, bytes(self._garbage), error=_NO_START))
            self._garbage.clear()

    def _take(
        self, found: list[StreamItem[T]], size: int, value: T | None, error: str | None
    ) -> None:
        self._flush_garbage(found)
        found.append(StreamItem(self._offset, bytes(self._buffer[:size]), value, error))
        del self._buffer[:size]
        self._offset += size

    def _step(self, found: list[StreamItem[T]]) -> bool:
        """Consume one frame, one rejected start or some garbage; False when bytes are needed."""
        start = self._buffer.find(self._start)
        if start < 0:
            keep = next(
                (
                    n
                    for n in range(len(self._start) - 1, 0, -1)
                    if self._buffer.endswith(self._start[:n])
                ),
                0,
            )
            self._skip(len(self._buffer) - keep)
            return False
        self._skip(start)
        size = self.candidate_size(self._buffer)
        if size == NEED_MORE:
            return False
        if size == INVALID:
            self._skip(1)
            return True
        try:
            value = self.accept(bytes(self._buffer[:size]))
        except OffsetError as exc:
            self.rejected += 1
            self._take(found, 1, None, f"a frame start of {size} bytes was rejected: {exc.reason}")
            return True
        self._take(found, size, value, None)
        self.frames += 1
        return True
