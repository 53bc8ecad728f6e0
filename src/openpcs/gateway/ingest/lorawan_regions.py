"""What an uplink's frequency and data-rate index say of its modulation, by the LoRaWAN regional
parameters (``gateway/data/lorawan_regions.yaml``, checked on load): the regions whose uplink
channels hold the frequency, and the spreading factor and bandwidth the index means in them.

A frequency two regions share (AU915 and AS923 between 915 and 928 MHz, say) still gives the
modulation when every such region means the same by the index; otherwise it gives none, and
the region is named only when one region alone holds the frequency.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Modulation", "modulation_of"]


class _Region(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    uplink_mhz: tuple[tuple[float, float], ...] = Field(min_length=1)
    data_rates: dict[int, tuple[int, int]]


@dataclass(frozen=True)
class Modulation:
    """The region (``None`` when several hold the frequency), spreading factor and bandwidth
    (kHz) of an uplink."""

    region: str | None
    spreading_factor: int | None
    bandwidth_khz: float | None


@cache
def _regions() -> dict[str, _Region]:
    text = resources.files("openpcs.gateway").joinpath("data/lorawan_regions.yaml").read_text()
    loaded = yaml.safe_load(text)
    regions = {str(name): _Region.model_validate(spec) for name, spec in loaded.items()}
    for name, region in regions.items():
        for low, high in region.uplink_mhz:
            if not 0 < low <= high:
                raise ValueError(f"lorawan_regions.yaml: {name}: {low}..{high} is no band")
        for rate, (spreading, bandwidth) in region.data_rates.items():
            if not (0 <= rate <= 15 and 5 <= spreading <= 12 and bandwidth in (125, 250, 500)):
                raise ValueError(f"lorawan_regions.yaml: {name}: data rate {rate} is not LoRa")
    return regions


def modulation_of(frequency_hz: int | None, data_rate: int | None) -> Modulation | None:
    """The modulation of an uplink on ``frequency_hz`` at ``data_rate``; ``None`` when no
    region holds the frequency (or none is given)."""
    if frequency_hz is None:
        return None
    mhz = frequency_hz / 1_000_000
    holding = [
        name
        for name, region in _regions().items()
        if any(low <= mhz <= high for low, high in region.uplink_mhz)
    ]
    if not holding:
        return None
    region = holding[0] if len(holding) == 1 else None
    if data_rate is None:
        return Modulation(region, None, None)
    meant = {_regions()[name].data_rates.get(data_rate) for name in holding}
    only = meant.pop() if len(meant) == 1 else None
    if only is None:
        return Modulation(region, None, None)
    spreading, bandwidth = only
    return Modulation(region, spreading, float(bandwidth))
