"""Numbers as the MCU holds them: its ``float`` (and ``double``, the same on the AVR) is IEEE
single precision, rounded after every operation."""

from __future__ import annotations

import struct

__all__ = ["single"]


def single(value: float) -> float:
    """``value`` rounded to the MCU's ``float``."""
    rounded: float = struct.unpack("<f", struct.pack("<f", value))[0]
    return rounded
