"""Binary Waspmote v15 frames (types 6, 7 and 8; also 1-5), encode and decode.

Layout: ``<=>``, type, number of bytes that follow byte 4, the 8-byte serial, the node name
(0-16 ASCII characters) and ``#``, one sequence byte, then fields ``[id][value bytes]`` with
multi-byte numbers little-endian and strings as a length byte followed by the characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, NamedTuple

from openpcs.catalog import sensor_table
from openpcs.frames.errors import (
    BadDelimiter,
    BadText,
    FrameEncodeError,
    TrailingData,
    TruncatedFrame,
    UnknownFrameType,
    UnknownSensor,
)
from openpcs.frames.layout import (
    DELIMITER,
    MAX_FRAME,
    MAX_NODE_NAME,
    SERIAL_SIZE,
    FieldLayout,
    field_layout,
    layouts_for_table,
    table_of_binary_type,
)
from openpcs.frames.model import Field, Frame, FrameKind, Unread
from openpcs.frames.tables import BUILT_IN_TABLES, SensorTables
from openpcs.frames.values import check_sequence, checked_fields, checked_values, timestamp_first

__all__ = [
    "BinaryHeader",
    "check_name_bytes",
    "check_node_name",
    "decode_binary",
    "encode_binary",
    "encode_binary_field",
    "encode_header",
    "field_spans",
    "pack_field",
    "parse_binary_header",
    "read_binary_fields",
    "serial_bytes",
]

_HEADER_FIXED: Final = 5 + SERIAL_SIZE  # <=>, type, length, serial
_HASH: Final = 0x23
_NAME_SEARCH: Final = MAX_NODE_NAME + 1
_new_field = tuple.__new__
_PRINTABLE: Final = re.compile(rb"[\x20-\x7e]*")


class BinaryHeader(NamedTuple):
    """The parsed header of a binary frame; ``fields_start`` is the offset of the first field."""

    frame_type: int
    table: int
    serial: str
    node_name: str
    sequence: int
    fields_start: int
    end: int


def check_name_bytes(raw: bytes, offset: int) -> str:
    """The node name's bytes as text; :class:`BadText` at the first byte not printable ASCII."""
    if _PRINTABLE.fullmatch(raw) is None:
        index, byte = next((i, b) for i, b in enumerate(raw) if not 0x20 <= b <= 0x7E)
        raise BadText(f"node name byte 0x{byte:02X} is not printable ASCII", offset + index)
    return raw.decode("ascii")


def parse_binary_header(data: bytes) -> BinaryHeader:
    """Check and parse the header of a binary frame that fills ``data`` exactly."""
    size = len(data)
    if size < _HEADER_FIXED + 2:
        raise TruncatedFrame(f"binary frame header needs at least 15 bytes, got {size}", size)
    if data[:3] != DELIMITER:
        raise BadDelimiter("frame does not start with '<=>'", 0)
    frame_type = data[3]
    table = table_of_binary_type()[frame_type]
    if table is None:
        raise UnknownFrameType(f"frame type {frame_type} is not a binary v15 frame type", 3)
    end = data[4] + 5
    if end > size:
        raise TruncatedFrame(f"length byte says {data[4]} bytes follow, only {size - 5} do", 4)
    if end < size:
        raise TrailingData(f"{size - end} bytes follow the end of the frame", end)
    hash_at = data.find(b"#", _HEADER_FIXED, min(end, _HEADER_FIXED + _NAME_SEARCH))
    if hash_at < 0:
        if end <= _HEADER_FIXED + MAX_NODE_NAME:
            raise TruncatedFrame("frame ends inside the node name", end)
        raise BadDelimiter("node name is not ended by '#' within 16 characters", _HEADER_FIXED)
    if hash_at + 1 >= end:
        raise TruncatedFrame("frame ends before the sequence byte", end)
    name = check_name_bytes(data[_HEADER_FIXED:hash_at], _HEADER_FIXED)
    return BinaryHeader(
        frame_type=frame_type,
        table=table,
        serial=data[5:13].hex().upper(),
        node_name=name,
        sequence=data[hash_at + 1],
        fields_start=hash_at + 2,
        end=end,
    )


def read_binary_fields(
    data: bytes,
    start: int,
    end: int,
    layouts: tuple[FieldLayout | None, ...],
    *,
    starts: list[int] | None = None,
    unread: list[Unread] | None = None,
) -> list[Field]:
    """Read ``[id][value]`` fields from ``data[start:end]``; record field offsets in ``starts``.

    An id the layouts do not define raises :class:`UnknownSensor`, or, when ``unread`` is a
    list, is recorded there and ends the reading (its size is unknown, so nothing after it can
    be delimited): the fields before it are returned.
    """
    fields: list[Field] = []
    append = fields.append
    pos = start
    while pos < end:
        layout = layouts[data[pos]]
        if layout is None:
            reason = f"sensor id {data[pos]} is not in the frame's sensor table"
            if unread is None:
                raise UnknownSensor(reason, pos)
            unread.append(Unread(pos, reason))
            return fields
        if starts is not None:
            starts.append(pos)
        codec = layout.codec
        if codec is not None:
            stop = pos + 1 + layout.size
            if stop > end:
                raise TruncatedFrame(
                    f"field {layout.spec.tag} needs {layout.size} bytes, {end - pos - 1} left", pos
                )
            append(_new_field(Field, (layout.spec, codec.unpack_from(data, pos + 1))))
            pos = stop
            continue
        if pos + 1 >= end:
            raise TruncatedFrame(f"field {layout.spec.tag} ends before its length byte", pos)
        stop = pos + 2 + data[pos + 1]
        if stop > end:
            raise TruncatedFrame(
                f"string field {layout.spec.tag} says {data[pos + 1]} characters, "
                f"{end - pos - 2} left",
                pos,
            )
        raw = data[pos + 2 : stop]
        if not raw.isascii():
            bad = next(i for i, byte in enumerate(raw) if byte > 0x7F)
            raise BadText(f"string field {layout.spec.tag} is not ASCII", pos + 2 + bad)
        if (nul := raw.find(0)) >= 0:
            raise BadText(f"string field {layout.spec.tag} holds a NUL byte", pos + 2 + nul)
        append(_new_field(Field, (layout.spec, (raw.decode("ascii"),))))
        pos = stop
    return fields


def decode_binary(
    data: bytes | bytearray | memoryview,
    *,
    tables: SensorTables = BUILT_IN_TABLES,
    partial: bool = False,
) -> Frame:
    """Decode one complete binary frame; raise a :class:`FrameError` subclass if it is not one.

    With ``partial``, a sensor id ``tables`` does not define ends the fields instead of raising,
    and the frame's ``unread`` says where (see :func:`read_binary_fields`). A layout seen
    before is read by its compiled plan (:mod:`openpcs.frames.binary_plans`), which gives the
    same frame as the field-by-field path.
    """
    raw = data if type(data) is bytes else bytes(data)
    planned = tables.plans.read(raw)
    if planned is not None:
        return planned
    header = parse_binary_header(raw)
    unread: list[Unread] | None = [] if partial else None
    layouts = tables.layouts(header.table)
    fields = read_binary_fields(raw, header.fields_start, header.end, layouts, unread=unread)
    frame = Frame(
        FrameKind.BINARY,
        header.frame_type,
        header.serial,
        header.node_name,
        header.sequence,
        tuple(fields),
        header.table,
        unread=tuple(unread or ()),
    )
    if not unread:
        tables.plans.learn(raw, frame, header.fields_start - 1, layouts)
    return frame


def serial_bytes(serial: str, path: str = "serial") -> bytes:
    """Return the 8 serial bytes of a 16-hex-digit serial ID."""
    text = serial.strip()
    if len(text) != 2 * SERIAL_SIZE:
        raise FrameEncodeError(f"serial must be 16 hex digits, got {len(text)} characters", path)
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise FrameEncodeError(f"serial {text!r} is not hexadecimal", path) from None


def check_node_name(name: str, path: str = "node_name") -> bytes:
    """Return the node name as bytes, refusing what the node could not send."""
    if not name.isascii() or not name.isprintable():
        raise FrameEncodeError("node name must be printable ASCII", path)
    if len(name) > MAX_NODE_NAME:
        raise FrameEncodeError(f"node name is {len(name)} characters, max 16", path)
    if "#" in name or " " in name:
        raise FrameEncodeError(
            "node name may not contain '#' or spaces (the node turns them into '_')", path
        )
    return name.encode("ascii")


def pack_field(item: Field) -> bytes:
    """Return ``[id][value bytes]`` for a field whose values are already checked.

    A fourth TIME value (the GMT offset) is dropped: binary frames do not carry it.
    """
    spec = item.sensor
    values = item.values[: spec.count]
    codec = field_layout(spec).codec
    if codec is None:
        text = str(values[0]).encode("ascii")
        return bytes((spec.id, len(text))) + text
    return bytes((spec.id,)) + codec.pack(*values)


def encode_binary_field(item: Field, path: str = "field") -> bytes:
    """Return the bytes of one field, ``[id][value bytes]``, after checking its values."""
    return pack_field(Field(item.sensor, checked_values(item.sensor, item.values, path)))


def encode_header(frame_type: int, serial: str, node_name: str, sequence: int) -> bytes:
    """Return a binary header with a zero length byte (the caller sets byte 4)."""
    return (
        DELIMITER
        + bytes((frame_type, 0))
        + serial_bytes(serial)
        + check_node_name(node_name)
        + b"#"
        + bytes((check_sequence(sequence),))
    )


def encode_binary(
    *,
    serial: str,
    fields: Sequence[Field],
    node_name: str = "",
    sequence: int = 0,
    frame_type: int = 6,
    max_size: int = MAX_FRAME,
) -> bytes:
    """Return a binary frame; the timestamp field (TST) is moved first, as the node does.

    Raises :class:`FrameEncodeError` for a bad header value, a value the field cannot carry,
    more than 30 fields or a frame longer than ``max_size`` bytes.
    """
    table = table_of_binary_type()[frame_type] if 0 <= frame_type <= 255 else None
    if table is None:
        raise FrameEncodeError(f"frame type {frame_type} is not a binary v15 type", "frame_type")
    pairs = timestamp_first(checked_fields(fields, sensor_table(table)))
    parts = [encode_header(frame_type, serial, node_name, sequence)]
    parts.extend(pack_field(item) for _, item in pairs)
    frame = bytearray(b"".join(parts))
    if len(frame) > max_size:
        raise FrameEncodeError(f"frame is {len(frame)} bytes, more than {max_size}", "fields")
    frame[4] = len(frame) - 5
    return bytes(frame)


def field_spans(
    data: bytes | bytearray | memoryview,
) -> tuple[BinaryHeader, list[tuple[Field, bytes]]]:
    """Decode a binary frame and return its header and each field with its exact bytes."""
    raw = bytes(data)
    header = parse_binary_header(raw)
    starts: list[int] = []
    fields = read_binary_fields(
        raw, header.fields_start, header.end, layouts_for_table(header.table), starts=starts
    )
    bounds = [*starts, header.end]
    return header, [(item, raw[bounds[i] : bounds[i + 1]]) for i, item in enumerate(fields)]
