"""The checks and the text form every API frame's fields share, building and parsing alike."""

from __future__ import annotations

from typing import Final

from openpcs.ncd.errors import BadLength

__all__ = ["ADDRESS_SIZE", "check_address", "check_byte", "hex_upper", "need"]

#: A 64-bit address.
ADDRESS_SIZE: Final = 8


def need(data: bytes, size: int, what: str) -> None:
    """Raise :class:`BadLength` when a ``what`` frame's data is shorter than ``size``."""
    if len(data) < size:
        raise BadLength(f"a {what} frame needs {size} bytes of frame data, got {len(data)}", 3)


def hex_upper(raw: bytes) -> str:
    """Bytes as uppercase hex, as frames show addresses and payloads."""
    return raw.hex().upper()


def check_byte(name: str, value: int, size: int = 1) -> None:
    """Raise ``ValueError`` unless ``value`` fits ``size`` unsigned bytes."""
    if not 0 <= value < 256**size:
        raise ValueError(f"{name} must fit {size} byte(s), got {value}")


def check_address(name: str, value: bytes, size: int = ADDRESS_SIZE) -> None:
    """Raise ``ValueError`` unless ``value`` is ``size`` bytes long."""
    if len(value) != size:
        raise ValueError(f"{name} is {size} bytes, got {len(value)}")
