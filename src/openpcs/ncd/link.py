"""A module's link settings, and reading the keys, addresses and network IDs people type.

Shared by every part of the NCD layer that seals, opens or addresses packets; it imports
nothing of the mesh, so the mesh and its profiles can all import it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from openpcs.ncd.api import BROADCAST

__all__ = [
    "DEFAULT_KEY",
    "DEFAULT_NETWORK_ID",
    "Address",
    "Key",
    "LinkSettings",
    "NetworkId",
    "parse_hex_bytes",
    "parse_network_id",
]

#: The network ID travels as 2 bytes, big-endian.
NETWORK_ID_SIZE: Final = 2
#: NCD's factory defaults (reference §1.8): key 55 AA … and network ID 0x7FFF.
DEFAULT_KEY: Final = bytes.fromhex("55AA" * 8)
DEFAULT_NETWORK_ID: Final = 0x7FFF

_HEX_DIGITS: Final = re.compile(r"[0-9A-Fa-f]*")
_NETWORK_ID_TEXT: Final = re.compile(r"(?:0[xX])?([0-9A-Fa-f]{1,4})")


def parse_hex_bytes(value: Any, size: int) -> bytes:
    """``size`` bytes from bytes or hex text (spaces and colons between digits allowed).

    Raises ``ValueError`` with a sentence for anything else: a non-hex character, an odd
    number of digits, or the wrong number of bytes.
    """
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    elif isinstance(value, str):
        digits = value.replace(" ", "").replace(":", "")
        if not _HEX_DIGITS.fullmatch(digits):
            raise ValueError(f"{value!r} is not hexadecimal")
        if len(digits) % 2:
            raise ValueError(f"{value!r} has an odd number of hex digits ({len(digits)})")
        raw = bytes.fromhex(digits)
    else:
        raise ValueError(f"expected {size} bytes as hex text")
    if len(raw) != size:
        raise ValueError(f"must be {size} bytes ({2 * size} hex digits), got {len(raw)}")
    return raw


def parse_network_id(value: Any) -> int:
    """A network ID from an int 0..0xFFFF or 1 to 4 hex digits (``7FFF``, ``0x7FFF``)."""
    if isinstance(value, str):
        match = _NETWORK_ID_TEXT.fullmatch(value)
        if match is None:
            raise ValueError(f"{value!r} is not a network ID (1 to 4 hex digits, like 7FFF)")
        return int(match.group(1), 16)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFF:
        raise ValueError("the network ID is 2 bytes, 0000-FFFF")
    return value


def _bytes_of(size: int) -> Callable[[Any], bytes]:
    return lambda value: parse_hex_bytes(value, size)


Key = Annotated[bytes, BeforeValidator(_bytes_of(16)), PlainSerializer(lambda b: b.hex().upper())]
Address = Annotated[
    bytes, BeforeValidator(_bytes_of(8)), PlainSerializer(lambda b: b.hex().upper())
]
NetworkId = Annotated[int, BeforeValidator(parse_network_id), PlainSerializer(lambda n: f"{n:04X}")]


class LinkSettings(BaseModel):
    """A module's link settings: key, network ID, its own address, destination and mode.

    ``mode`` is ``standard`` (plain API frames, the spec's default) or ``mesh`` (sealed packets);
    ``profile`` chooses the spec's MD5 construction or the opt-in secure one.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Key = DEFAULT_KEY
    network_id: NetworkId = DEFAULT_NETWORK_ID
    address: Address = BROADCAST
    destination: Address = BROADCAST
    mode: Literal["standard", "mesh"] = "standard"
    profile: Literal["spec", "secure"] = "spec"

    @property
    def network_bytes(self) -> bytes:
        """The network ID as it travels: 2 bytes, big-endian."""
        return self.network_id.to_bytes(NETWORK_ID_SIZE, "big")
