"""Configuration commands (payload kind 0xF7) and the sensor's replies to them (0x7C, 0x7D).

A general configuration command is ``F7 | sub-command | 00 00 00 | arguments``; :data:`COMMANDS`
names the sub-commands and the argument bytes each takes. :func:`build_command` builds one from
named arguments and raises ``ValueError`` for an unknown command, a missing or unexpected
argument, or a value out of range. Decoding names an unknown sub-command ``command_XX`` and
counts its argument bytes.

The replies: ``7C | node id | counter | sensor type (u16 BE) | firmware | result | data``
acknowledges a command, with any value it returns; ``7D | node id | · | sensor type (u16 BE) |
· · | code`` refuses one (the bytes shown ``·`` are not read), the code in words in
:data:`CONFIG_ERRORS`.

Decoding raises :class:`PayloadError` for a payload shorter than its kind's fixed part, or a
known command with the wrong number of argument bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from openpcs.ncd.errors import PayloadError
from openpcs.ncd.payload_checks import need, whole

__all__ = [
    "COMMANDS",
    "CONFIG_ACK",
    "CONFIG_ERROR",
    "CONFIG_ERRORS",
    "GENERAL_COMMAND",
    "Command",
    "ConfigAck",
    "ConfigError",
    "build_command",
    "decode_command",
    "decode_config_ack",
    "decode_config_error",
]

#: The payload kind bytes of a configuration ACK, a configuration error and a general command.
CONFIG_ACK: Final = 0x7C
CONFIG_ERROR: Final = 0x7D
GENERAL_COMMAND: Final = 0xF7

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

#: The named arguments each general command takes (in payload order).
_COMMAND_ARGUMENTS: Final = {
    "set_node_id_and_delay": ("node_id", "delay_s"),
    "set_destination": ("destination",),
    "set_network_id": ("network_id",),
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


def decode_config_ack(payload: bytes) -> ConfigAck:
    """Decode a whole 0x7C payload (kind byte included); :class:`PayloadError` if it is short."""
    need(payload, 7, "configuration ACK")
    return ConfigAck(
        node_id=payload[1],
        counter=payload[2],
        sensor_type=int.from_bytes(payload[3:5], "big"),
        firmware=payload[5],
        result=payload[6],
        data=payload[7:],
    )


def decode_config_error(payload: bytes) -> ConfigError:
    """Decode a whole 0x7D payload (kind byte included); :class:`PayloadError` if it is short."""
    need(payload, 8, "configuration error")
    return ConfigError(payload[1], int.from_bytes(payload[3:5], "big"), payload[7])


def decode_command(payload: bytes) -> Command:
    """Decode a whole 0xF7 payload (kind byte included).

    Raises :class:`PayloadError` if it is short or a known command has the wrong argument bytes.
    """
    need(payload, 5, "configuration command")
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


def _destination(value: object) -> int:
    """The lower 32 bits of a destination given as 8 address bytes or as an int."""
    if isinstance(value, bytes | bytearray):
        if len(value) != 8:
            raise ValueError(f"destination is an 8-byte address, got {len(value)} bytes")
        return int.from_bytes(value[4:], "big")
    return whole("destination", value, 0xFFFFFFFF)


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
        node = whole("node_id", arguments["node_id"], 0xFF)
        delay = whole("delay_s", arguments["delay_s"], 0xFFFFFF)
        return head + bytes((node,)) + delay.to_bytes(3, "big")
    if name == "set_destination":
        return head + _destination(arguments["destination"]).to_bytes(4, "big")
    if name == "set_network_id":
        return head + whole("network_id", arguments["network_id"], 0xFFFF).to_bytes(2, "big")
    return head
