"""API frames: the spec's 0x10 frame and the XBee frames a DigiMesh radio exchanges with a host.

Envelope: ``7E | length (2 bytes, big-endian) | frame data | checksum``, where the frame data
starts with the frame type, the length counts the frame data only, and the checksum is
``0xFF`` minus the low byte of the sum of the frame data. In API mode 2 every 0x7E, 0x7D,
0x11 and 0x13 after the start delimiter is sent as 0x7D followed by the byte XOR 0x20; the
length and checksum are those of the unescaped data.

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

from openpcs.ncd.errors import (
    ApiFrameError,
    BadChecksum,
    BadDelimiter,
    BadLength,
    TruncatedApiFrame,
)

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

START: Final = 0x7E
ESCAPE: Final = 0x7D
_ESCAPED: Final = frozenset({0x7E, 0x7D, 0x11, 0x13})
_XOR: Final = 0x20
#: The 64-bit broadcast address.
BROADCAST: Final = bytes.fromhex("000000000000FFFF")
_ADDRESS: Final = 8


def checksum(data: bytes | bytearray | memoryview) -> int:
    """0xFF minus the low byte of the sum of the frame data."""
    return 0xFF - (sum(data) & 0xFF)


def escape(raw: bytes) -> bytes:
    """API mode 2: escape every special byte after the start delimiter."""
    out = bytearray(raw[:1])
    for byte in raw[1:]:
        if byte in _ESCAPED:
            out += bytes((ESCAPE, byte ^ _XOR))
        else:
            out.append(byte)
    return bytes(out)


def unescape(raw: bytes) -> bytes:
    """Undo API-mode-2 escaping of a whole frame (delimiter first).

    Raises :class:`TruncatedApiFrame` on a trailing escape byte and :class:`BadDelimiter` on an
    unescaped 0x7E after the first byte: in API mode 2 a 0x7E always starts a new frame.
    """
    out = bytearray()
    index = 0
    while index < len(raw):
        byte = raw[index]
        if byte == ESCAPE:
            if index + 1 >= len(raw):
                raise TruncatedApiFrame("escape byte 0x7D at the end of the frame", index)
            byte = raw[index + 1]
            if byte == START:
                raise BadDelimiter("0x7E after an escape byte: a new frame starts here", index + 1)
            out.append(byte ^ _XOR)
            index += 2
        else:
            if byte == START and index > 0:
                raise BadDelimiter("unescaped 0x7E inside an API-mode-2 frame", index)
            out.append(byte)
            index += 1
    return bytes(out)


def wrap(data: bytes, *, escaped: bool = False) -> bytes:
    """Put frame data in the envelope: delimiter, length, data, checksum."""
    raw = bytes((START,)) + len(data).to_bytes(2, "big") + data + bytes((checksum(data),))
    return escape(raw) if escaped else raw


def frame_data(raw: bytes | bytearray | memoryview, *, escaped: bool = False) -> bytes:
    """Check the envelope of one complete frame and return its frame data."""
    frame = bytes(raw)
    if escaped:
        frame = unescape(frame)
    if len(frame) < 4:
        raise TruncatedApiFrame(f"an API frame is at least 4 bytes, got {len(frame)}", len(frame))
    if frame[0] != START:
        raise BadDelimiter(f"frame starts with 0x{frame[0]:02X}, not 0x7E", 0)
    length = int.from_bytes(frame[1:3], "big")
    if length == 0:
        raise BadLength("length is 0: a frame carries at least its type", 1)
    if len(frame) < length + 4:
        raise TruncatedApiFrame(f"length says {length} bytes of data, {len(frame) - 4} follow", 1)
    if len(frame) > length + 4:
        raise BadLength(f"{len(frame) - length - 4} bytes follow the checksum", length + 4)
    data = frame[3 : 3 + length]
    expected = checksum(data)
    if frame[-1] != expected:
        raise BadChecksum(
            f"checksum is 0x{frame[-1]:02X}, the frame data give 0x{expected:02X}", len(frame) - 1
        )
    return data


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
        """Parse frame data of type 0x10."""
        _need(data, cls.HEADER, "0x10")
        return cls(
            frame_id=data[1],
            address=data[2:10],
            rssi=int.from_bytes(data[10:12], "big"),
            radius=data[12],
            snr=data[13],
            payload=data[14:],
        )

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
        """Parse frame data of type 0x90."""
        _need(data, cls.HEADER, "0x90")
        return cls(
            source=data[1:9],
            reserved=int.from_bytes(data[9:11], "big"),
            options=data[11],
            data_bytes=data[12:],
        )

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
