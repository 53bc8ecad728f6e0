"""The Ambient Control's light-dependent resistor: a voltage on ANALOG6 (ADC6), which the API
reads as luminosity (``LUM``, in volts).

Facts from the API's sources (WaspSensorAmbient.cpp ``readLDR``): ``analogRead(ANALOG6)``
against the 3.3 V reference, turned into ``3.3 * count / 1023`` in the MCU's float; the ADC
(simavr's, as the chip's) gives ``millivolts * 1023 / 3300``, at most 1023.
"""

from __future__ import annotations

from typing import Final

from openpcs.twin.devices.mcu_float import single

__all__ = ["LDR_CHANNEL", "ldr_reading"]

#: the analog input the LDR's divider reaches
LDR_CHANNEL: Final = 6
_REFERENCE_MV: Final = 3300
_FULL_SCALE: Final = 1023


def _api_volts(count: int) -> float:
    return single(single(single(3.3) * count) / _FULL_SCALE)


def ldr_reading(volts: float) -> tuple[int, float]:
    """The voltage (mV) to put on the LDR's input for the API to read ``volts``, and what it
    reads then: the count nearest, its range's middle."""
    count = min(_FULL_SCALE, max(0, round(volts * _FULL_SCALE / 3.3)))
    lowest = -(-count * _REFERENCE_MV // _FULL_SCALE)
    highest = -(-(count + 1) * _REFERENCE_MV // _FULL_SCALE) - 1
    if count == _FULL_SCALE:
        highest = _REFERENCE_MV
    return (lowest + highest) // 2, _api_volts(count)
