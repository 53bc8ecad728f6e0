"""How a LoRaWAN node's program runs its radio: join strategy, channel plan and uplink spacing.

Three facts the generated program, "Check configuration" and the estimates share:

- **join**: on a module that can save and resume a session (RN2483/RN2903) an OTAA node joins
  once and resumes each cycle; on one that cannot (the ABZ module of JP/KR) it joins every
  cycle, which costs a join request and its answer each time (``lorawan.yaml`` ``session``);
- **sub-band**: a module that hops over 64 + 8 channels (US915, AU915) is told to use the 8
  channels of one sub-band and its 500 kHz channel, the ones an 8-channel gateway hears;
- **spacing**: where the region has a duty cycle, two uplinks of one cycle are apart by the
  air time of the first times ``1/duty - 1``, so the module's duty-cycle check never refuses
  the next one (tiny frames go back to back otherwise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

from openpcs.catalog.devices import lorawan
from openpcs.config.airtime import lorawan_time_on_air
from openpcs.config.model import LoRaWAN

__all__ = ["CHANNELS_PER_SUB_BAND", "LoRaWANOperation", "lorawan_operation"]

CHANNELS_PER_SUB_BAND: Final = 8
#: the first 500 kHz channel of a 64 + 8 channel plan
_WIDE_CHANNEL_BASE: Final = 64
#: a join request is 23 bytes of PHY payload, sent at the planned data rate
_JOIN_REQUEST_PHY: Final = 23


@dataclass(frozen=True, slots=True)
class LoRaWANOperation:
    """What the program does with its LoRaWAN module, worked out from the configuration."""

    join: Literal["abp", "resume", "every_cycle"]
    sub_band: int | None
    #: milliseconds to wait between two uplinks of a cycle, by data rate (empty: no duty cycle)
    spacing_ms: dict[int, int]
    #: seconds of air time a join request takes at the planned data rate (0 for ABP)
    join_airtime_s: float

    @property
    def channels(self) -> tuple[int, ...]:
        """The channels the sub-band enables (empty when the module is not told)."""
        if self.sub_band is None:
            return ()
        first = (self.sub_band - 1) * CHANNELS_PER_SUB_BAND
        wide = _WIDE_CHANNEL_BASE + self.sub_band - 1
        return (*range(first, first + CHANNELS_PER_SUB_BAND), wide)

    def describe(self) -> dict[str, object]:
        """The summary's view: how the node joins and which channels it uses."""
        joins = {
            "abp": "ABP: no join, the session and its frame counters are kept across resets",
            "resume": "OTAA once; each cycle resumes the saved session (counters kept)",
            "every_cycle": "OTAA every cycle: this module cannot resume a saved session",
        }
        result: dict[str, object] = {"join": joins[self.join]}
        if self.sub_band is not None:
            channels = self.channels
            result["channels"] = (
                f"sub-band {self.sub_band}: 125 kHz channels {channels[0]}-{channels[-2]} and "
                f"500 kHz channel {channels[-1]}"
            )
        return result


def lorawan_operation(radio: LoRaWAN, tiny_length: int | None) -> LoRaWANOperation:
    """The operation of ``radio`` sending tiny frames of at most ``tiny_length`` bytes."""
    spec = lorawan()
    region = spec.regions[radio.region]
    if radio.activation == "abp":
        join: Literal["abp", "resume", "every_cycle"] = "abp"
    else:
        join = "every_cycle" if region.session == "rejoin" else "resume"
    sub_band = None
    if region.sub_bands is not None:
        sub_band = radio.sub_band or region.default_sub_band
    spacing: dict[int, int] = {}
    if region.duty_cycle and tiny_length:
        for rate, payload in sorted(region.max_payload.items()):
            spreading, bandwidth = region.modulation[rate]
            size = min(tiny_length, payload)
            airtime = lorawan_time_on_air(size, spreading, bandwidth, overhead=spec.phy_overhead)
            spacing[rate] = math.ceil(airtime * (1 / region.duty_cycle - 1) * 1000)
    join_airtime = 0.0
    if join == "every_cycle":
        rate = radio.data_rate if radio.data_rate is not None else region.default_data_rate
        spreading, bandwidth = region.modulation[rate]
        join_airtime = lorawan_time_on_air(_JOIN_REQUEST_PHY, spreading, bandwidth, overhead=0)
    return LoRaWANOperation(join, sub_band, spacing, join_airtime)
