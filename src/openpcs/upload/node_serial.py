"""Asking the node which one it is before its program is replaced: opening its USB port
resets it (its USB chip's DTR line), and an openpcs program prints ``node <serial>`` as it
starts. A node whose program prints no such line cannot be asked."""

from __future__ import annotations

import re
import time
from typing import Final

import serial

__all__ = ["node_serial"]

_SAID: Final = re.compile(rb"node ([0-9A-F]{16})\r?\n")
#: what the port keeps while listening (a program may print much at start)
_KEPT: Final = 4096


def node_serial(port: str, baud: int, listen_s: float) -> str | None:
    """The serial the node on ``port`` tells within ``listen_s`` seconds, ``None`` when it
    tells none; :class:`serial.SerialException` when the port cannot be opened."""
    heard = b""
    with serial.Serial(port, baud, timeout=0.1) as line:
        until = time.monotonic() + listen_s
        while time.monotonic() < until:
            heard = (heard + line.read(256))[-_KEPT:]
            found = _SAID.search(heard)
            if found is not None:
                return found.group(1).decode("ascii")
    return None
