"""Finding Waspmote frames in a byte stream (TCP, serial), resynchronising after garbage.

A candidate starting at ``<=>`` is accepted when it decodes (an encrypted frame only needs a
well-formed header, since no key is used here); otherwise the scanner reports the rejected start
and looks for the next ``<=>``. See :mod:`openpcs.resync` for what the pieces are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from openpcs.frames.codec import decode_any
from openpcs.frames.layout import ASCII_FLAG, DELIMITER, ENCRYPTED_TYPES, table_of_binary_type
from openpcs.frames.model import Frame
from openpcs.frames.v12 import V12_ASCII, V12_BINARY, V12_ENCRYPTED
from openpcs.resync import INVALID, NEED_MORE, ResyncReader, StreamItem

__all__ = ["FrameScanner", "ScanItem"]

#: Longest frame the length byte can describe: 255 bytes after the first five.
_MAX_CANDIDATE: Final = 255 + 5
_V12_NAME_START: Final = 9
_MIN_ENCRYPTED: Final = 13 + 16

#: A piece of the stream; ``value`` is the decoded frame.
ScanItem = StreamItem[Frame]


class FrameScanner(ResyncReader[Frame]):
    """Incremental Waspmote frame finder. Not thread-safe; use one per connection."""

    def __init__(self, decode: Callable[[bytes], Frame] = decode_any) -> None:
        """``decode`` must raise :class:`FrameError` for bytes that are not a frame."""
        super().__init__(DELIMITER)
        self._decode = decode

    def accept(self, raw: bytes) -> Frame:
        """Decode the candidate (raises ``FrameError`` when it is not a frame)."""
        return self._decode(raw)

    def candidate_size(self, buffer: bytearray) -> int:
        """Size of the frame at the buffer start, ``NEED_MORE`` or ``INVALID``."""
        if len(buffer) < 5:
            return NEED_MORE
        frame_type = buffer[3]
        if frame_type in ENCRYPTED_TYPES:
            size = buffer[4] + 5
            if size < _MIN_ENCRYPTED or (size - 13) % 16:
                return INVALID
            return size if len(buffer) >= size else NEED_MORE
        if frame_type >= ASCII_FLAG:
            return self._ascii_size(buffer, frame_type)
        v12 = frame_type == V12_BINARY or frame_type in V12_ENCRYPTED
        if not v12 and table_of_binary_type()[frame_type] is None:
            return INVALID
        size = buffer[4] + 5
        name_start = _V12_NAME_START if v12 else 13
        limit = name_start + 17
        name_end = min(len(buffer), size, limit)
        if buffer.find(b"#", name_start, name_end) < 0 and name_end in (size, limit):
            return INVALID
        return size if len(buffer) >= size else NEED_MORE

    @staticmethod
    def _ascii_size(buffer: bytearray, frame_type: int) -> int:
        if frame_type != V12_ASCII and table_of_binary_type()[frame_type - ASCII_FLAG] is None:
            return INVALID
        if len(buffer) > 5 and buffer[5] != 0x23:
            return INVALID
        separators = buffer[4] + 4
        pos = 5
        limit = min(len(buffer), _MAX_CANDIDATE)
        for _ in range(separators):
            found = buffer.find(b"#", pos, limit)
            if found < 0:
                return INVALID if limit == _MAX_CANDIDATE else NEED_MORE
            pos = found + 1
        return pos
