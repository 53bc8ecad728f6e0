"""ACKs: the spec's standard ACK frame and its mesh form.

A standard ACK is a 0x10 frame whose payload is the "DACK" message ``7B 0D 41 43 4B 00 00`` and
whose address is the acknowledging module (the spec's example; its printed checksum 0x71 is
wrong, the rule gives 0x3A — spec ERRATA 2). A mesh ACK is the same frame addressed to the
original sender and sealed by the acknowledging module: once the sender's receive pipeline swaps
the destination for the source, it reads exactly as a standard ACK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from openpcs.ncd.api import TransmitRequest, frame_data, wrap
from openpcs.ncd.errors import PayloadError
from openpcs.ncd.mesh import MeshTransmitter

__all__ = ["DACK", "Ack", "ack_frame", "mesh_ack", "parse_ack"]

DACK: Final = bytes.fromhex("7B0D41434B0000")


@dataclass(frozen=True, slots=True)
class Ack:
    """An acknowledgement of the frame ``frame_id``, sent by ``address``."""

    frame_id: int
    address: bytes


def ack_frame(frame_id: int, address: bytes, *, escaped: bool = False) -> bytes:
    """A standard ACK API frame for ``frame_id`` carrying ``address``."""
    frame = TransmitRequest(frame_id=frame_id, address=address, payload=DACK)
    return wrap(frame.data(), escaped=escaped)


def parse_ack(raw: bytes, *, escaped: bool = False) -> Ack:
    """Parse an ACK frame; raise :class:`ApiFrameError` or :class:`PayloadError` otherwise."""
    data = frame_data(raw, escaped=escaped)
    if data[0] != TransmitRequest.FRAME_TYPE:
        raise PayloadError(f"an ACK is a 0x10 frame, not 0x{data[0]:02X}", 3)
    frame = TransmitRequest.from_data(data)
    if frame.payload != DACK:
        raise PayloadError("the payload is not the DACK message 7B 0D 41 43 4B 00 00", 17)
    return Ack(frame.frame_id, frame.address)


def mesh_ack(transmitter: MeshTransmitter, frame_id: int, original_sender: bytes) -> bytes:
    """The over-the-air ACK from ``transmitter``'s module to the module that sent ``frame_id``."""
    return transmitter.seal(ack_frame(frame_id, original_sender))
