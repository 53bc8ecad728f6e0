"""Finding the node's USB port: the serial ports whose USB chip is one a node may carry
(pyserial's port list), or the one the user names."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from serial.tools import list_ports

from openpcs.upload.program_file import UploadError

__all__ = ["SerialPort", "choose_port", "usb_serial_ports"]


@dataclass(frozen=True)
class SerialPort:
    """A serial port and what the system says of it."""

    device: str
    description: str
    usb_id: str | None

    def __str__(self) -> str:
        said = f" ({self.description})" if self.description not in ("", "n/a") else ""
        usb = f" [USB {self.usb_id}]" if self.usb_id else ""
        return f"{self.device}{said}{usb}"


def usb_serial_ports(chips: Iterable[tuple[int, int]]) -> list[SerialPort]:
    """The ports whose USB vendor and product are among ``chips``, by device name."""
    known = set(chips)
    found = [
        SerialPort(port.device, port.description or "", f"{port.vid:04X}:{port.pid:04X}")
        for port in list_ports.comports()
        if port.vid is not None and port.pid is not None and (port.vid, port.pid) in known
    ]
    return sorted(found, key=lambda port: port.device)


def choose_port(
    given: str | None,
    candidates: list[SerialPort],
    ask: Callable[[list[SerialPort]], SerialPort] | None,
) -> str:
    """The port to use: ``given``, else the one candidate, else the one ``ask`` picks among
    several (``None``: the user cannot be asked); :class:`UploadError` saying what to do."""
    if given is not None:
        try:
            mode = Path(given).stat().st_mode
        except OSError:
            raise UploadError(f"no port {given}: is the node connected by USB?") from None
        if not stat.S_ISCHR(mode):
            raise UploadError(
                f"{given} is not a serial port: name the node's USB port (/dev/ttyUSB0, say)"
            )
        return given
    if not candidates:
        raise UploadError(
            "no node found on USB: connect the node's USB cable, switch it on, or name the "
            "port with --port"
        )
    if len(candidates) == 1:
        return candidates[0].device
    if ask is None:
        listed = ", ".join(str(port) for port in candidates)
        raise UploadError(f"several ports may be the node's: {listed}; name one with --port")
    return ask(candidates).device
