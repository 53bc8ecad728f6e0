"""The API-frame envelope every XBee frame travels in, and API mode 2's escaping.

Envelope: ``7E | length (2 bytes, big-endian) | frame data | checksum``, where the frame data
starts with the frame type, the length counts the frame data only, and the checksum is
``0xFF`` minus the low byte of the sum of the frame data. In API mode 2 every 0x7E, 0x7D,
0x11 and 0x13 after the start delimiter is sent as 0x7D followed by the byte XOR 0x20; the
length and checksum are those of the unescaped data.
"""

from __future__ import annotations

from typing import Final
from zlib import adler32

from openpcs.ncd.errors import BadChecksum, BadDelimiter, BadLength, TruncatedApiFrame

__all__ = ["ESCAPE", "START", "byte_sum", "checksum", "escape", "frame_data", "unescape", "wrap"]

START: Final = 0x7E
ESCAPE: Final = 0x7D
_ESCAPED: Final = frozenset({0x7E, 0x7D, 0x11, 0x13})
_XOR: Final = 0x20
#: Adler-32's first sum is 1 plus the bytes' sum modulo 65521: up to this many bytes the sum
#: cannot reach the modulus, so that sum is the bytes' sum, read by one call into zlib.
_ADLER_EXACT: Final = 256


def byte_sum(data: bytes | bytearray | memoryview) -> int:
    """The sum of the bytes of ``data`` (of a view: of the bytes it spans, in order)."""
    if not isinstance(data, bytes | bytearray):
        data = bytes(data)  # a view's bytes, whatever its format and strides
    if len(data) <= _ADLER_EXACT:
        return (adler32(data) & 0xFFFF) - 1
    return sum(data)


def checksum(data: bytes | bytearray | memoryview) -> int:
    """0xFF minus the low byte of the sum of the frame data."""
    return 0xFF - (byte_sum(data) & 0xFF)


def escape(raw: bytes) -> bytes:
    """API mode 2: escape every special byte after the start delimiter."""
    out = bytearray(raw[:1])
    for byte in raw[1:]:
        if byte in _ESCAPED:
            out += bytes((ESCAPE, byte ^ _XOR))
        else:
            out.append(byte)
    return bytes(out)


def unescape(raw: bytes) -> bytes:
    """Undo API-mode-2 escaping of a whole frame (delimiter first).

    Raises :class:`TruncatedApiFrame` on a trailing escape byte and :class:`BadDelimiter` on an
    unescaped 0x7E after the first byte: in API mode 2 a 0x7E always starts a new frame.
    """
    out = bytearray()
    index = 0
    while index < len(raw):
        byte = raw[index]
        if byte == ESCAPE:
            if index + 1 >= len(raw):
                raise TruncatedApiFrame("escape byte 0x7D at the end of the frame", index)
            byte = raw[index + 1]
            if byte == START:
                raise BadDelimiter("0x7E after an escape byte: a new frame starts here", index + 1)
            out.append(byte ^ _XOR)
            index += 2
        else:
            if byte == START and index > 0:
                raise BadDelimiter("unescaped 0x7E inside an API-mode-2 frame", index)
            out.append(byte)
            index += 1
    return bytes(out)


def wrap(data: bytes, *, escaped: bool = False) -> bytes:
    """Put frame data in the envelope: delimiter, length, data, checksum."""
    raw = bytes((START,)) + len(data).to_bytes(2, "big") + data + bytes((checksum(data),))
    return escape(raw) if escaped else raw


def frame_data(raw: bytes | bytearray | memoryview, *, escaped: bool = False) -> bytes:
    """Check the envelope of one complete frame and return its frame data."""
    frame = raw if type(raw) is bytes else bytes(raw)
    if escaped:
        frame = unescape(frame)
    size = len(frame)
    if size < 4:
        raise TruncatedApiFrame(f"an API frame is at least 4 bytes, got {size}", size)
    if frame[0] != START:
        raise BadDelimiter(f"frame starts with 0x{frame[0]:02X}, not 0x7E", 0)
    length = frame[1] << 8 | frame[2]
    if size != length + 4 or length == 0:
        _wrong_length(length, size)
    data = frame[3:-1]
    # the checksum byte added to the sum of the data gives 0xFF in the low byte (byte_sum,
    # written out: this runs for every frame a gateway receives)
    total = (adler32(data) & 0xFFFF) - 1 if length <= _ADLER_EXACT else sum(data)
    if (total + frame[-1]) & 0xFF != 0xFF:
        raise BadChecksum(
            f"checksum is 0x{frame[-1]:02X}, the frame data give 0x{checksum(data):02X}", size - 1
        )
    return data


def _wrong_length(length: int, size: int) -> None:
    """Raise the error for a length field that does not match a ``size``-byte frame."""
    if length == 0:
        raise BadLength("length is 0: a frame carries at least its type", 1)
    if size < length + 4:
        raise TruncatedApiFrame(f"length says {length} bytes of data, {size - 4} follow", 1)
    raise BadLength(f"{size - length - 4} bytes follow the checksum", length + 4)
