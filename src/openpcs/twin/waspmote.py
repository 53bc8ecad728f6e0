"""The Waspmote v15 the twin stands in for (``twin/data/waspmote.yaml``): what its factory
left in the MCU's EEPROM, and the MCU lines its devices reach."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

import yaml

__all__ = ["SerialWiring", "factory_eeprom", "rtc_interrupt_lines", "serial_wiring", "twin_data"]

#: the ATmega1281's EEPROM
EEPROM_BYTES: Final = 4096


@cache
def twin_data(name: str) -> dict[str, Any]:
    """One of the twin's data files (``twin/data/<name>``), as read."""
    text = resources.files("openpcs.twin").joinpath(f"data/{name}").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def _facts() -> dict[str, Any]:
    return twin_data("waspmote.yaml")


def factory_eeprom() -> bytes:
    """The MCU's EEPROM as a v15 Waspmote leaves the factory: erased (0xFF) but for what its
    bootloader wrote."""
    image = bytearray(b"\xff" * EEPROM_BYTES)
    for address, value in _facts()["mcu_eeprom"].items():
        image[address] = value
    return bytes(image)


def rtc_interrupt_lines() -> tuple[tuple[str, int], ...]:
    """The (port, pin) lines the RTC's interrupt raises: the wake-up interrupt first."""
    return tuple((str(port), int(pin)) for port, pin in _facts()["rtc_interrupt_lines"])


@dataclass(frozen=True)
class SerialWiring:
    """How a device on a UART reaches the MCU: the ``uart``, the (port, pin, level) lines that
    must all be at their level for that UART to reach it (``route``), and its ``power``
    switch (port, pin; on when high; ``None``: the board powers it all the time)."""

    uart: int
    route: tuple[tuple[str, int, int], ...]
    power: tuple[str, int] | None


def serial_wiring(place: str) -> SerialWiring:
    """The wiring of ``place`` (``socket0``, ``socket1``, ``particle_matter``, ``noise``,
    ``turbidity``);
    :class:`KeyError` for another."""
    facts = _facts()["serial_places"][place]
    switch = facts["power"]
    power = None if switch is None else (str(switch[0]), int(switch[1]))
    route = tuple((str(p), int(n), int(level)) for p, n, level in facts["route"])
    return SerialWiring(int(facts["uart"]), route, power)
