"""Checking field values before they are written, and building fields from tags or ids.

Encoders call :func:`checked_values` so that a value that the node could not have sent (an
int16 of 40000, a 4-value GPS, a non-ASCII string) is refused with the field's path instead
of being written as something else.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from openpcs.catalog import SensorSpec, SensorTable, ValueType, sensor_table
from openpcs.frames.errors import FrameEncodeError
from openpcs.frames.layout import MAX_FIELDS, TIMESTAMP_TAG
from openpcs.frames.model import Field, Value

__all__ = [
    "GMT_OFFSET_TAGS",
    "INT_RANGES",
    "check_sequence",
    "checked_fields",
    "checked_values",
    "make_field",
    "resolve_sensor",
    "timestamp_first",
]

#: The range of each integer value type, as the node's C types allow.
INT_RANGES: Final = {
    ValueType.UINT8: (0, 0xFF),
    ValueType.INT16: (-0x8000, 0x7FFF),
    ValueType.UINT16: (0, 0xFFFF),
    ValueType.ULONG32: (0, 0xFFFFFFFF),
}
_FLOAT32_MAX: Final = 3.4028234663852886e38
_MAX_STRING: Final = 255
#: Fields whose ASCII form may carry a fourth value, the GMT offset (``TIME:h-m-s+G``).
GMT_OFFSET_TAGS: Final = frozenset({"TIME"})
_GMT_RANGE: Final = (-12, 14)


def _check_one(spec: SensorSpec, value: object, path: str) -> Value:
    if spec.type is ValueType.STRING:
        if not isinstance(value, str):
            raise FrameEncodeError(f"{spec.tag} takes text, not {type(value).__name__}", path)
        if not value.isascii():
            raise FrameEncodeError(f"{spec.tag} text must be ASCII", path)
        if "\x00" in value:
            raise FrameEncodeError(
                f"{spec.tag} text cannot hold NUL (a node ends text at one)", path
            )
        if len(value) > _MAX_STRING:
            raise FrameEncodeError(f"{spec.tag} text is {len(value)} characters, max 255", path)
        return value
    if spec.type is ValueType.FLOAT:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FrameEncodeError(f"{spec.tag} takes a number, not {type(value).__name__}", path)
        number = float(value)
        if math.isfinite(number) and abs(number) > _FLOAT32_MAX:
            raise FrameEncodeError(f"{spec.tag} value {number} does not fit a 32-bit float", path)
        return number
    if isinstance(value, bool) or not isinstance(value, int):
        raise FrameEncodeError(f"{spec.tag} takes whole numbers ({spec.type}), not {value!r}", path)
    low, high = INT_RANGES[spec.type]
    if not low <= value <= high:
        raise FrameEncodeError(f"{spec.tag} value {value} is outside {low}..{high}", path)
    return value


def checked_values(spec: SensorSpec, values: Sequence[object], path: str) -> tuple[Value, ...]:
    """Return ``values`` as the field's value tuple, or raise :class:`FrameEncodeError`.

    A ``TIME`` field accepts a fourth value, the GMT offset in hours, which only ASCII frames
    carry (binary frames drop it, as the node does).
    """
    count = len(values)
    with_offset = spec.tag in GMT_OFFSET_TAGS and count == spec.count + 1
    if count != spec.count and not with_offset:
        raise FrameEncodeError(
            f"{spec.tag} takes {spec.count} value{'s' if spec.count > 1 else ''}, got {count}",
            path,
        )
    checked = [
        _check_one(spec, value, f"{path}[{i}]") for i, value in enumerate(values[: spec.count])
    ]
    if with_offset:
        offset = values[-1]
        low, high = _GMT_RANGE
        if isinstance(offset, bool) or not isinstance(offset, int) or not low <= offset <= high:
            raise FrameEncodeError(
                f"{spec.tag} GMT offset must be a whole number {low}..{high}",
                f"{path}[{count - 1}]",
            )
        checked.append(offset)
    return tuple(checked)


def resolve_sensor(table: SensorTable, key: str | int, path: str) -> SensorSpec:
    """Find a sensor by id, ASCII tag or API constant, refusing a tag that names two ids."""
    if isinstance(key, int) and not isinstance(key, bool):
        spec = table.get(key)
        if spec is None:
            raise FrameEncodeError(f"sensor id {key} is not in table {table.frame_type}", path)
        return spec
    text = str(key)
    spec = table.find_tag(text) or table.find_constant(text)
    if spec is None:
        raise FrameEncodeError(f"unknown sensor {text!r} in table {table.frame_type}", path)
    several = table.tags_with_several_ids.get(text)
    if several is not None:
        ids = ", ".join(str(i) for i in several)
        raise FrameEncodeError(
            f"tag {text} names ids {ids} in table {table.frame_type}; give the id instead", path
        )
    return spec


def make_field(key: str | int, *values: object, table: int = 6, path: str = "field") -> Field:
    """Build a checked :class:`Field` from a tag, id or API constant and its values."""
    spec = resolve_sensor(sensor_table(table), key, path)
    return Field(spec, checked_values(spec, values, path))


def check_sequence(sequence: object) -> int:
    """Return the sequence number if it is a whole number 0..255."""
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence <= 255:
        raise FrameEncodeError("sequence must be a whole number 0..255", "sequence")
    return sequence


def checked_fields(fields: Sequence[Field], table: SensorTable) -> list[tuple[str, Field]]:
    """Check a frame's fields: at most 30, all from ``table``, values the types allow.

    Returns ``(path, field)`` pairs in input order, each field with its checked values.
    """
    if len(fields) > MAX_FIELDS:
        raise FrameEncodeError(
            f"{len(fields)} fields, a frame holds at most {MAX_FIELDS}", "fields"
        )
    checked = []
    for index, item in enumerate(fields):
        path = f"fields[{index}]"
        spec = item.sensor
        if table.get(spec.id) != spec:
            raise FrameEncodeError(
                f"{spec.tag} (id {spec.id}) is not in sensor table {table.frame_type}", path
            )
        checked.append((path, Field(spec, checked_values(spec, item.values, path))))
    return checked


def timestamp_first(pairs: Sequence[tuple[str, Field]]) -> list[tuple[str, Field]]:
    """Return ``(path, field)`` pairs with the timestamp (TST) first, as binary frames carry it."""
    return sorted(pairs, key=lambda pair: pair[1].sensor.tag != TIMESTAMP_TAG)
