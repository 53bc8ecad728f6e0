"""Who sent a frame, as far as its bytes tell before it is decoded.

A Waspmote frame names its serial in its header (binary and encrypted frames in bytes 5-12,
ASCII frames as 16 hex digits from byte 6); a tiny frame names nobody, and the network's
identity for it is resolved through the device aliases. The archive records this claimed
serial with the raw frame, and per-device ingest tokens are checked against it.
"""

from __future__ import annotations

from collections.abc import Iterable

from openpcs.frames.ascii import ascii_header_serial
from openpcs.frames.layout import ASCII_FLAG, DELIMITER
from openpcs.frames.v12 import v12_header_serial
from openpcs.gateway.directory import Directory
from openpcs.gateway.records import Arrival, Format
from openpcs.ncd.api import ReceivePacket, TransmitRequest, parse_api_frame
from openpcs.ncd.errors import ApiFrameError

__all__ = [
    "claimed_serial",
    "mark_tokenless",
    "own_token_refusal",
    "sender_refusal",
    "unauthorized_senders",
]


def claimed_serial(arrival: Arrival, directory: Directory) -> str | None:
    """The serial an arrival comes from, or ``None`` when its bytes do not say before decoding.

    A Waspmote frame says it in its header, also inside an NCD API frame; an NCD mesh packet
    is encrypted and says nothing.
    """
    if arrival.problem is not None:
        return None
    if arrival.format is Format.NCD_API:
        inner = _api_payload(arrival.data)
        return None if inner is None else _header_serial(inner)
    if arrival.format is not Format.WASPMOTE:
        return None
    serial = _header_serial(arrival.data)
    if serial is None and arrival.device is not None:
        return directory.resolve(arrival.device)
    return serial


def own_token_refusal(serial: str) -> str:
    """Why a frame of ``serial`` was refused: its device has its own ingest token."""
    return f"device {serial} sends frames with its own ingest token only"


def mark_tokenless(
    arrivals: Iterable[Arrival], directory: Directory, token: str | None = None
) -> None:
    """Check the arrivals no adapter checked against per-device ingest tokens, as sent with
    ``token`` (``None``: the path carries none, as MQTT, mesh and serial do).

    The frames the token may not send (:func:`sender_refusal`) become errors that say why:
    they are archived, never decoded. Every arrival is marked ``sender_checked``, and those
    checked get their claimed serial recorded.
    """
    holders = directory.has_device_tokens
    only = directory.device_of_token(token) if holders and token else None
    for arrival in arrivals:
        if arrival.sender_checked:
            continue
        arrival.sender_checked = True
        if not holders:
            continue
        arrival.serial = serial = claimed_serial(arrival, directory)
        if reason := sender_refusal(serial, directory, token, only):
            arrival.problem = reason


def sender_refusal(
    serial: str | None, directory: Directory, token: str | None, only: str | None
) -> str | None:
    """Why a frame claiming ``serial`` may not come in with ``token`` (``None``: it may).

    A device with its own ingest token sends with that token only; a device's own token
    (``only`` is its serial) sends that device's frames only.
    """
    if only is not None and serial != only:
        return f"the token is device {only}'s own: it sends that device's frames only"
    if serial is not None and not directory.ingest_allowed(serial, token):
        with_what = "another token" if token else "none"
        return f"{own_token_refusal(serial)}; it came with {with_what}"
    return None


def _api_payload(data: bytes) -> bytes | None:
    try:
        frame = parse_api_frame(data)
    except ApiFrameError:
        return None
    if isinstance(frame, ReceivePacket):
        return frame.data_bytes
    if isinstance(frame, TransmitRequest):
        return frame.payload
    return None


def _header_serial(data: bytes) -> str | None:
    v12 = v12_header_serial(data)
    if v12 is not None:
        return v12
    if data[:3] == DELIMITER and len(data) >= 13:
        if data[3] >= ASCII_FLAG:
            return ascii_header_serial(data)
        return data[5:13].hex().upper()
    return None


def unauthorized_senders(
    arrivals: list[Arrival], directory: Directory, token: str | None
) -> list[str]:
    """Why frames among the arrivals may not come in with ``token`` (see
    :func:`sender_refusal`); empty when all may. Each arrival checked gets its claimed serial
    recorded."""
    if not directory.has_device_tokens:
        return []
    only = directory.device_of_token(token) if token else None
    reasons = []
    for arrival in arrivals:
        arrival.serial = serial = claimed_serial(arrival, directory)
        if reason := sender_refusal(serial, directory, token, only):
            reasons.append(reason)
    return sorted(set(reasons))
