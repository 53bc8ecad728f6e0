"""API frames: the spec's 0x10 frame and the XBee frames a DigiMesh radio exchanges with a host.

The envelope (delimiter, length, checksum, API mode 2's escaping) is
:mod:`openpcs.ncd.envelope`; its functions are re-exported here.

Frame types (offsets from 0x7E):

- 0x10, the spec's frame: frame id, 64-bit address, two bytes that were ``FF FE`` and now carry
  RSSI, broadcast radius, the options byte that now carries SNR, payload.
- 0x90 receive packet: 64-bit source, ``FF FE``, receive options, RF data.
- 0x8B transmit status: frame id, 16-bit address, retry count, delivery status, discovery.
- 0x08 AT command and 0x88 AT command response (:mod:`openpcs.ncd.at_frames`, re-exported).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Final

from openpcs.ncd.at_frames import AT_STATUS, AtCommand, AtCommandResponse
from openpcs.ncd.envelope import checksum, escape, frame_data, unescape, wrap
from openpcs.ncd.errors import BadLength
from openpcs.ncd.frame_checks import check_address, check_byte, hex_upper, need
from openpcs.ncd.trusted import bare, slot_setters

__all__ = [
    "AT_STATUS",
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
        check_byte("frame_id", self.frame_id)
        check_address("address", self.address)
        check_byte("rssi", self.rssi, 2)
        check_byte("radius", self.radius)
        check_byte("snr", self.snr)

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
            need(data, cls.HEADER, "0x10")
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
            "address": hex_upper(self.address),
            "rssi": self.rssi,
            "radius": self.radius,
            "snr": self.snr,
            "payload": hex_upper(self.payload),
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
        check_address("source", self.source)
        check_byte("options", self.options)
        check_byte("reserved", self.reserved, 2)

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
            need(data, cls.HEADER, "0x90")
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
            "source": hex_upper(self.source),
            "options": self.options,
            "acknowledged": bool(self.options & 0x01),
            "broadcast": bool(self.options & 0x02),
            "data": hex_upper(self.data_bytes),
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
            check_byte(name, getattr(self, name))
        check_byte("address16", self.address16, 2)

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
        need(data, cls._SIZE, "0x8B")
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
        return {"type": "unknown", "frame_type": self.frame_type, "data": hex_upper(self.raw)}


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
