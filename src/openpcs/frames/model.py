"""The decoded result: a frame and its fields, as immutable typed objects that convert to JSON.

``Frame`` and ``Field`` are named tuples rather than dataclasses because the gateway builds
one per received frame and per value, and tuple construction is several times cheaper.
"""

from __future__ import annotations

import json
import math
import struct
from enum import StrEnum
from typing import Any, NamedTuple

from openpcs.catalog import SensorSpec, ValueType

__all__ = ["Field", "Frame", "FrameKind", "Unread", "Value", "json_value"]

#: One value of a field: an int, a float or a string, as the sensor table says.
Value = int | float | str

_F32 = struct.Struct("<f")


class FrameKind(StrEnum):
    """What kind of Waspmote frame the bytes were."""

    BINARY = "binary"
    ASCII = "ascii"
    TINY = "tiny"
    ENCRYPTED = "encrypted"


class Field(NamedTuple):
    """One sensor field: the table row it follows and its values, in table order."""

    sensor: SensorSpec
    values: tuple[Value, ...]

    @property
    def id(self) -> int:
        """The sensor id byte."""
        return self.sensor.id

    @property
    def tag(self) -> str:
        """The ASCII tag, e.g. ``TC``."""
        return self.sensor.tag

    @property
    def name(self) -> str:
        """The human name of the sensor."""
        return self.sensor.name

    @property
    def unit(self) -> str:
        """The unit of the values, or ``""`` when none is known."""
        return self.sensor.unit

    @property
    def value(self) -> Value:
        """The first value; the only one for a single-value field."""
        return self.values[0]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping: id, tag, name, unit and values."""
        return {
            "id": self.sensor.id,
            "tag": self.sensor.tag,
            "name": self.sensor.name,
            "unit": self.sensor.unit,
            "values": [json_value(v, self.sensor.type) for v in self.values],
        }


class Unread(NamedTuple):
    """A part of a frame its sensor table does not define: the byte offset where it starts and
    why it was not read."""

    offset: int
    reason: str


class Frame(NamedTuple):
    """A decoded frame.

    ``frame_type`` is byte 3 as received (6, 0x86, 96 …; ``None`` for tiny frames, which have
    none). ``serial`` is the node's serial as 16 uppercase hex digits, ``None`` for tiny frames.
    ``sensor_table`` names the table the fields were read with (6, 7 or 8; ``None`` while
    a frame is still encrypted).
    ``encrypted_as`` lists the encrypted frame types that wrapped this frame, outermost first.
    A frame of kind ``ENCRYPTED`` was not decrypted: it has no fields and keeps ``ciphertext``.
    ``unread`` is empty for a whole frame; a *partial* frame (decoded with ``partial=True``)
    lists there the fields its table does not define: a binary frame stops at the first, as
    the rest cannot be delimited; an ASCII frame skips each and goes on.
    """

    kind: FrameKind
    frame_type: int | None
    serial: str | None
    node_name: str | None
    sequence: int | None
    fields: tuple[Field, ...]
    sensor_table: int | None = 6
    encrypted_as: tuple[int, ...] = ()
    ciphertext: bytes | None = None
    unread: tuple[Unread, ...] = ()

    @property
    def partial(self) -> bool:
        """Whether some of the frame was not read (see ``unread``)."""
        return bool(self.unread)

    def field(self, tag: str) -> Field | None:
        """Return the first field with this ASCII tag, or ``None``."""
        for item in self.fields:
            if item.sensor.tag == tag:
                return item
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping of the whole frame."""
        result: dict[str, Any] = {
            "kind": self.kind.value,
            "frame_type": self.frame_type,
            "sensor_table": self.sensor_table,
            "serial": self.serial,
            "node_name": self.node_name,
            "sequence": self.sequence,
            "encrypted_as": list(self.encrypted_as),
            "fields": [item.to_dict() for item in self.fields],
        }
        if self.ciphertext is not None:
            result["ciphertext"] = self.ciphertext.hex().upper()
        if self.unread:
            result["unread"] = [item._asdict() for item in self.unread]
        return result

    def to_json(self, **kwargs: Any) -> str:
        """Return the frame as a JSON text (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, allow_nan=False, **kwargs)


def _shortest_float32(value: float) -> float:
    """Return the shortest decimal that reads back as the same float32 (23.45, not 23.4500007)."""
    for digits in range(1, 10):
        candidate = float(f"{value:.{digits}g}")
        try:
            if _F32.unpack(_F32.pack(candidate))[0] == value:
                return candidate
        except OverflowError:  # a rounding of a value near FLT_MAX past the float32 range
            continue
    return value


def json_value(value: Value, value_type: ValueType) -> Value | None:
    """Return ``value`` as JSON wants it.

    Floats that are exactly a float32 (binary frames) print as their shortest float32 decimal;
    floats parsed from ASCII text keep their text value; NaN and infinities become ``None``.
    """
    if value_type is not ValueType.FLOAT or isinstance(value, str):
        return value
    number = float(value)
    if not math.isfinite(number):
        return None
    try:
        is_float32 = _F32.unpack(_F32.pack(number))[0] == number
    except OverflowError:
        return number
    return _shortest_float32(number) if is_float32 else number
