"""Payloads carried in API frames: sensor data, configuration commands and replies, raw bytes.

The first payload byte gives the kind: 0x7F sensor data, 0x7A power-up, 0x7C configuration
ACK, 0x7D configuration error, 0xF7 general configuration command, 0x7B a delivery ACK
(``7B 0D 'ACK' …``). Anything else is passed through as :class:`RawPayload`.

Sensor data: ``7F | node id | firmware | battery (u16 BE) | counter | sensor type (u16 BE) |
reserved | data``; battery volts = raw * 0.00322. The data decodes by the sensor type's layout
in the catalog (``ncd_sensor_types.yaml``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Final

from openpcs.catalog.ncd import NcdSensorType, ncd_sensor_types
from openpcs.ncd.errors import PayloadError

__all__ = [
    "BATTERY_VOLTS_PER_COUNT",
    "Command",
    "ConfigAck",
    "ConfigError",
    "DeliveryAck",
    "Payload",
    "PowerUp",
    "RawPayload",
    "SensorData",
    "SensorValue",
    "build_command",
    "decode_payload",
    "encode_sensor_data",
    "encode_sensor_values",
]

SENSOR_DATA: Final = 0x7F
POWER_UP: Final = 0x7A
CONFIG_ACK: Final = 0x7C
CONFIG_ERROR: Final = 0x7D
GENERAL_COMMAND: Final = 0xF7
DELIVERY_ACK: Final = 0x7B
BATTERY_VOLTS_PER_COUNT: Final = 0.00322
_HEADER: Final = 9
_ACK_MARK: Final = b"\x0dACK"

CONFIG_ERRORS: Final = {
    0: "Unknown",
    1: "Invalid Command",
    2: "Sensor Type Mismatch",
    3: "Node ID Mismatch",
    4: "Apply change command failed",
    5: "Invalid API Packet Command Response Received After Apply Change Command",
    6: "Write command failed",
    7: "Invalid API Packet Command Response Received After Write Command",
    8: "Parameter Change Command Failed",
    9: "Invalid Parameter Change Command Response Received After Write Command",
    10: "Invalid/Incomplete Packet Received",
    15: "Invalid Parameter for Setup/Saving",
}

#: General configuration commands (0xF7): name → sub-command and the argument bytes it takes.
COMMANDS: Final = {
    "set_node_id_and_delay": (0x02, 4),
    "set_destination": (0x03, 4),
    "set_network_id": (0x05, 2),
    "read_delay": (0x15, 0),
    "read_power": (0x16, 0),
    "read_retries": (0x17, 0),
    "read_destination": (0x18, 0),
    "read_network_id": (0x19, 0),
    "read_change_detection": (0x1A, 0),
    "reboot": (0x40, 0),
}
_COMMAND_NAMES: Final = {sub: name for name, (sub, _) in COMMANDS.items()}
_COMMAND_PAD: Final = b"\x00\x00\x00"


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


@dataclass(frozen=True, slots=True)
class PowerUp:
    """0x7A: a sensor announcing itself after power-up, with its mode (RUN, PGM …)."""

    node_id: int
    sensor_type: int
    mode: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "kind": "power_up",
            "node_id": self.node_id,
            "sensor_type": self.sensor_type,
            "mode": self.mode,
        }


@dataclass(frozen=True, slots=True)
class ConfigAck:
    """0x7C: a sensor acknowledging a configuration command, with any value it returns."""

    node_id: int
    counter: int
    sensor_type: int
    firmware: int
    result: int
    data: bytes = b""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "kind": "config_ack",
            "node_id": self.node_id,
            "counter": self.counter,
            "sensor_type": self.sensor_type,
            "firmware": self.firmware,
            "result": self.result,
            "data": self.data.hex().upper(),
        }


@dataclass(frozen=True, slots=True)
class ConfigError:
    """0x7D: a sensor refusing a configuration command."""

    node_id: int
    sensor_type: int
    code: int

    @property
    def text(self) -> str:
        """The error code in words."""
        return CONFIG_ERRORS.get(self.code, "Unknown")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "kind": "config_error",
            "node_id": self.node_id,
            "sensor_type": self.sensor_type,
            "code": self.code,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Command:
    """A general configuration command (0xF7) and its decoded arguments."""

    name: str
    sub_command: int
    arguments: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "kind": "command",
            "name": self.name,
            "sub_command": self.sub_command,
            **self.arguments,
        }


@dataclass(frozen=True, slots=True)
class DeliveryAck:
    """The spec's delivery ACK (``7B 0D 41 43 4B …``, "DACK")."""

    data: bytes

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"kind": "delivery_ack", "data": self.data.hex().upper()}


@dataclass(frozen=True, slots=True)
class RawPayload:
    """A payload openpcs does not interpret, passed through as bytes."""

    data: bytes

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"kind": "raw", "data": self.data.hex().upper()}


Payload = SensorData | PowerUp | ConfigAck | ConfigError | Command | DeliveryAck | RawPayload


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


def _sensor_data(payload: bytes) -> SensorData:
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


def _need(payload: bytes, size: int, what: str) -> None:
    if len(payload) < size:
        raise PayloadError(f"a {what} needs {size} bytes, got {len(payload)}", len(payload))


def _command(payload: bytes) -> Command:
    _need(payload, 5, "configuration command")
    sub = payload[1]
    name = _COMMAND_NAMES.get(sub, f"command_{sub:02X}")
    args = payload[5:]
    if name in COMMANDS and len(args) != COMMANDS[name][1]:
        raise PayloadError(f"{name} takes {COMMANDS[name][1]} argument bytes, got {len(args)}", 5)
    arguments: dict[str, int] = {}
    if name == "set_node_id_and_delay":
        arguments = {"node_id": args[0], "delay_s": int.from_bytes(args[1:4], "big")}
    elif name == "set_destination":
        arguments = {"destination": int.from_bytes(args, "big")}
    elif name == "set_network_id":
        arguments = {"network_id": int.from_bytes(args, "big")}
    elif name not in COMMANDS:
        arguments = {"argument_bytes": len(args)}
    return Command(name, sub, arguments)


def decode_payload(data: bytes | bytearray | memoryview) -> Payload:
    """Decode a payload by its first byte; raise :class:`PayloadError` for a malformed one."""
    payload = bytes(data)
    if not payload:
        return RawPayload(b"")
    kind = payload[0]
    if kind == SENSOR_DATA:
        return _sensor_data(payload)
    if kind == POWER_UP:
        _need(payload, 10, "power-up message")
        mode = payload[7:10].decode("ascii", errors="replace")
        return PowerUp(payload[1], int.from_bytes(payload[3:5], "big"), mode)
    if kind == CONFIG_ACK:
        _need(payload, 7, "configuration ACK")
        return ConfigAck(
            node_id=payload[1],
            counter=payload[2],
            sensor_type=int.from_bytes(payload[3:5], "big"),
            firmware=payload[5],
            result=payload[6],
            data=payload[7:],
        )
    if kind == CONFIG_ERROR:
        _need(payload, 8, "configuration error")
        return ConfigError(payload[1], int.from_bytes(payload[3:5], "big"), payload[7])
    if kind == GENERAL_COMMAND:
        return _command(payload)
    if kind == DELIVERY_ACK and payload[1:5] == _ACK_MARK:
        return DeliveryAck(payload)
    return RawPayload(payload)


#: The named arguments each general command takes (in payload order).
_COMMAND_ARGUMENTS: Final = {
    "set_node_id_and_delay": ("node_id", "delay_s"),
    "set_destination": ("destination",),
    "set_network_id": ("network_id",),
}


def _whole(name: str, value: object, high: int) -> int:
    """``value`` as an int in 0..``high``; ``ValueError`` naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if not 0 <= value <= high:
        raise ValueError(f"{name} must be 0..{high}, got {value}")
    return value


def _destination(value: object) -> int:
    """The lower 32 bits of a destination given as 8 address bytes or as an int."""
    if isinstance(value, bytes | bytearray):
        if len(value) != 8:
            raise ValueError(f"destination is an 8-byte address, got {len(value)} bytes")
        return int.from_bytes(value[4:], "big")
    return _whole("destination", value, 0xFFFFFFFF)


def build_command(name: str, **arguments: int | bytes) -> bytes:
    """Build a general configuration command (0xF7) payload.

    ``set_node_id_and_delay(node_id=, delay_s=)``, ``set_destination(destination=)`` (the lower
    32 bits of the 64-bit address, or 8 address bytes), ``set_network_id(network_id=)``,
    ``read_*`` and ``reboot`` (no arguments). Raises ``ValueError`` for an unknown command, a
    missing or unexpected argument, or a value out of range.
    """
    if name not in COMMANDS:
        raise ValueError(f"unknown command {name!r} (known: {', '.join(COMMANDS)})")
    expected = _COMMAND_ARGUMENTS.get(name, ())
    missing = [arg for arg in expected if arg not in arguments]
    unexpected = sorted(set(arguments) - set(expected))
    if missing or unexpected:
        takes = ", ".join(expected) or "no arguments"
        wrong = ", ".join([f"missing {arg}" for arg in missing] + unexpected)
        raise ValueError(f"{name} takes {takes} ({wrong})")
    head = bytes((GENERAL_COMMAND, COMMANDS[name][0])) + _COMMAND_PAD
    if name == "set_node_id_and_delay":
        node = _whole("node_id", arguments["node_id"], 0xFF)
        delay = _whole("delay_s", arguments["delay_s"], 0xFFFFFF)
        return head + bytes((node,)) + delay.to_bytes(3, "big")
    if name == "set_destination":
        return head + _destination(arguments["destination"]).to_bytes(4, "big")
    if name == "set_network_id":
        return head + _whole("network_id", arguments["network_id"], 0xFFFF).to_bytes(2, "big")
    return head


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
        _whole(name, value, high)
    return (
        bytes((SENSOR_DATA, node_id, firmware))
        + battery_raw.to_bytes(2, "big")
        + bytes((counter,))
        + sensor_type.to_bytes(2, "big")
        + bytes((reserved,))
        + data
    )
