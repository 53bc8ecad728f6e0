"""What every radio model is to the node twin: powered by its socket's switch, spoken to on
its UART, answering with bytes at MCU cycles, and delivering what the node sent; and what any
device on a UART is (:class:`SerialDevice`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from openpcs.twin.harness import CLOCK_HZ

_DIGITS: Final = re.compile(r"[0-9]{1,9}")

__all__ = [
    "Delivery",
    "Reply",
    "SerialDevice",
    "SocketModule",
    "Stored",
    "cycles_after",
    "first_receipt",
    "number",
    "take_commands",
]


@dataclass(frozen=True)
class Stored:
    """The gateway's receipt for one delivered frame (``readings``: how many it stored from
    it, ``None`` when its answer does not say)."""

    frame_id: int | None
    status: str
    readings: int | None
    error: str | None


def first_receipt(answer: Any) -> Stored:
    """The receipt of the first frame in a gateway's JSON answer (``{"frames": [{…}]}``);
    :class:`KeyError`, :class:`IndexError`, :class:`TypeError` or :class:`AttributeError` when
    the answer holds none."""
    receipt = answer["frames"][0]
    return Stored(
        receipt.get("id"), receipt["status"], receipt.get("readings"), receipt.get("error")
    )


@dataclass(frozen=True)
class Delivery:
    """What the module put on the air (or the network) for the node: ``payload`` as the
    receiving side gets it, ``to`` the address it went to, at MCU ``cycle``; ``via`` says how
    it reaches a gateway (``xbee``: a packet its XBee receives; ``lorawan``: a network
    server's uplink webhook; ``sigfox``: the Sigfox backend's callback; ``internet``: the
    module itself reached the gateway during the run, and ``stored`` is the gateway's
    receipt)."""

    radio: str
    to: str
    payload: bytes
    cycle: int
    meta: dict[str, str] = field(default_factory=dict)
    via: str = "xbee"
    stored: Stored | None = None


@dataclass(frozen=True)
class Reply:
    """Bytes the module sends the MCU, the first not before ``cycle``."""

    cycle: int
    data: bytes


class SerialDevice(Protocol):
    """A device on one of the MCU's UARTs, behind a power switch."""

    def power(self, on: bool, cycle: int) -> None:
        """Its power switch changed."""

    def received(self, data: bytes, cycle: int) -> list[Reply]:
        """The program sent ``data`` (the last byte by ``cycle``); the device's answers."""


class SocketModule(SerialDevice, Protocol):
    """A radio module in a socket."""

    #: what it is called in reports ("XBee 802.15.4", "LoRaWAN", …)
    name: str
    #: what it put on the air, in order
    deliveries: list[Delivery]
    #: what the program did that the module would refuse or not understand
    problems: list[str]
    #: the network identities ("sigfox:<ID>") the gateway must know the node by
    aliases: list[str]
    #: the socket it sits in: 0 (UART0, shared with the USB console) or 1 (UART1)
    socket: int


def number(text: str) -> int | None:
    """``text`` as a decimal number (ASCII digits only, at most nine), ``None`` when it is
    not one."""
    return int(text) if _DIGITS.fullmatch(text) else None


def take_commands(pending: bytearray, data: bytes) -> list[str]:
    """``data`` added to ``pending``; the whole commands (each up to its CR, without line
    ends, empty ones skipped) taken from it, in order."""
    pending += data
    commands = []
    while (end := pending.find(b"\r")) >= 0:
        command = bytes(pending[:end]).strip(b"\n").decode("ascii", "replace")
        del pending[: end + 1]
        if command:
            commands.append(command)
    return commands


def cycles_after(cycle: int, milliseconds: float) -> int:
    """The MCU cycle ``milliseconds`` after ``cycle``."""
    return cycle + int(milliseconds * CLOCK_HZ / 1000)
