"""The BME280's compensation (Bosch's integer formulas, as the Waspmote API's BME280 library
computes them: temperature in 1/100 °C, pressure in Q24.8 Pa, humidity in Q22.10 %RH) and its
inverse: the raw reading that compensates to a wanted value.

C arithmetic is followed where Python's differs: ``long`` is 32 bits on the AVR, the pressure
formula's 64-bit division truncates toward zero, and right shifts of negative numbers are
arithmetic (as avr-gcc's).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

__all__ = [
    "RAW_16",
    "RAW_20",
    "Calibration",
    "humidity_q10",
    "pressure_q8",
    "raw_for",
    "t_fine_of",
    "temperature",
]

Calibration = Mapping[str, int]

#: the largest raw temperature or pressure reading (20 bits) and humidity reading (16 bits)
RAW_20: Final = (1 << 20) - 1
RAW_16: Final = (1 << 16) - 1


def _long(value: int) -> int:
    """``value`` as a 32-bit C ``long`` holds it."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def _quotient(a: int, b: int) -> int:
    """C's integer division (toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def t_fine_of(raw: int, cal: Calibration) -> int:
    """The fine temperature the other two formulas use."""
    var1 = _long(((raw >> 3) - (cal["T1"] << 1)) * cal["T2"]) >> 11
    half = (raw >> 4) - cal["T1"]
    var2 = (_long(_long(half * half) >> 12) * cal["T3"]) >> 14
    return _long(var1 + var2)


def temperature(raw: int, cal: Calibration) -> int:
    """Temperature in 1/100 °C."""
    return (t_fine_of(raw, cal) * 5 + 128) >> 8


def pressure_q8(raw: int, t_fine: int, cal: Calibration) -> int:
    """Pressure in Pa times 256 (0 where the formula would divide by zero)."""
    var1 = t_fine - 128000
    var2 = var1 * var1 * cal["P6"]
    var2 += (var1 * cal["P5"]) << 17
    var2 += cal["P4"] << 35
    var1 = ((var1 * var1 * cal["P3"]) >> 8) + ((var1 * cal["P2"]) << 12)
    var1 = (((1 << 47) + var1) * cal["P1"]) >> 33
    if var1 == 0:
        return 0
    p = 1048576 - raw
    p = _quotient(((p << 31) - var2) * 3125, var1)
    var1 = (cal["P9"] * (p >> 13) * (p >> 13)) >> 25
    var2 = (cal["P8"] * p) >> 19
    return ((p + var1 + var2) >> 8) + (cal["P7"] << 4)


def humidity_q10(raw: int, t_fine: int, cal: Calibration) -> int:
    """Relative humidity in %RH times 1024."""
    x = _long(t_fine - 76800)
    first = _long((_long((raw << 14) - (cal["H4"] << 20) - _long(cal["H5"] * x)) + 16384) >> 15)
    scale = _long(_long(x * cal["H6"]) >> 10) * (_long(_long(x * cal["H3"]) >> 11) + 32768)
    second = (_long((_long(scale) >> 10) + 2097152) * cal["H2"] + 8192) >> 14
    x = _long(first * _long(second))
    x = _long(x - (_long(_long(_long((x >> 15) * (x >> 15)) >> 7) * cal["H1"]) >> 4))
    return min(max(x, 0), 419430400) >> 12


def raw_for(want: float, compensate: Callable[[int], int], largest: int) -> int:
    """The raw reading in 0..``largest`` whose compensated value is closest to ``want`` (the
    formulas are monotonic: rising for temperature and humidity, falling for pressure)."""
    rising = compensate(largest) >= compensate(0)
    low, high = 0, largest
    while low < high:
        middle = (low + high) // 2
        value = compensate(middle)
        if (value < want) if rising else (value > want):
            low = middle + 1
        else:
            high = middle
    candidates = [r for r in (low - 1, low) if 0 <= r <= largest]
    return min(candidates, key=lambda r: abs(compensate(r) - want))
