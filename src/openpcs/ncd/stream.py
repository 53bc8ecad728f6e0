"""Finding API frames in a byte stream (serial port, UDP, TCP), resynchronising after garbage.

A frame starts at 0x7E. In API mode 2 an unescaped 0x7E always starts a new frame, so a frame
cut by one is garbage. A frame whose checksum fails is reported as a rejected start and the
search goes on from the next byte, so a frame hidden inside the bad one is still found. See
:mod:`openpcs.resync` for what the pieces are.
"""

from __future__ import annotations

from typing import Final

from openpcs.ncd.api import ApiFrame, parse_api_frame
from openpcs.ncd.envelope import ESCAPE, START
from openpcs.resync import INVALID, NEED_MORE, ResyncReader, StreamItem

__all__ = ["ApiStreamReader", "StreamItem"]

_XOR: Final = 0x20


class ApiStreamReader(ResyncReader[ApiFrame]):
    """Incremental API-frame reader; one per connection, not thread-safe."""

    def __init__(self, *, escaped: bool = False, max_length: int = 512) -> None:
        """``escaped`` for API mode 2; frames longer than ``max_length`` are treated as garbage."""
        super().__init__(bytes((START,)))
        self.escaped = escaped
        self.max_length = max_length

    def accept(self, raw: bytes) -> ApiFrame:
        """Parse the candidate (raises ``ApiFrameError`` on a bad checksum or layout)."""
        return parse_api_frame(raw, escaped=self.escaped)

    def candidate_size(self, buffer: bytearray) -> int:
        """Raw size of the frame at the buffer start, ``NEED_MORE`` or ``INVALID``."""
        if not self.escaped:
            if len(buffer) < 3:
                return NEED_MORE
            length = int.from_bytes(buffer[1:3], "big")
            if length == 0 or length > self.max_length:
                return INVALID
            return length + 4 if len(buffer) >= length + 4 else NEED_MORE
        return self._escaped_size(buffer)

    def _escaped_size(self, buffer: bytearray) -> int:
        """Walk escaped bytes: two length bytes, then the data and the checksum."""
        decoded = 0
        wanted = 3
        index = 1
        length_bytes = bytearray()
        while index < len(buffer):
            byte = buffer[index]
            if byte == START:
                return INVALID
            if byte == ESCAPE:
                if index + 1 >= len(buffer):
                    return NEED_MORE
                if buffer[index + 1] == START:
                    return INVALID  # the 0x7E starts the next frame; it escapes nothing
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
                        return INVALID
                    wanted = 2 + length + 1
            if decoded == wanted:
                return index
        return NEED_MORE
