"""Frame constants and the per-table value layouts shared by every codec in this package.

A *layout* is what a decoder needs for one sensor id: the table row, a precompiled
``struct.Struct`` for its values and their size in bytes (``None``/0 for length-prefixed
strings). Layouts are built once per table and cached; the decoders index them by id byte.
"""

from __future__ import annotations

import struct
from functools import cache
from typing import Final, NamedTuple

from openpcs.catalog import SensorSpec, ValueType, sensor_table, table_for_frame_type

__all__ = [
    "ASCII_FLAG",
    "DELIMITER",
    "ENCRYPTED_HEADER_SIZE",
    "ENCRYPTED_TYPES",
    "FORMAT_CHAR",
    "FRAGMENT_BUFFER_SIZE",
    "MAX_FIELDS",
    "MAX_FRAME",
    "MAX_NODE_NAME",
    "SERIAL_SIZE",
    "TIMESTAMP_TAG",
    "TINY_DEFAULT",
    "TINY_MAX",
    "TINY_MIN",
    "FieldLayout",
    "field_layout",
    "layouts_for_table",
    "table_of_binary_type",
]

DELIMITER: Final = b"<=>"
#: Bit 7 of the frame-type byte marks an ASCII frame (0x86 = ASCII type 6).
ASCII_FLAG: Final = 0x80
#: The node's frame buffer limit (``MAX_FRAME``).
MAX_FRAME: Final = 255
#: The node's limit on fields per frame (``max_fields``).
MAX_FIELDS: Final = 30
MAX_NODE_NAME: Final = 16
SERIAL_SIZE: Final = 8
#: ``<=>``, type, length byte and the 8-byte serial in front of an encrypted payload.
ENCRYPTED_HEADER_SIZE: Final = 13
#: 96 device-to-gateway, 100 device-to-cloud, 102 cloud software AES, 103 cloud hardware AES-128.
ENCRYPTED_TYPES: Final = frozenset({96, 100, 102, 103})
#: The node's fragment buffer (``bufferFragment``) holds at most this many bytes.
FRAGMENT_BUFFER_SIZE: Final = 101
TINY_DEFAULT: Final = 12
TINY_MIN: Final = 10
TINY_MAX: Final = 100
#: The timestamp field, which binary frames carry first.
TIMESTAMP_TAG: Final = "TST"

#: The ``struct`` format character of each numeric value type (little-endian in every frame).
FORMAT_CHAR: Final = {
    ValueType.UINT8: "B",
    ValueType.INT16: "h",
    ValueType.UINT16: "H",
    ValueType.FLOAT: "f",
    ValueType.ULONG32: "I",
}


class FieldLayout(NamedTuple):
    """How a field with one sensor id is laid out in a binary frame."""

    spec: SensorSpec
    codec: struct.Struct | None
    size: int


@cache
def field_layout(spec: SensorSpec) -> FieldLayout:
    """Return the binary layout of one sensor row."""
    if spec.type is ValueType.STRING:
        return FieldLayout(spec, None, 0)
    codec = struct.Struct(f"<{spec.count}{FORMAT_CHAR[spec.type]}")
    return FieldLayout(spec, codec, codec.size)


@cache
def layouts_for_table(table: int) -> tuple[FieldLayout | None, ...]:
    """Return 256 layouts for a sensor table (6, 7 or 8), indexed by sensor id."""
    return tuple(None if spec is None else field_layout(spec) for spec in sensor_table(table).by_id)


@cache
def table_of_binary_type() -> tuple[int | None, ...]:
    """Return, for each frame-type byte 0..255 of a binary frame, its sensor table or ``None``."""
    return tuple(table_for_frame_type(byte) for byte in range(256))
