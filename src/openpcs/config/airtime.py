"""LoRa time on air (the Semtech formula) and the daily budgets it is judged against.

``time_on_air`` follows the SX1276 form: 8-symbol preamble plus 4.25, explicit header, CRC on
for uplinks, low-data-rate optimisation for symbols of 16 ms or more (125 kHz at SF11/SF12,
250 kHz at SF12). LoRaWAN wraps an application payload of N bytes in 13 more (PHY = N + 13).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["LoRaAirTime", "lorawan_time_on_air", "time_on_air"]

_LDRO_SYMBOL_S = 0.016


def time_on_air(
    phy_bytes: int,
    spreading_factor: int,
    bandwidth_hz: float,
    *,
    coding_rate: int = 1,
    preamble_symbols: int = 8,
    crc: bool = True,
    explicit_header: bool = True,
    low_data_rate: bool | None = None,
) -> float:
    """Seconds on air of a LoRa packet of ``phy_bytes`` (coding rate 1..4 is 4/5..4/8)."""
    if not 6 <= spreading_factor <= 12:
        raise ValueError("spreading factor must be 6..12")
    if not 1 <= coding_rate <= 4:
        raise ValueError("coding rate must be 1..4 (4/5..4/8)")
    symbol = float(2**spreading_factor) / bandwidth_hz
    if low_data_rate is None:
        low_data_rate = symbol >= _LDRO_SYMBOL_S - 1e-12
    preamble = (preamble_symbols + 4.25) * symbol
    numerator = (
        8 * phy_bytes - 4 * spreading_factor + 28 + 16 * int(crc) - 20 * int(not explicit_header)
    )
    denominator = 4 * (spreading_factor - 2 * int(low_data_rate))
    payload_symbols = 8 + max(math.ceil(numerator / denominator) * (coding_rate + 4), 0)
    return float(preamble + payload_symbols * symbol)


@dataclass(frozen=True, slots=True)
class LoRaAirTime:
    """Air time of one LoRaWAN uplink at one data rate."""

    data_rate: int
    spreading_factor: int
    bandwidth_khz: int
    payload_bytes: int
    seconds: float


def lorawan_time_on_air(
    payload_bytes: int, spreading_factor: int, bandwidth_khz: int, *, overhead: int = 13
) -> float:
    """Seconds on air of a LoRaWAN uplink carrying ``payload_bytes`` of application data."""
    return time_on_air(payload_bytes + overhead, spreading_factor, bandwidth_khz * 1000.0)
