"""Battery life by the duty-cycle current average.

``I_avg = (Σ current_i · time_i + I_sleep · t_sleep) / T_cycle`` and ``life = capacity / I_avg``.
The loads of one cycle (node awake, radio on and transmitting, GPS) come from the catalog's
energy figures; all of them are estimates, and real lifetimes are usually shorter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["BatteryEstimate", "Load", "estimate_battery"]

_HOURS_PER_DAY = 24.0
_DAYS_PER_YEAR = 365.25


@dataclass(frozen=True, slots=True)
class Load:
    """Something drawing ``milliamps`` for ``seconds`` in each cycle."""

    what: str
    milliamps: float
    seconds: float


@dataclass(frozen=True, slots=True)
class BatteryEstimate:
    """The result: average current, the share of each load, and the life in days."""

    average_ma: float
    awake_s: float
    cycle_s: float
    life_days: float
    usable_life_days: float
    shares: dict[str, float]

    @property
    def life_years(self) -> float:
        """Ideal life in years (all of the capacity)."""
        return self.life_days / _DAYS_PER_YEAR

    @property
    def usable_life_years(self) -> float:
        """Life in years with only the usable fraction of the capacity."""
        return self.usable_life_days / _DAYS_PER_YEAR


def estimate_battery(
    loads: Sequence[Load],
    *,
    sleep_s: float,
    sleep_ua: float,
    capacity_mah: float,
    usable_fraction: float = 1.0,
) -> BatteryEstimate:
    """Estimate battery life for a cycle of ``loads`` followed by ``sleep_s`` of deep sleep.

    The awake part of the cycle is the longest load (loads overlap: the node is on while its
    radio transmits), so the cycle lasts ``max(load seconds) + sleep_s``.
    """
    if sleep_s < 0 or capacity_mah <= 0:
        raise ValueError("sleep must be >= 0 s and the capacity > 0 mAh")
    awake = max((load.seconds for load in loads), default=0.0)
    cycle = awake + sleep_s
    if cycle <= 0:
        raise ValueError("a cycle must last more than 0 s")
    charges = {load.what: load.milliamps * load.seconds for load in loads}
    charges["deep sleep"] = sleep_ua / 1000.0 * sleep_s
    total = sum(charges.values())
    average = total / cycle
    life_hours = capacity_mah / average if average > 0 else float("inf")
    return BatteryEstimate(
        average_ma=average,
        awake_s=awake,
        cycle_s=cycle,
        life_days=life_hours / _HOURS_PER_DAY,
        usable_life_days=life_hours * usable_fraction / _HOURS_PER_DAY,
        shares={what: charge / total for what, charge in charges.items()} if total else {},
    )
