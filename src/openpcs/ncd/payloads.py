"""Payloads carried in API frames: the kinds, the small ones, and the dispatcher that decodes any.

The first payload byte gives the kind: 0x7F sensor data, 0x7A power-up, 0x7C configuration
ACK, 0x7D configuration error, 0xF7 general configuration command, 0x7B a delivery ACK
(``7B 0D 'ACK' …``). Anything else is passed through as :class:`RawPayload`, as is an empty
payload.

Sensor data lives in :mod:`openpcs.ncd.sensor_data`, configuration commands and their replies
in :mod:`openpcs.ncd.commands`; their public names are re-exported here. :func:`decode_payload`
raises :class:`PayloadError` for a malformed payload, at the offset it was found, and nothing
else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from openpcs.ncd.commands import (
    COMMANDS,
    CONFIG_ACK,
    CONFIG_ERROR,
    CONFIG_ERRORS,
    GENERAL_COMMAND,
    Command,
    ConfigAck,
    ConfigError,
    build_command,
    decode_command,
    decode_config_ack,
    decode_config_error,
)
from openpcs.ncd.payload_checks import need
from openpcs.ncd.sensor_data import (
    BATTERY_VOLTS_PER_COUNT,
    SENSOR_DATA,
    SensorData,
    SensorValue,
    decode_sensor_data,
    encode_sensor_data,
    encode_sensor_values,
)

__all__ = [
    "BATTERY_VOLTS_PER_COUNT",
    "COMMANDS",
    "CONFIG_ACK",
    "CONFIG_ERROR",
    "CONFIG_ERRORS",
    "DELIVERY_ACK",
    "GENERAL_COMMAND",
    "POWER_UP",
    "SENSOR_DATA",
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

POWER_UP: Final = 0x7A
DELIVERY_ACK: Final = 0x7B
_ACK_MARK: Final = b"\x0dACK"


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


def decode_payload(data: bytes | bytearray | memoryview) -> Payload:
    """Decode a payload by its first byte; raise :class:`PayloadError` for a malformed one."""
    payload = bytes(data)
    if not payload:
        return RawPayload(b"")
    kind = payload[0]
    if kind == SENSOR_DATA:
        return decode_sensor_data(payload)
    if kind == POWER_UP:
        need(payload, 10, "power-up message")
        mode = payload[7:10].decode("ascii", errors="replace")
        return PowerUp(payload[1], int.from_bytes(payload[3:5], "big"), mode)
    if kind == CONFIG_ACK:
        return decode_config_ack(payload)
    if kind == CONFIG_ERROR:
        return decode_config_error(payload)
    if kind == GENERAL_COMMAND:
        return decode_command(payload)
    if kind == DELIVERY_ACK and payload[1:5] == _ACK_MARK:
        return DeliveryAck(payload)
    return RawPayload(payload)
