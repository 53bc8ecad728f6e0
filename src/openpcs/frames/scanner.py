"""Finding frames in a byte stream (TCP, serial), resynchronising after garbage.

Feed the scanner whatever bytes arrive; it returns the complete frames found so far and the
bytes it had to skip, each with its offset in the stream, so a gateway can archive both.
A candidate starting at ``<=>`` is accepted only when it decodes (encrypted frames only need a
well-formed header); otherwise the scanner skips one byte and looks for the next ``<=>``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, NamedTuple

from openpcs.frames.codec import decode_any
from openpcs.frames.errors import FrameError
from openpcs.frames.layout import ASCII_FLAG, DELIMITER, ENCRYPTED_TYPES, table_of_binary_type

__all__ = ["FrameScanner", "ScanItem"]

#: Longest frame the length byte can describe: 255 bytes after the first five.
_MAX_CANDIDATE: Final = 255 + 5
_BINARY_NAME_END: Final = 13 + 17
_MIN_ENCRYPTED: Final = 13 + 16
_GARBAGE_FLUSH: Final = 4096
_NEED_MORE: Final = 0
_INVALID: Final = -1


class ScanItem(NamedTuple):
    """A piece of the stream: a frame (``is_frame``) or bytes skipped as garbage."""

    offset: int
    data: bytes
    is_frame: bool


def _accept_any(frame: bytes) -> object:
    return decode_any(frame)


class FrameScanner:
    """Incremental frame finder. Not thread-safe; use one per connection."""

    def __init__(self, validate: Callable[[bytes], object] = _accept_any) -> None:
        """``validate`` must raise :class:`FrameError` for bytes that are not a frame."""
        self._validate = validate
        self._buffer = bytearray()
        self._offset = 0
        self._garbage = bytearray()
        self._garbage_offset = 0
        self.frames = 0
        self.garbage_bytes = 0

    def feed(self, chunk: bytes | bytearray | memoryview) -> list[ScanItem]:
        """Add bytes; return the frames completed and garbage skipped, in stream order."""
        self._buffer += chunk
        found: list[ScanItem] = []
        while self._step(found):
            pass
        if len(self._garbage) >= _GARBAGE_FLUSH:
            self._emit_garbage(found)
        return found

    def flush(self) -> list[ScanItem]:
        """End of stream: whatever is left is garbage (an incomplete frame included)."""
        found: list[ScanItem] = []
        self._skip(len(self._buffer))
        self._emit_garbage(found)
        return found

    @property
    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buffer)

    def _skip(self, count: int) -> None:
        if count <= 0:
            return
        if not self._garbage:
            self._garbage_offset = self._offset
        self._garbage += self._buffer[:count]
        del self._buffer[:count]
        self._offset += count
        self.garbage_bytes += count

    def _emit_garbage(self, found: list[ScanItem]) -> None:
        if self._garbage:
            found.append(ScanItem(self._garbage_offset, bytes(self._garbage), False))
            self._garbage.clear()

    def _step(self, found: list[ScanItem]) -> bool:
        """Consume one frame or some garbage; return False when more bytes are needed."""
        start = self._buffer.find(DELIMITER)
        if start < 0:
            keep = 2 if self._buffer.endswith(b"<=") else int(self._buffer.endswith(b"<"))
            self._skip(len(self._buffer) - keep)
            return False
        self._skip(start)
        size = self._candidate_size()
        if size == _NEED_MORE:
            return False
        if size == _INVALID:
            self._skip(1)
            return True
        candidate = bytes(self._buffer[:size])
        try:
            self._validate(candidate)
        except FrameError:
            self._skip(1)
            return True
        self._emit_garbage(found)
        found.append(ScanItem(self._offset, candidate, True))
        del self._buffer[:size]
        self._offset += size
        self.frames += 1
        return True

    def _candidate_size(self) -> int:
        """Size of the frame starting the buffer, ``_NEED_MORE`` or ``_INVALID``."""
        buffer = self._buffer
        if len(buffer) < 5:
            return _NEED_MORE
        frame_type = buffer[3]
        if frame_type in ENCRYPTED_TYPES:
            size = buffer[4] + 5
            if size < _MIN_ENCRYPTED or (size - 13) % 16:
                return _INVALID
            return size if len(buffer) >= size else _NEED_MORE
        if frame_type >= ASCII_FLAG:
            return self._ascii_size(frame_type)
        if table_of_binary_type()[frame_type] is None:
            return _INVALID
        size = buffer[4] + 5
        name_window_end = min(len(buffer), size, _BINARY_NAME_END)
        if buffer.find(b"#", 13, name_window_end) < 0 and name_window_end in (
            size,
            _BINARY_NAME_END,
        ):
            return _INVALID
        return size if len(buffer) >= size else _NEED_MORE

    def _ascii_size(self, frame_type: int) -> int:
        buffer = self._buffer
        if table_of_binary_type()[frame_type - ASCII_FLAG] is None:
            return _INVALID
        if len(buffer) > 5 and buffer[5] != 0x23:
            return _INVALID
        separators = buffer[4] + 4
        pos = 5
        limit = min(len(buffer), _MAX_CANDIDATE)
        for _ in range(separators):
            found = buffer.find(b"#", pos, limit)
            if found < 0:
                return _INVALID if limit == _MAX_CANDIDATE else _NEED_MORE
            pos = found + 1
        return pos
