"""The BME280 (temperature, humidity, pressure) of the Waspmote sensor boards, at 0x77
(``twin/data/bme280.yaml``): its chip ID, its trimming parameters, and measurements that
compensate, with them, to the values it is told the air has.

The program writes a register address, then data to it and the next ones, or reads from it
on (addresses rising). Writing ``ctrl_meas`` (0xF4) in forced or normal mode measures: each
quantity whose oversampling is set gets the raw reading that compensates (Bosch's integer
formulas) to the wanted value, one that is skipped reads as the chip's "skipped" value
(0x80000, 0x8000); a forced measurement puts the chip back to sleep. The measurement is done
at once (the API waits for it anyway), so the status register never says "measuring".
:attr:`BME280.measured` holds the values the chip's readings compensate to: the nearest the
chip can come to the wanted ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from openpcs.twin.devices.bme280_compensation import (
    RAW_16,
    RAW_20,
    humidity_q10,
    pressure_q8,
    raw_for,
    t_fine_of,
    temperature,
)
from openpcs.twin.devices.mcu_float import single
from openpcs.twin.waspmote import twin_data

__all__ = ["BME280", "BME280_ADDRESS"]

BME280_ADDRESS: Final = int(twin_data("bme280.yaml")["address"])
_CHIP_ID: Final = 0xD0
_RESET: Final = 0xE0
_CTRL_HUM: Final = 0xF2
_CTRL_MEAS: Final = 0xF4
_PRESSURE: Final = 0xF7
_TEMPERATURE: Final = 0xFA
_HUMIDITY: Final = 0xFD
_SOFT_RESET: Final = 0xB6
_SKIPPED_20: Final = 0x80000
_SKIPPED_16: Final = 0x8000


def _trimming(cal: Mapping[str, int]) -> dict[int, int]:
    """The calibration registers as the chip lays them out."""
    image: dict[int, int] = {}
    for index, name in enumerate(["T1", "T2", "T3", "P1", "P2", "P3", "P4", "P5", "P6", "P7"]):
        image |= _word(0x88 + 2 * index, cal[name])
    image |= _word(0x9C, cal["P8"]) | _word(0x9E, cal["P9"]) | {0xA1: cal["H1"] & 0xFF}
    image |= _word(0xE1, cal["H2"]) | {0xE3: cal["H3"] & 0xFF}
    h4, h5 = cal["H4"] & 0xFFF, cal["H5"] & 0xFFF
    image |= {0xE4: h4 >> 4, 0xE5: (h4 & 0x0F) | (h5 & 0x0F) << 4, 0xE6: h5 >> 4}
    image |= {0xE7: cal["H6"] & 0xFF}
    return image


def _word(address: int, value: int) -> dict[int, int]:
    return {address: value & 0xFF, address + 1: (value >> 8) & 0xFF}


class BME280:
    """A BME280 measuring ``air``: ``TC`` (°C), ``HUM`` (%RH) and ``PRES`` (Pa)."""

    def __init__(self, air: Mapping[str, float]) -> None:
        facts = twin_data("bme280.yaml")
        self.calibration: dict[str, int] = dict(facts["calibration"])
        self.air = dict(air)
        #: what the chip's readings compensate to, by tag (what a program that reads it
        #: right gets; known before it measures, so a frame without it is judged too)
        self.measured: dict[str, float] = {}
        self._power_on = {_CHIP_ID: int(facts["chip_id"]), **_trimming(self.calibration)}
        self.registers = bytearray(256)
        self._reset()
        self._pointer = 0
        self._writes = 0
        self._raw = self._nearest()

    def _reset(self) -> None:
        self.registers[:] = bytes(256)
        for address, value in self._power_on.items():
            self.registers[address] = value
        self.registers[_PRESSURE : _PRESSURE + 3] = bytes((0x80, 0, 0))
        self.registers[_TEMPERATURE : _TEMPERATURE + 3] = bytes((0x80, 0, 0))
        self.registers[_HUMIDITY : _HUMIDITY + 2] = bytes((0x80, 0))

    def start(self, read: bool, cycle: int) -> None:
        """A write begins with the register address; a read goes on from it."""
        self._writes = 0 if not read else self._writes

    def write(self, byte: int, cycle: int) -> None:
        """The first byte is the register address, the next are written from there on."""
        if self._writes == 0:
            self._pointer = byte
        else:
            self._store(self._pointer, byte)
            self._pointer = (self._pointer + 1) & 0xFF
        self._writes += 1

    def read(self, cycle: int) -> int:
        """The register at the pointer; the pointer moves on."""
        value = self.registers[self._pointer]
        self._pointer = (self._pointer + 1) & 0xFF
        return value

    def stop(self, cycle: int) -> None:
        """The next write starts with an address again."""
        self._writes = 0

    def _store(self, address: int, value: int) -> None:
        if address == _RESET:
            if value == _SOFT_RESET:
                self._reset()
            return
        if address in (_CTRL_HUM, _CTRL_MEAS, 0xF5):
            self.registers[address] = value
        if address == _CTRL_MEAS and value & 0x03:
            self._measure()
            if value & 0x03 != 0x03:  # forced: back to sleep once measured
                self.registers[_CTRL_MEAS] = value & ~0x03

    def _nearest(self) -> tuple[int, int, int]:
        """The raw readings nearest the air, and what they compensate to (``measured``)."""
        cal = self.calibration
        raw_t = raw_for(100 * self.air["TC"], lambda r: temperature(r, cal), RAW_20)
        fine = t_fine_of(raw_t, cal)
        raw_p = raw_for(256 * self.air["PRES"], lambda r: pressure_q8(r, fine, cal), RAW_20)
        raw_h = raw_for(1024 * self.air["HUM"], lambda r: humidity_q10(r, fine, cal), RAW_16)
        self.measured = {
            "TC": temperature(raw_t, cal) / 100,
            # the API turns the Q24.8 pressure into a float (24 bits of mantissa) first
            "PRES": single(pressure_q8(raw_p, fine, cal)) / 256,
            "HUM": humidity_q10(raw_h, fine, cal) / 1024,
        }
        return raw_t, raw_p, raw_h

    def _measure(self) -> None:
        meas, hum = self.registers[_CTRL_MEAS], self.registers[_CTRL_HUM]
        raw_t, raw_p, raw_h = self._raw
        raw_t = raw_t if meas >> 5 else _SKIPPED_20
        raw_p = raw_p if (meas >> 2) & 7 else _SKIPPED_20
        raw_h = raw_h if hum & 7 else _SKIPPED_16
        self.registers[_PRESSURE : _PRESSURE + 3] = (raw_p << 4).to_bytes(3, "big")
        self.registers[_TEMPERATURE : _TEMPERATURE + 3] = (raw_t << 4).to_bytes(3, "big")
        self.registers[_HUMIDITY : _HUMIDITY + 2] = raw_h.to_bytes(2, "big")
