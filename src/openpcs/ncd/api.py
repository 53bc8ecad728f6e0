"""API frames: the spec's 0x10 frame and the XBee frames a DigiMesh radio exchanges with a host.

The envelope (delimiter, length, checksum, API mode 2's escaping) is
:mod:`openpcs.ncd.envelope`; its functions are re-exported here.

Frame types (offsets from 0x7E):

- 0x10, the spec's frame: frame id, 64-bit address, two bytes that were ``FF FE`` and now carry
  RSSI, broadcast radius, the options byte that now carries SNR, payload.
- 0x90 receive packet: 64-bit source, ``FF FE``, receive options, RF data.
- 0x8B transmit status: frame id, 16-bit address, retry count, delivery status, discovery.
- 0x08 AT command: frame id, two ASCII characters, optional parameter.
- 0x88 AT command response: frame id, command, status, data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Final

from openpcs.ncd.envelope import checksum, escape, frame_data, unescape, wrap
from openpcs.ncd.errors import ApiFrameError, BadLength
from openpcs.ncd.trusted import bare, slot_setters

__all__ = [
    "BROADCAST",
    "ApiFrame",
    "AtCommand",
    "AtCommandResponse",
    "ReceivePacket",
    "TransmitRequest",
    "TransmitStatus",
    "UnknownFrame",
    "checksum",
    "encode_api_frame",
    "escape",
    "frame_data",
    "parse_api_frame",
    "unescape",
    "wrap",
]

#: The 64-bit broadcast address.
BROADCAST: Final = bytes.fromhex("000000000000FFFF")
_ADDRESS: Final = 8


def _need(data: bytes, size: int, what: str) -> None:
    if len(data) < size:
        raise BadLength(f"a {what} frame needs {size} bytes of frame data, got {len(data)}", 3)


def _hex(raw: bytes) -> str:
    return raw.hex().upper()


def _check_byte(name: str, value: int, size: int = 1) -> None:
    if not 0 <= value < 256**size:
        raise ValueError(f"{name} must fit {size} byte(s), got {value}")


def _check_address(name: str, value: bytes, size: int = _ADDRESS) -> None:
    if len(value) != size:
        raise ValueError(f"{name} is {size} bytes, got {len(value)}")


@dataclass(frozen=True, slots=True)
class TransmitRequest:
    """The spec's 0x10 frame, in both directions (RSSI and SNR in the former reserved bytes)."""

    frame_id: int
    address: bytes
    payload: bytes = b""
    rssi: int = 0xFFFE
    radius: int = 0
    snr: int = 0
    FRAME_TYPE: ClassVar[int] = 0x10
    #: Frame-data bytes before the payload.
    HEADER: ClassVar[int] = 14

    def __post_init__(self) -> None:
        _check_byte("frame_id", self.frame_id)
        _check_address("address", self.address)
        _check_byte("rssi", self.rssi, 2)
        _check_byte("radius", self.radius)
        _check_byte("snr", self.snr)

    def data(self) -> bytes:
        """The frame data (type byte first)."""
        return (
            bytes((self.FRAME_TYPE, self.frame_id))
            + self.address
            + self.rssi.to_bytes(2, "big")
            + bytes((self.radius, self.snr))
            + self.payload
        )

    @classmethod
    def from_data(cls, data: bytes) -> TransmitRequest:
        """Parse frame data of type 0x10.

        Every value comes from whole bytes, so it is in range by construction: the object is
        built slot by slot (:mod:`openpcs.ncd.trusted`): this runs for every packet a gateway
        receives.
        """
        if len(data) < 14:
            _need(data, cls.HEADER, "0x10")
        frame = bare(cls)
        _set_frame_id(frame, data[1])
        _set_address(frame, data[2:10])
        _set_payload(frame, data[14:])
        _set_rssi(frame, data[10] << 8 | data[11])
        _set_radius(frame, data[12])
        _set_snr(frame, data[13])
        return frame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "type": "transmit_request",
            "frame_type": self.FRAME_TYPE,
            "frame_id": self.frame_id,
            "address": _hex(self.address),
            "rssi": self.rssi,
            "radius": self.radius,
            "snr": self.snr,
            "payload": _hex(self.payload),
        }


_set_frame_id, _set_address, _set_payload, _set_rssi, _set_radius, _set_snr = slot_setters(
    TransmitRequest
)


@dataclass(frozen=True, slots=True)
class ReceivePacket:
    """0x90: RF data received from a 64-bit source."""

    source: bytes
    data_bytes: bytes = b""
    options: int = 0
    reserved: int = 0xFFFE
    FRAME_TYPE: ClassVar[int] = 0x90
    #: Frame-data bytes before the RF data.
    HEADER: ClassVar[int] = 12

    def __post_init__(self) -> None:
        _check_address("source", self.source)
        _check_byte("options", self.options)
        _check_byte("reserved", self.reserved, 2)

    def data(self) -> bytes:
        """The frame data (type byte first)."""
        return (
            bytes((self.FRAME_TYPE,))
            + self.source
            + self.reserved.to_bytes(2, "big")
            + bytes((self.options,))
            + self.data_bytes
        )

    @classmethod
    def from_data(cls, data: bytes) -> ReceivePacket:
        """Parse frame data of type 0x90 (built as :meth:`TransmitRequest.from_data` is)."""
        if len(data) < 12:
            _need(data, cls.HEADER, "0x90")
        packet = bare(cls)
        _set_source(packet, data[1:9])
        _set_data_bytes(packet, data[12:])
        _set_options(packet, data[11])
        _set_reserved(packet, data[9] << 8 | data[10])
        return packet

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "type": "receive_packet",
            "frame_type": self.FRAME_TYPE,
            "source": _hex(self.source),
            "options": self.options,
            "acknowledged": bool(self.options & 0x01),
            "broadcast": bool(self.options & 0x02),
            "data": _hex(self.data_bytes),
        }


_set_source, _set_data_bytes, _set_options, _set_reserved = slot_setters(ReceivePacket)


DELIVERY_STATUS: Final = {
    0x00: "success",
    0x01: "MAC ACK failure",
    0x02: "collision avoidance failure",
    0x21: "network ACK failure",
    0x25: "route not found",
    0x31: "internal resource error",
    0x32: "internal error",
    0x74: "payload too large",
    0x75: "indirect message unrequested",
}


@dataclass(frozen=True, slots=True)
class TransmitStatus:
    """0x8B: what became of a transmit request with this frame id."""

    frame_id: int
    delivery: int = 0
    retries: int = 0
    discovery: int = 0
    address16: int = 0xFFFE
    FRAME_TYPE: ClassVar[int] = 0x8B
    _SIZE: ClassVar[int] = 7

    def __post_init__(self) -> None:
        for name in ("frame_id", "delivery", "retries", "discovery"):
            _check_byte(name, getattr(self, name))
        _check_byte("address16", self.address16, 2)

    def data(self) -> bytes:
        """The frame data (type byte first)."""
        return (
            bytes((self.FRAME_TYPE, self.frame_id))
            + self.address16.to_bytes(2, "big")
            + bytes((self.retries, self.delivery, self.discovery))
        )

    @classmethod
    def from_data(cls, data: bytes) -> TransmitStatus:
        """Parse frame data of type 0x8B."""
        _need(data, cls._SIZE, "0x8B")
        if len(data) > cls._SIZE:
            raise BadLength(f"a 0x8B frame has {cls._SIZE} bytes of frame data", 3 + cls._SIZE)
        return cls(
            frame_id=data[1],
            address16=int.from_bytes(data[2:4], "big"),
            retries=data[4],
            delivery=data[5],
            discovery=data[6],
        )

    @property
    def delivered(self) -> bool:
        """Whether the radio reports success (broadcasts always do)."""
        return self.delivery == 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "type": "transmit_status",
            "frame_type": self.FRAME_TYPE,
            "frame_id": self.frame_id,
            "delivery": self.delivery,
            "delivery_text": DELIVERY_STATUS.get(self.delivery, "unknown"),
            "retries": self.retries,
            "discovery": self.discovery,
        }


def _is_at_command(text: str) -> bool:
    """Two printable ASCII characters, no space: the one rule for building and parsing."""
    return len(text) == 2 and all(0x20 < ord(char) < 0x7F for char in text)


def _command(raw: bytes, offset: int) -> str:
    text = raw.decode("latin-1")
    if not _is_at_command(text):
        raise ApiFrameError("an AT command is two printable ASCII characters", offset)
    return text


def _check_command(command: str) -> None:
    if not _is_at_command(command):
        raise ValueError(f"an AT command is two printable ASCII characters, not {command!r}")


@dataclass(frozen=True, slots=True)
class AtCommand:
    """0x08: a local AT command; no parameter means a query."""

    frame_id: int
    command: str
    parameter: bytes = b""
    FRAME_TYPE: ClassVar[int] = 0x08

    def __post_init__(self) -> None:
        _check_byte("frame_id", self.frame_id)
        _check_command(self.command)

    def data(self) -> bytes:
        """The frame data (type byte first)."""
        return (
            bytes((self.FRAME_TYPE, self.frame_id)) + self.command.encode("ascii") + self.parameter
        )

    @classmethod
    def from_data(cls, data: bytes) -> AtCommand:
        """Parse frame data of type 0x08."""
        _need(data, 4, "0x08")
        return cls(frame_id=data[1], command=_command(data[2:4], 5), parameter=data[4:])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "type": "at_command",
            "frame_type": self.FRAME_TYPE,
            "frame_id": self.frame_id,
            "command": self.command,
            "parameter": _hex(self.parameter),
        }


AT_STATUS: Final = {
    0: "OK",
    1: "ERROR",
    2: "invalid command",
    3: "invalid parameter",
    4: "Tx failure",
}


@dataclass(frozen=True, slots=True)
class AtCommandResponse:
    """0x88: the answer to a local AT command."""

    frame_id: int
    command: str
    status: int = 0
    value: bytes = b""
    FRAME_TYPE: ClassVar[int] = 0x88

    def __post_init__(self) -> None:
        _check_byte("frame_id", self.frame_id)
        _check_byte("status", self.status)
        _check_command(self.command)

    def data(self) -> bytes:
        """The frame data (type byte first)."""
        return (
            bytes((self.FRAME_TYPE, self.frame_id))
            + self.command.encode("ascii")
            + bytes((self.status,))
            + self.value
        )

    @classmethod
    def from_data(cls, data: bytes) -> AtCommandResponse:
        """Parse frame data of type 0x88."""
        _need(data, 5, "0x88")
        return cls(frame_id=data[1], command=_command(data[2:4], 5), status=data[4], value=data[5:])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "type": "at_command_response",
            "frame_type": self.FRAME_TYPE,
            "frame_id": self.frame_id,
            "command": self.command,
            "status": self.status,
            "status_text": AT_STATUS.get(self.status, "unknown"),
            "value": _hex(self.value),
        }


@dataclass(frozen=True, slots=True)
class UnknownFrame:
    """A frame with a valid envelope whose type openpcs does not parse; kept as raw data."""

    frame_type: int
    raw: bytes

    def data(self) -> bytes:
        """The frame data (type byte first)."""
        return bytes((self.frame_type,)) + self.raw

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"type": "unknown", "frame_type": self.frame_type, "data": _hex(self.raw)}


ApiFrame = (
    TransmitRequest | ReceivePacket | TransmitStatus | AtCommand | AtCommandResponse | UnknownFrame
)
_PARSERS: Final = {
    cls.FRAME_TYPE: cls.from_data
    for cls in (TransmitRequest, ReceivePacket, TransmitStatus, AtCommand, AtCommandResponse)
}


def encode_api_frame(frame: ApiFrame, *, escaped: bool = False) -> bytes:
    """The complete frame bytes: envelope and checksum (escaped for API mode 2 if asked)."""
    return wrap(frame.data(), escaped=escaped)


def parse_api_frame(raw: bytes | bytearray | memoryview, *, escaped: bool = False) -> ApiFrame:
    """Parse one complete API frame; raise an :class:`ApiFrameError` subclass if it is not one."""
    data = frame_data(raw, escaped=escaped)
    parser = _PARSERS.get(data[0])
    if parser is None:
        return UnknownFrame(data[0], data[1:])
    frame: ApiFrame = parser(data)
    return frame
