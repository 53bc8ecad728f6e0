"""ASCII Waspmote v15 frames (types 0x86, 0x87 and 0x88), encode and decode.

Layout: ``<=>``, type | 0x80, the number of fields as one raw byte, ``#``, the serial as 16
uppercase hex digits, ``#``, the node name, ``#``, the sequence in decimal, ``#``, then one
``TAG:value#`` per field. Several values are separated by ``;`` (``-`` for DATE and TIME,
where TIME may end with ``+G``/``-G``, the GMT offset). Floats carry the table's decimals.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Final

from openpcs.catalog import SensorSpec, SensorTable, ValueType, sensor_table
from openpcs.frames.binary import check_node_name, serial_bytes
from openpcs.frames.errors import (
    BadDelimiter,
    BadLength,
    BadText,
    BadValue,
    FrameEncodeError,
    TrailingData,
    TruncatedFrame,
    UnknownFrameType,
    UnknownSensor,
)
from openpcs.frames.layout import (
    ASCII_FLAG,
    DELIMITER,
    MAX_FRAME,
    MAX_NODE_NAME,
    table_of_binary_type,
)
from openpcs.frames.model import Field, Frame, FrameKind, Unread, Value
from openpcs.frames.tables import BUILT_IN_TABLES, SensorTables
from openpcs.frames.values import GMT_OFFSET_TAGS, INT_RANGES, check_sequence, checked_fields

__all__ = [
    "ascii_header_serial",
    "decode_ascii",
    "decode_ascii_fields",
    "encode_ascii",
    "format_ascii_values",
]

#: A whole number; nodes that pass a float for an integer field write it with a point ("50.").
_INT_TEXT: Final = re.compile(r"-?([0-9]{1,10})(?:\.0*)?")
_FLOAT_TEXT: Final = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)|-?inf|nan")
_TRIPLE_TEXT: Final = re.compile(r"([0-9]{1,3})-([0-9]{1,3})-([0-9]{1,3})(?:([+-])([0-9]{1,2}))?")
_SEQUENCE_TEXT: Final = re.compile(rb"[0-9]{1,3}")
_HEX_SERIAL: Final = re.compile(rb"[0-9A-Fa-f]{16}")
#: Some nodes print their serial without its leading zeros: 1 to 16 hex digits are taken.
_SHORT_SERIAL: Final = re.compile(rb"[0-9A-Fa-f]{1,16}")
_SERIAL_END: Final = 22


def ascii_header_serial(data: bytes) -> str | None:
    """The serial an ASCII v15 frame's header gives, as 16 hex digits (leading zeros put back
    when the node left them out), or ``None`` when the header has none."""
    end = data.find(b"#", 6, _SERIAL_END + 1)
    if data[5:6] != b"#" or end < 0 or not _SHORT_SERIAL.fullmatch(data, 6, end):
        return None
    return data[6:end].decode("ascii").upper().zfill(16)


def _table_of_ascii_type(frame_type: int) -> int | None:
    if frame_type < ASCII_FLAG:
        return None
    return table_of_binary_type()[frame_type - ASCII_FLAG]


def _parse_int(spec: SensorSpec, text: str, offset: int) -> int:
    match = _INT_TEXT.fullmatch(text)
    if match is None:
        raise BadValue(f"{spec.tag} value {text!r} is not a whole number", offset)
    number = -int(match.group(1)) if text.startswith("-") else int(match.group(1))
    low, high = INT_RANGES[spec.type]
    if not low <= number <= high:
        raise BadValue(f"{spec.tag} value {number} is outside {low}..{high}", offset)
    return number


def _parse_float(spec: SensorSpec, text: str, offset: int) -> float:
    if not _FLOAT_TEXT.fullmatch(text):
        raise BadValue(f"{spec.tag} value {text!r} is not a number", offset)
    return float(text)


def _parse_values(spec: SensorSpec, text: str, offset: int) -> tuple[Value, ...]:
    if spec.type is ValueType.STRING:
        return (text,)
    if spec.type is ValueType.UINT8 and spec.count == 3:
        match = _TRIPLE_TEXT.fullmatch(text)
        if match is None:
            raise BadValue(f"{spec.tag} value {text!r} is not three numbers a-b-c", offset)
        triple = tuple(_parse_int(spec, part, offset) for part in match.group(1, 2, 3))
        if match.group(4) is None:
            return triple
        if spec.tag not in GMT_OFFSET_TAGS:
            raise BadValue(f"{spec.tag} value {text!r} carries an offset it cannot have", offset)
        sign = -1 if match.group(4) == "-" else 1
        return (*triple, sign * int(match.group(5)))
    parts = text.split(";")
    if len(parts) != spec.count:
        raise BadValue(f"{spec.tag} needs {spec.count} value(s), found {len(parts)}", offset)
    if spec.type is ValueType.FLOAT:
        return tuple(_parse_float(spec, part, offset) for part in parts)
    return tuple(_parse_int(spec, part, offset) for part in parts)


def _parse_field(
    table: SensorTable, chunk: str, offset: int, unread: list[Unread] | None
) -> Field | None:
    """One ``TAG:value`` field; an unknown tag raises, or is noted in ``unread`` (``None``)."""
    tag, colon, text = chunk.partition(":")
    if not colon:
        raise BadDelimiter(f"field {chunk[:20]!r} has no ':' between tag and value", offset)
    spec = table.find_tag(tag)
    if spec is None:
        reason = f"tag {tag!r} is not in sensor table {table.frame_type}"
        if unread is None:
            raise UnknownSensor(reason, offset)
        unread.append(Unread(offset, reason))
        return None
    return Field(spec, _parse_values(spec, text, offset + len(tag) + 1))


def _expect_hash(data: bytes, pos: int, what: str) -> None:
    if pos >= len(data):
        raise TruncatedFrame(f"frame ends before the '#' after the {what}", pos)
    if data[pos] != 0x23:
        raise BadDelimiter(f"expected '#' after the {what}", pos)


def decode_ascii(
    data: bytes | bytearray | memoryview,
    *,
    tables: SensorTables = BUILT_IN_TABLES,
    partial: bool = False,
) -> Frame:
    """Decode one complete ASCII frame; raise a :class:`FrameError` subclass if it is not one.

    With ``partial``, a field whose tag ``tables`` does not define is skipped instead of
    raising, and listed in the frame's ``unread``; the fields around it are read.
    """
    raw = bytes(data)
    if len(raw) < 6:
        raise TruncatedFrame(f"ASCII frame header needs at least 6 bytes, got {len(raw)}", len(raw))
    if raw[:3] != DELIMITER:
        raise BadDelimiter("frame does not start with '<=>'", 0)
    table_id = _table_of_ascii_type(raw[3])
    if table_id is None:
        raise UnknownFrameType(f"frame type {raw[3]} is not an ASCII v15 frame type", 3)
    declared = raw[4]
    _expect_hash(raw, 5, "field count")
    serial_end = raw.find(b"#", 6, _SERIAL_END + 1)
    if serial_end < 0:
        if len(raw) <= _SERIAL_END:
            raise TruncatedFrame("frame ends inside the serial", len(raw))
        if not _HEX_SERIAL.fullmatch(raw, 6, _SERIAL_END):
            raise BadText("serial is not 16 hex digits", 6)
        _expect_hash(raw, _SERIAL_END, "serial")
    serial = raw[6:serial_end]
    if not _SHORT_SERIAL.fullmatch(serial):
        raise BadText("serial is not 16 hex digits", 6)
    name_start = serial_end + 1
    name_end = raw.find(b"#", name_start, name_start + MAX_NODE_NAME + 1)
    if name_end < 0:
        if len(raw) <= name_start + MAX_NODE_NAME:
            raise TruncatedFrame("frame ends inside the node name", len(raw))
        raise BadDelimiter("node name is not ended by '#' within 16 characters", name_start)
    for index in range(name_start, name_end):
        if not 0x20 <= raw[index] <= 0x7E:
            raise BadText(f"node name byte 0x{raw[index]:02X} is not printable ASCII", index)
    seq_start = name_end + 1
    seq_end = raw.find(b"#", seq_start, seq_start + 4)
    if seq_end < 0:
        raise TruncatedFrame("frame ends inside the sequence number", len(raw))
    if not _SEQUENCE_TEXT.fullmatch(raw, seq_start, seq_end) or int(raw[seq_start:seq_end]) > 255:
        raise BadValue("sequence is not a number 0..255", seq_start)
    unread: list[Unread] | None = [] if partial else None
    fields = decode_ascii_fields(raw, seq_end + 1, declared, tables.table(table_id), unread)
    return Frame(
        FrameKind.ASCII,
        raw[3],
        serial.decode("ascii").upper().zfill(16),
        raw[name_start:name_end].decode("ascii"),
        int(raw[seq_start:seq_end]),
        fields,
        table_id,
        unread=tuple(unread or ()),
    )


def decode_ascii_fields(
    raw: bytes, start: int, declared: int, table: SensorTable, unread: list[Unread] | None
) -> tuple[Field, ...]:
    """Read the ``declared`` ``TAG:value#`` fields from ``start`` to the end of ``raw``.

    An unknown tag raises :class:`UnknownSensor`, or, when ``unread`` is a list, is noted there
    and skipped. Extra ``#`` or bytes after the last field are errors.
    """
    if (nul := raw.find(0, start)) >= 0:
        raise BadText("field text holds a NUL byte (a node ends text at one)", nul)
    fields: list[Field] = []
    pos = start
    for index in range(declared):
        end = raw.find(b"#", pos)
        if end < 0:
            raise TruncatedFrame(
                f"header says {declared} fields, frame ends after {index}", len(raw)
            )
        try:
            chunk = raw[pos:end].decode("ascii")
        except UnicodeDecodeError as exc:
            raise BadText("field text is not ASCII", pos + exc.start) from None
        item = _parse_field(table, chunk, pos, unread)
        if item is not None:
            fields.append(item)
        pos = end + 1
    if pos < len(raw):
        if raw.find(b"#", pos) >= 0:
            raise BadLength(f"header says {declared} fields, the frame has more", 4)
        raise TrailingData(f"{len(raw) - pos} bytes follow the last field", pos)
    return tuple(fields)


def _format_number(spec: SensorSpec, value: Value, decimals: int) -> str:
    if spec.type is ValueType.FLOAT:
        number = float(value)
        if math.isnan(number):
            return "nan"
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        return f"{number:.{decimals}f}"
    return str(int(value))


def format_ascii_values(
    spec: SensorSpec, values: Sequence[Value], decimals: int | None = None
) -> str:
    """Return the text after ``TAG:`` for a field's (already checked) values."""
    places = spec.decimals if decimals is None else decimals
    if spec.type is ValueType.STRING:
        return str(values[0])
    if spec.type is ValueType.UINT8 and spec.count == 3:
        text = "-".join(str(int(v)) for v in values[:3])
        if len(values) > 3:
            offset = int(values[3])
            text += f"+{offset}" if offset >= 0 else str(offset)
        return text
    return ";".join(_format_number(spec, value, places) for value in values)


def encode_ascii(
    *,
    serial: str,
    fields: Sequence[Field],
    node_name: str = "",
    sequence: int = 0,
    frame_type: int = 6,
    max_size: int = MAX_FRAME,
    decimals: dict[int, int] | None = None,
) -> bytes:
    """Return an ASCII frame of table ``frame_type`` (6, 7 or 8; byte 3 gets 0x80 added).

    ``decimals`` overrides the table's decimals per sensor id, as ``addSensor(id, v, N)`` does.
    """
    byte = frame_type if frame_type >= ASCII_FLAG else frame_type | ASCII_FLAG
    table_id = _table_of_ascii_type(byte) if byte <= 0xFF else None
    if table_id is None:
        raise FrameEncodeError(f"frame type {frame_type} is not a v15 type", "frame_type")
    serial_hex = serial_bytes(serial).hex().upper()
    name = check_node_name(node_name).decode("ascii")
    sequence = check_sequence(sequence)
    body = []
    for path, item in checked_fields(fields, sensor_table(table_id)):
        if item.sensor.type is ValueType.STRING and "#" in str(item.values[0]):
            raise FrameEncodeError(f"{item.sensor.tag} text may not contain '#'", path)
        places = (decimals or {}).get(item.sensor.id)
        body.append(f"{item.sensor.tag}:{format_ascii_values(item.sensor, item.values, places)}#")
    text = f"#{serial_hex}#{name}#{sequence}#{''.join(body)}".encode("ascii")
    frame = DELIMITER + bytes((byte, len(fields))) + text
    if len(frame) > max_size:
        raise FrameEncodeError(f"frame is {len(frame)} bytes, more than {max_size}", "fields")
    return frame
