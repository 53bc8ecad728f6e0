"""The battery a Waspmote v15 measures on ADC0 (through a divider by two, against the internal
2.56 V reference), and the voltage that makes the API read a given level.

Facts from the API's sources (WaspPWR.cpp ``getBatteryVolts``, ``getBatteryLevel``): the
count is turned into volts as ``count * 2.56 * 2 / 1023``, rounded to three decimals, then
into ``bits = volts * 1023 / 3.3`` and ``aux = bits / 2``; the level is 0 below 512, 100 above
651, ``aux * 90 / 108 - 442`` above 543 and ``aux * 10 / 32 - 160`` below, cut to an integer.
The ADC (simavr's, as the chip's) gives ``millivolts * 1023 / 2560``, at most 1023.
"""

from __future__ import annotations

from functools import cache
from typing import Final

__all__ = ["BATTERY_CHANNEL", "api_battery_level", "battery_millivolts"]

#: the analog input the battery's divider reaches
BATTERY_CHANNEL: Final = 0
_REFERENCE_MV: Final = 2560


def _count(millivolts: int) -> int:
    return min(1023, millivolts * 1023 // _REFERENCE_MV)


def api_battery_level(millivolts: int) -> int:
    """The level (%) the API reads with ``millivolts`` on the battery input."""
    volts = round(_count(millivolts) * 2.56 * 2.0 / 1023.0 * 1000) / 1000
    aux = int(volts * 1023 / 3.3) / 2.0
    if aux < 512:
        return 0
    if aux > 651:
        return 100
    if aux > 543:
        return int(aux * (90.0 / 108.0) - 442.0)
    return int((10.0 / (543.0 - 511.0)) * aux - 160.0)


@cache
def battery_millivolts(level: int) -> int:
    """The voltage on the battery input (mV) the API reads as ``level`` %: the middle of the
    range that reads so; ``ValueError`` for a level it never reads."""
    reading = [mv for mv in range(_REFERENCE_MV + 1) if api_battery_level(mv) == level]
    if not reading:
        raise ValueError(f"no battery voltage reads as {level} %")
    return reading[len(reading) // 2]
