"""Who sent a frame, as far as its bytes tell before it is decoded.

A Waspmote frame names its serial in its header (binary and encrypted frames in bytes 5-12,
ASCII frames as 16 hex digits from byte 6); a tiny frame names nobody, and the network's
identity for it is resolved through the device aliases. The archive records this claimed
serial with the raw frame, and per-device ingest tokens are checked against it.
"""

from __future__ import annotations

from openpcs.frames.layout import ASCII_FLAG, DELIMITER
from openpcs.gateway.directory import Directory
from openpcs.gateway.records import Arrival, Format

__all__ = ["claimed_serial", "unauthorized_senders"]

_HEX = frozenset(b"0123456789ABCDEFabcdef")


def claimed_serial(arrival: Arrival, directory: Directory) -> str | None:
    """The serial a Waspmote arrival comes from, or ``None`` when its bytes do not say."""
    if arrival.format is not Format.WASPMOTE or arrival.problem is not None:
        return None
    data = arrival.data
    if data[:3] == DELIMITER and len(data) >= 13:
        if data[3] >= ASCII_FLAG:
            text = data[6:22]
            return text.decode("ascii").upper() if len(text) == 16 and set(text) <= _HEX else None
        return data[5:13].hex().upper()
    if arrival.device is not None:
        return directory.resolve(arrival.device)
    return None


def unauthorized_senders(
    arrivals: list[Arrival], directory: Directory, token: str | None
) -> list[str]:
    """Serials among the arrivals whose device asks for an ingest token ``token`` is not."""
    if not any(s.ingest_token_hash for s in directory.devices.values()):
        return []
    refused = []
    for arrival in arrivals:
        serial = claimed_serial(arrival, directory)
        if serial is not None and not directory.ingest_allowed(serial, token):
            refused.append(serial)
    return sorted(set(refused))
