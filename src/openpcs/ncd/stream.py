"""Finding API frames in a byte stream (serial port, UDP, TCP), resynchronising after garbage.

Feed whatever bytes arrive. The reader returns the frames found and everything it skipped, each
with its offset in the stream: leading garbage, a frame whose checksum fails, a frame cut by a
new 0x7E (API mode 2: an unescaped 0x7E always starts a new frame). After a bad frame it looks
for the next 0x7E from the byte after the bad frame's delimiter, so a frame hidden inside the
bad one is still found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from openpcs.ncd.api import ESCAPE, START, ApiFrame, parse_api_frame
from openpcs.ncd.errors import ApiFrameError

__all__ = ["ApiStreamReader", "StreamItem"]

_XOR: Final = 0x20
_NEED_MORE: Final = -1
_GARBAGE_FLUSH: Final = 4096


@dataclass(frozen=True, slots=True)
class StreamItem:
    """A piece of the stream: a frame, or skipped bytes with the reason they were skipped."""

    offset: int
    raw: bytes
    frame: ApiFrame | None = None
    error: str | None = None

    @property
    def is_frame(self) -> bool:
        """Whether this item is a parsed frame."""
        return self.frame is not None


class ApiStreamReader:
    """Incremental API-frame reader; one per connection, not thread-safe."""

    def __init__(self, *, escaped: bool = False, max_length: int = 512) -> None:
        """``escaped`` for API mode 2; frames longer than ``max_length`` are treated as garbage."""
        self.escaped = escaped
        self.max_length = max_length
        self._buffer = bytearray()
        self._offset = 0
        self._garbage = bytearray()
        self._garbage_offset = 0
        self.frames = 0
        self.checksum_errors = 0
        self.garbage_bytes = 0

    def feed(self, chunk: bytes | bytearray | memoryview) -> list[StreamItem]:
        """Add bytes; return the frames and skipped stretches completed so far, in order."""
        self._buffer += chunk
        found: list[StreamItem] = []
        while self._step(found):
            pass
        if len(self._garbage) >= _GARBAGE_FLUSH:
            self._flush_garbage(found, "no frame start")
        return found

    def flush(self) -> list[StreamItem]:
        """End of stream: what is left (an incomplete frame included) is garbage."""
        found: list[StreamItem] = []
        self._skip(len(self._buffer))
        self._flush_garbage(found, "end of stream inside a frame or no frame start")
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

    def _flush_garbage(self, found: list[StreamItem], reason: str) -> None:
        if self._garbage:
            found.append(StreamItem(self._garbage_offset, bytes(self._garbage), error=reason))
            self._garbage.clear()

    def _step(self, found: list[StreamItem]) -> bool:
        start = self._buffer.find(START)
        if start < 0:
            self._skip(len(self._buffer))
            return False
        self._skip(start)
        size = self._frame_size()
        if size == _NEED_MORE:
            return False
        if size == 0:  # not a frame after all: drop the delimiter and look again
            self._skip(1)
            return True
        raw = bytes(self._buffer[:size])
        try:
            frame = parse_api_frame(raw, escaped=self.escaped)
        except ApiFrameError as exc:
            self.checksum_errors += 1
            self._flush_garbage(found, "no frame start")
            found.append(StreamItem(self._offset, raw[:1], error=exc.reason))
            del self._buffer[:1]
            self._offset += 1
            return True
        self._flush_garbage(found, "no frame start")
        found.append(StreamItem(self._offset, raw, frame=frame))
        del self._buffer[:size]
        self._offset += size
        self.frames += 1
        return True

    def _frame_size(self) -> int:
        """Raw size of the frame at the buffer start; ``_NEED_MORE``, or 0 if it cannot be one."""
        buffer = self._buffer
        if not self.escaped:
            if len(buffer) < 3:
                return _NEED_MORE
            length = int.from_bytes(buffer[1:3], "big")
            if length == 0 or length > self.max_length:
                return 0
            return length + 4 if len(buffer) >= length + 4 else _NEED_MORE
        # API mode 2: unescape as we go; an unescaped 0x7E ends the attempt
        decoded = 0
        wanted = 3  # length bytes first, then the data and the checksum
        index = 1
        length_bytes = bytearray()
        while index < len(buffer):
            byte = buffer[index]
            if byte == START:
                return 0
            if byte == ESCAPE:
                if index + 1 >= len(buffer):
                    return _NEED_MORE
                byte = buffer[index + 1] ^ _XOR
                index += 2
            else:
                index += 1
            decoded += 1
            if decoded <= 2:
                length_bytes.append(byte)
                if decoded == 2:
                    length = int.from_bytes(length_bytes, "big")
                    if length == 0 or length > self.max_length:
                        return 0
                    wanted = 2 + length + 1
            if decoded == wanted:
                return index
        return _NEED_MORE
