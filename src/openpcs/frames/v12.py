"""Waspmote v12 frames, which boards before v15 send (the API picks them by bootloader version).

Facts from the Waspmote API's frame library (``createFrame``, ``encryptFrame`` when the boot
version is below ``'G'``):

- **binary**, type 0 (``INFORMATION_FRAME_V12``): ``<=>``, 0, the number of bytes after byte 4,
  the 4-byte serial number, the node name and ``#``, the sequence byte, then ``[id][value]``
  fields as in v15, read with the v12 sensor table;
- **ASCII**, type 0x80: ``<=>``, 0x80, the number of fields, ``#``, the serial number in
  decimal, ``#``, node name, ``#``, sequence, ``#``, ``TAG:value#`` fields;
- **encrypted**, types 97, 98, 99 (AES-128, -192, -256) and 101 (end to end): ``<=>``, type,
  the number of bytes after byte 4, the 4 serial bytes, the node name and ``#`` in clear, then
  the whole v12 frame encrypted with AES-ECB after zero padding.

The 4 serial bytes are the number little-endian, as v12 nodes in the field send them: their
binary frames' serials read so fall in the range of the decimal serials their ASCII frames
print (0x18xxxxxx), while the other order would scatter them. (The v048 API's own v12 path
would write them the other way round; frames from it are not known.) A v12 serial is given as
the number in 16 hex digits, so that it keys devices as v15 serials do and ``int(serial, 16)``
is the decimal the node prints.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from openpcs.catalog import V12_TABLE
from openpcs.frames.ascii import decode_ascii_fields
from openpcs.frames.binary import check_name_bytes, read_binary_fields
from openpcs.frames.errors import (
    BadDelimiter,
    BadText,
    BadValue,
    TrailingData,
    TruncatedFrame,
    UnknownFrameType,
)
from openpcs.frames.layout import DELIMITER, MAX_NODE_NAME
from openpcs.frames.model import Frame, FrameKind, Unread
from openpcs.frames.tables import BUILT_IN_TABLES, SensorTables

__all__ = [
    "V12_ASCII",
    "V12_BINARY",
    "V12_ENCRYPTED",
    "V12_END_TO_END",
    "V12Header",
    "decode_v12_ascii",
    "decode_v12_binary",
    "parse_v12_encrypted_header",
    "v12_header_serial",
    "v12_serial",
]

V12_BINARY: Final = 0x00
V12_ASCII: Final = 0x80
#: Encrypted v12 types and the AES key size each takes (``None``: any, the cloud's key).
V12_ENCRYPTED: Final[dict[int, int | None]] = {97: 16, 98: 24, 99: 32, 101: None}
#: The end-to-end type: for a cloud, which a gateway keeps as received.
V12_END_TO_END: Final = 101
_SERIAL_BYTES: Final = 4
_NAME_START: Final = 5 + _SERIAL_BYTES
_DECIMAL_SERIAL: Final = re.compile(rb"[0-9]{1,10}")
_SEQUENCE_TEXT: Final = re.compile(rb"[0-9]{1,3}")


def v12_serial(raw: bytes) -> str:
    """The 16-hex-digit serial of a v12 frame's 4 serial bytes (the number, little-endian)."""
    return f"{int.from_bytes(raw, 'little'):016X}"


def v12_header_serial(data: bytes) -> str | None:
    """The serial a v12 frame (any type) says in clear, or ``None`` for other bytes."""
    if data[:3] != DELIMITER or len(data) < _NAME_START:
        return None
    if data[3] == V12_ASCII:
        end = data.find(b"#", 6, 17)
        number = data[6:end] if end > 6 else b""
        if not number.isdigit() or int(number) > 0xFFFFFFFF:
            return None
        return f"{int(number):016X}"
    if data[3] == V12_BINARY or data[3] in V12_ENCRYPTED:
        return v12_serial(data[5:_NAME_START])
    return None


class V12Header(NamedTuple):
    """The clear part of a binary or encrypted v12 frame; ``body`` is where what follows the
    node name's ``#`` starts, ``end`` where the frame ends."""

    frame_type: int
    serial: str
    node_name: str
    body: int
    end: int


def _header(data: bytes, what: str) -> V12Header:
    size = len(data)
    if size < _NAME_START + 1:
        raise TruncatedFrame(f"{what} header needs at least 10 bytes, got {size}", size)
    if data[:3] != DELIMITER:
        raise BadDelimiter("frame does not start with '<=>'", 0)
    end = data[4] + 5
    if end > size:
        raise TruncatedFrame(f"length byte says {data[4]} bytes follow, only {size - 5} do", 4)
    if end < size:
        raise TrailingData(f"{size - end} bytes follow the end of the frame", end)
    hash_at = data.find(b"#", _NAME_START, min(end, _NAME_START + MAX_NODE_NAME + 1))
    if hash_at < 0:
        if end <= _NAME_START + MAX_NODE_NAME:
            raise TruncatedFrame("frame ends inside the node name", end)
        raise BadDelimiter("node name is not ended by '#' within 16 characters", _NAME_START)
    return V12Header(
        data[3],
        v12_serial(data[5:_NAME_START]),
        check_name_bytes(data[_NAME_START:hash_at], _NAME_START),
        hash_at + 1,
        end,
    )


def decode_v12_binary(
    data: bytes | bytearray | memoryview,
    *,
    tables: SensorTables = BUILT_IN_TABLES,
    partial: bool = False,
) -> Frame:
    """Decode one complete binary v12 frame (type 0); :class:`FrameError` if it is not one.

    ``partial`` as for :func:`openpcs.frames.decode_binary`.
    """
    raw = bytes(data)
    header = _header(raw, "binary v12 frame")
    if header.frame_type != V12_BINARY:
        raise UnknownFrameType(f"frame type {header.frame_type} is not a binary v12 frame", 3)
    if header.body >= header.end:
        raise TruncatedFrame("frame ends before the sequence byte", header.end)
    unread: list[Unread] | None = [] if partial else None
    layouts = tables.layouts(V12_TABLE)
    fields = read_binary_fields(raw, header.body + 1, header.end, layouts, unread=unread)
    return Frame(
        FrameKind.BINARY,
        V12_BINARY,
        header.serial,
        header.node_name,
        raw[header.body],
        tuple(fields),
        V12_TABLE,
        unread=tuple(unread or ()),
    )


def _field_end(raw: bytes, start: int, what: str, longest: int) -> int:
    """Where the ``#`` after a header part of at most ``longest`` characters is."""
    end = raw.find(b"#", start, start + longest + 1)
    if end < 0:
        if len(raw) > start + longest:
            raise BadDelimiter(f"the {what} is not ended by '#' within {longest} characters", start)
        raise TruncatedFrame(f"frame ends inside the {what}", len(raw))
    return end


def decode_v12_ascii(
    data: bytes | bytearray | memoryview,
    *,
    tables: SensorTables = BUILT_IN_TABLES,
    partial: bool = False,
) -> Frame:
    """Decode one complete ASCII v12 frame (type 0x80); :class:`FrameError` if it is not one.

    ``partial`` as for :func:`openpcs.frames.decode_ascii`.
    """
    raw = bytes(data)
    if len(raw) < 6:
        raise TruncatedFrame(f"ASCII frame header needs at least 6 bytes, got {len(raw)}", len(raw))
    if raw[:3] != DELIMITER:
        raise BadDelimiter("frame does not start with '<=>'", 0)
    if raw[3] != V12_ASCII:
        raise UnknownFrameType(f"frame type {raw[3]} is not an ASCII v12 frame", 3)
    if raw[5] != 0x23:
        raise BadDelimiter("expected '#' after the field count", 5)
    serial_end = _field_end(raw, 6, "serial", 10)
    if not _DECIMAL_SERIAL.fullmatch(raw, 6, serial_end) or int(raw[6:serial_end]) > 0xFFFFFFFF:
        raise BadText("serial is not a decimal number 0..4294967295", 6)
    serial = f"{int(raw[6:serial_end]):016X}"
    name_start = serial_end + 1
    name_end = _field_end(raw, name_start, "node name", MAX_NODE_NAME)
    name = check_name_bytes(raw[name_start:name_end], name_start)
    seq_start = name_end + 1
    seq_end = _field_end(raw, seq_start, "sequence number", 3)
    if not _SEQUENCE_TEXT.fullmatch(raw, seq_start, seq_end) or int(raw[seq_start:seq_end]) > 255:
        raise BadValue("sequence is not a number 0..255", seq_start)
    unread: list[Unread] | None = [] if partial else None
    fields = decode_ascii_fields(raw, seq_end + 1, raw[4], tables.table(V12_TABLE), unread)
    return Frame(
        FrameKind.ASCII,
        V12_ASCII,
        serial,
        name,
        int(raw[seq_start:seq_end]),
        fields,
        V12_TABLE,
        unread=tuple(unread or ()),
    )


def parse_v12_encrypted_header(data: bytes) -> tuple[V12Header, bytes]:
    """Check an encrypted v12 frame's shape; its clear header and its ciphertext."""
    header = _header(data, "encrypted v12 frame")
    if header.frame_type not in V12_ENCRYPTED:
        raise UnknownFrameType(f"frame type {header.frame_type} is not an encrypted v12 type", 3)
    ciphertext = data[header.body : header.end]
    if not ciphertext or len(ciphertext) % 16:
        raise TruncatedFrame(
            f"ciphertext of {len(ciphertext)} bytes is not whole 16-byte blocks", header.body
        )
    return header, ciphertext
