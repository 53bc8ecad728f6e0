"""The Waspmote v15 the twin stands in for: what its factory left in the MCU's EEPROM
(``twin/data/waspmote.yaml``)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Final

import yaml

__all__ = ["factory_eeprom"]

#: the ATmega1281's EEPROM
EEPROM_BYTES: Final = 4096


@cache
def _facts() -> dict[str, dict[int, int]]:
    text = resources.files("openpcs.twin").joinpath("data/waspmote.yaml").read_text("utf-8")
    loaded: dict[str, dict[int, int]] = yaml.safe_load(text)
    return loaded


def factory_eeprom() -> bytes:
    """The MCU's EEPROM as a v15 Waspmote leaves the factory: erased (0xFF) but for what its
    bootloader wrote."""
    image = bytearray(b"\xff" * EEPROM_BYTES)
    for address, value in _facts()["mcu_eeprom"].items():
        image[address] = value
    return bytes(image)
