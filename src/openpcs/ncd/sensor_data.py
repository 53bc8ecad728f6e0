"""Sensor data (payload kind 0x7F): decoding it into values and encoding values into it.

``7F | node id | firmware | battery (u16 BE) | counter | sensor type (u16 BE) | reserved |
data``; battery volts = raw * 0.00322. The data decodes by the sensor type's layout in the
catalog (``ncd_sensor_types.yaml``): its fields, then the values derived from them. A type the
catalog does not know keeps its data undecoded; data past a known type's layout is kept as
``extra``.

Decoding raises :class:`PayloadError` for a header shorter than 9 bytes or data shorter than
the type's layout, at the offset where the payload ends. Encoding is the inverse and raises
``ValueError`` for values it cannot represent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from openpcs.catalog.ncd import NcdSensorType, ncd_sensor_types
from openpcs.ncd.errors import PayloadError
from openpcs.ncd.payload_checks import whole

__all__ = [
    "BATTERY_VOLTS_PER_COUNT",
    "SENSOR_DATA",
    "SensorData",
    "SensorValue",
    "decode_sensor_data",
    "encode_sensor_data",
    "encode_sensor_values",
]

#: The payload kind byte of sensor data.
SENSOR_DATA: Final = 0x7F
BATTERY_VOLTS_PER_COUNT: Final = 0.00322
_HEADER: Final = 9


@dataclass(frozen=True, slots=True)
class SensorValue:
    """One decoded value: name, value (scaled), unit and the raw integer."""

    name: str
    value: int | float
    unit: str
    raw: int


@dataclass(frozen=True, slots=True)
class SensorData:
    """A 0x7F sensor-data message."""

    node_id: int
    firmware: int
    battery_raw: int
    counter: int
    sensor_type: int
    reserved: int
    data: bytes
    type_name: str | None = None
    values: tuple[SensorValue, ...] = ()
    extra: bytes = b""

    @property
    def battery_volts(self) -> float:
        """Battery voltage: the 10-bit count * 0.00322 V."""
        return self.battery_raw * BATTERY_VOLTS_PER_COUNT

    def value(self, name: str) -> int | float | None:
        """The value called ``name``, or ``None``."""
        return next((v.value for v in self.values if v.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (battery volts to 2 decimals, as NCD gateways show them)."""
        return {
            "kind": "sensor_data",
            "node_id": self.node_id,
            "firmware": self.firmware,
            "battery_raw": self.battery_raw,
            "battery_v": round(self.battery_volts, 2),
            "counter": self.counter,
            "sensor_type": self.sensor_type,
            "type_name": self.type_name,
            "reserved": self.reserved,
            "values": {v.name: v.value for v in self.values},
            "units": {v.name: v.unit for v in self.values if v.unit},
            "data": self.data.hex().upper(),
            "extra": self.extra.hex().upper(),
        }


def _scaled(raw: int, scale: float | None) -> int | float:
    if scale is None:
        return raw
    inverse = 1.0 / scale
    if scale < 1 and abs(inverse - round(inverse)) < 1e-9:
        return raw / round(inverse)  # 2345 / 100 = 23.45, not 23.450000000000003
    return raw * scale


def _decode_values(kind: NcdSensorType, data: bytes) -> tuple[SensorValue, ...]:
    values = []
    raw_by_name: dict[str, int] = {}
    for spec in kind.fields:
        raw = int.from_bytes(data[spec.offset : spec.offset + spec.size], "big", signed=spec.signed)
        raw_by_name[spec.name] = raw
        values.append(SensorValue(spec.name, _scaled(raw, spec.scale), spec.unit, raw))
    for derived in kind.derived:
        raw = raw_by_name[derived.source]
        values.append(SensorValue(derived.name, _scaled(raw, derived.scale), derived.unit, raw))
    return tuple(values)


def decode_sensor_data(payload: bytes) -> SensorData:
    """Decode a whole 0x7F payload (kind byte included); :class:`PayloadError` if it is short."""
    if len(payload) < _HEADER:
        raise PayloadError(
            f"sensor data needs a 9-byte header, got {len(payload)} bytes", len(payload)
        )
    sensor_type = int.from_bytes(payload[6:8], "big")
    data = payload[_HEADER:]
    kind = ncd_sensor_types().get(sensor_type)
    values: tuple[SensorValue, ...] = ()
    extra = b""
    if kind is not None:
        if len(data) < kind.length:
            raise PayloadError(
                f"type {sensor_type} ({kind.name}) needs {kind.length} data bytes, got {len(data)}",
                _HEADER + len(data),
            )
        values = _decode_values(kind, data)
        extra = data[kind.length :]
    return SensorData(
        node_id=payload[1],
        firmware=payload[2],
        battery_raw=int.from_bytes(payload[3:5], "big"),
        counter=payload[5],
        sensor_type=sensor_type,
        reserved=payload[8],
        data=data,
        type_name=kind.name if kind is not None else None,
        values=values,
        extra=extra,
    )


def encode_sensor_values(sensor_type: int, values: dict[str, float]) -> bytes:
    """The data bytes of a sensor type for the given (scaled) values; the inverse of decoding.

    Missing fields are 0; every value is rounded to the field's resolution. Raises
    ``ValueError`` for a type without a layout, a name that is not a field of the type (derived
    values are computed, not given), a value that is not a finite number, or one that does not
    fit its field.
    """
    kind = ncd_sensor_types().get(sensor_type)
    if kind is None:
        raise ValueError(f"no layout for sensor type {sensor_type}")
    names = [spec.name for spec in kind.fields]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ValueError(
            f"type {sensor_type} ({kind.name}) has no field {', '.join(unknown)}; "
            f"its fields: {', '.join(names)}"
        )
    data = bytearray(kind.length)
    for spec in kind.fields:
        value = values.get(spec.name, 0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{spec.name} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"{spec.name} must be finite, got {value}")
        raw = round(value / spec.scale) if spec.scale is not None else round(value)
        try:
            data[spec.offset : spec.offset + spec.size] = raw.to_bytes(
                spec.size, "big", signed=spec.signed
            )
        except OverflowError:
            raise ValueError(f"{spec.name}={value} does not fit {spec.size} bytes") from None
    return bytes(data)


def encode_sensor_data(
    *,
    node_id: int,
    sensor_type: int,
    data: bytes,
    firmware: int = 1,
    battery_raw: int = 1023,
    counter: int = 0,
    reserved: int = 0,
) -> bytes:
    """A complete 0x7F sensor-data payload; ``ValueError`` for a header value out of range."""
    for name, value, high in (
        ("node_id", node_id, 255),
        ("firmware", firmware, 255),
        ("battery_raw", battery_raw, 0xFFFF),
        ("counter", counter, 255),
        ("sensor_type", sensor_type, 0xFFFF),
        ("reserved", reserved, 255),
    ):
        whole(name, value, high)
    return (
        bytes((SENSOR_DATA, node_id, firmware))
        + battery_raw.to_bytes(2, "big")
        + bytes((counter,))
        + sensor_type.to_bytes(2, "big")
        + bytes((reserved,))
        + data
    )
