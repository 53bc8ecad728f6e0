"""The Waspmote v15 the twin stands in for: its factory EEPROM from the data file."""

from __future__ import annotations

from openpcs.twin.waspmote import EEPROM_BYTES, factory_eeprom


def test_the_factory_eeprom_says_v15_and_is_erased_elsewhere() -> None:
    image = factory_eeprom()
    assert len(image) == EEPROM_BYTES == 4096
    assert image[223] == ord("H")  # the boot version: a v15 from 'G' on
    assert image.count(0xFF) == EEPROM_BYTES - 1
