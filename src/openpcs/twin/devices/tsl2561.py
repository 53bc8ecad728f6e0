"""The TSL2561 luminosity sensor (the "luxes" probes and the Ambient Control's built-in one), at
0x39 (``twin/data/tsl2561.yaml``): its ID, its control and timing registers, and channel counts
that the API's integer lux formula turns into the wanted illuminance.

The program writes a command byte (the register in its low four bits; the API's ID check
leaves out the command bit, which the model accepts), then data to that register and the next,
or reads from it on. Powering the chip up (control 0x03) starts an integration of the time the
timing register sets; the channel registers (0x0C..0x0F, full spectrum then infrared) hold
counts once it has ended, zeros before (reported). The counts are the ones for which
``calculateLux()`` (TSL2561.cpp: the datasheet's integer calculation, scaled for the gain and
integration time) comes nearest the wanted value; :attr:`TSL2561.measured` holds what it
computes from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from openpcs.twin.harness import CLOCK_HZ
from openpcs.twin.waspmote import twin_data

__all__ = ["TSL2561", "TSL2561_ADDRESS", "api_lux"]

_FACTS: Final[dict[str, Any]] = twin_data("tsl2561.yaml")
TSL2561_ADDRESS: Final = int(_FACTS["address"])
_CONTROL, _TIMING, _ID, _CHANNELS = 0x00, 0x01, 0x0A, 0x0C
_POWER_ON: Final = 0x03
_GAIN_16X: Final = 0x10
_COUNT_LIMIT: Final = 0xFFFF
_WORD: Final = 0xFFFFFFFF
_LUX_SCALE: Final = int(_FACTS["lux_scale"])
_RATIO_SCALE: Final = int(_FACTS["ratio_scale"])
_CHANNEL_SCALE: Final = int(_FACTS["channel_scale"])
_SCALE_BY_INTEGRATION: Final = {
    int(k): int(v) for k, v in _FACTS["channel_scale_by_integration"].items()
}
_MAX_COUNTS: Final = {int(k): int(v) for k, v in _FACTS["max_counts"].items()}
_SEGMENTS: Final = [(int(k), int(b), int(m)) for k, b, m in _FACTS["segments"]]


def api_lux(full: int, infrared: int, timing: int) -> int:
    """The lux the API computes from the channel counts with the timing register at
    ``timing`` (integration time in bits 0-1, 16x gain in bit 4), in the MCU's 32-bit
    unsigned arithmetic."""
    scale = _SCALE_BY_INTEGRATION.get(timing & 0x03, 1 << _CHANNEL_SCALE)
    if not timing & _GAIN_16X:
        scale <<= 4
    channel0 = ((full * scale) & _WORD) >> _CHANNEL_SCALE
    channel1 = ((infrared * scale) & _WORD) >> _CHANNEL_SCALE
    ratio1 = ((channel1 << (_RATIO_SCALE + 1)) & _WORD) // channel0 if channel0 else 0
    ratio = (ratio1 + 1) >> 1
    b, m = next((b, m) for limit, b, m in _SEGMENTS if ratio <= limit)
    temp = ((channel0 * b) & _WORD) - ((channel1 * m) & _WORD)
    temp &= _WORD
    temp = (temp + (1 << (_LUX_SCALE - 1))) & _WORD
    return temp >> _LUX_SCALE


def _counts_for(lux: float, timing: int) -> tuple[int, int]:
    """The channel counts (full, infrared) whose computed lux is nearest ``lux``, up to where
    the chip saturates at the integration time."""
    share = float(_FACTS["infrared_share"])
    ceiling = _MAX_COUNTS.get(timing & 0x03, _COUNT_LIMIT)

    def computed(full: int) -> int:
        return api_lux(full, round(full * share), timing)

    low, high = 0, ceiling
    while low < high:
        middle = (low + high) // 2
        if computed(middle) < lux:
            low = middle + 1
        else:
            high = middle
    near = range(max(0, low - 3), min(ceiling, low + 3) + 1)
    full = min(near, key=lambda f: (abs(computed(f) - lux), f))
    return full, round(full * share)


class TSL2561:
    """The sensor, measuring ``values["LUX"]``."""

    def __init__(self, values: Mapping[str, float]) -> None:
        self._wanted = values["LUX"]
        self._registers = {_CONTROL: 0, _TIMING: 0x02, _ID: int(_FACTS["chip_id"])}
        self._pointer = 0
        self._commanded = False
        self._powered_at: int | None = None
        self._counts = (0, 0)
        #: what the API computes from the counts the program last read
        self.measured: dict[str, float] = {}
        self.problems: list[str] = []

    def start(self, read: bool, cycle: int) -> None:
        """A write starts with its command byte."""
        self._commanded = read

    def write(self, byte: int, cycle: int) -> None:
        """The command byte names the register; data bytes go to it and the next."""
        if not self._commanded:
            self._pointer = byte & 0x0F
            self._commanded = True
            return
        if self._pointer == _CONTROL:
            powered = byte & _POWER_ON == _POWER_ON
            if not powered:
                self._powered_at = None
            elif self._powered_at is None:
                self._powered_at = cycle
        if self._pointer in (_CONTROL, _TIMING):
            self._registers[self._pointer] = byte
        self._pointer = (self._pointer + 1) & 0x0F

    def read(self, cycle: int) -> int:
        """The register at the pointer, which moves on."""
        register = self._pointer
        self._pointer = (self._pointer + 1) & 0x0F
        if not _CHANNELS <= register <= _CHANNELS + 3:
            return self._registers.get(register, 0)
        if register == _CHANNELS:
            self._counts = self._integrated(cycle)
        full, infrared = self._counts
        word = full if register < _CHANNELS + 2 else infrared
        return word >> 8 if register & 1 else word & 0xFF

    def _integrated(self, cycle: int) -> tuple[int, int]:
        timing = self._registers[_TIMING]
        integration_ms = float(_FACTS["integration_ms"].get(timing & 0x03, 0))
        started = self._powered_at
        if started is None or cycle - started < integration_ms * CLOCK_HZ / 1000:
            said = "powered down" if started is None else "before its integration ended"
            self.problems.append(f"the channels read {said}: zeros")
            return 0, 0
        full, infrared = _counts_for(self._wanted, timing)
        self.measured = {"LUX": float(api_lux(full, infrared, timing))}
        return full, infrared

    def stop(self, cycle: int) -> None:
        """The transaction ended."""
        self._commanded = False
