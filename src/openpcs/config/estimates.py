"""Estimates of "Check configuration": cycle time, LoRaWAN air time, Sigfox messages, battery
life and program memory. Figures come from the catalog (``energy.yaml``, ``memory.yaml``,
``lorawan.yaml``); all are estimates, stated as such in the output.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpcs.catalog.devices import energy, lorawan, memory
from openpcs.catalog.hardware import node_models, probes
from openpcs.config.airtime import lorawan_time_on_air
from openpcs.config.energy import BatteryEstimate, Load, estimate_battery
from openpcs.config.lorawan_operation import LoRaWANOperation, lorawan_operation
from openpcs.config.model import (
    CanBusConfig,
    Cellular4G,
    CloudBridge,
    LoRaWAN,
    ModbusConfig,
    NodeConfig,
    Sigfox,
    Wifi,
)
from openpcs.config.plan import FramePlan, tiny_length
from openpcs.frames.split import first_fit

__all__ = [
    "SIGFOX_DAILY_LIMIT",
    "Estimates",
    "LoRaRate",
    "MemoryEstimate",
    "estimate",
    "memory_parts",
]

SIGFOX_DAILY_LIMIT = 140
_SECONDS_PER_DAY = 86_400


@dataclass(frozen=True, slots=True)
class LoRaRate:
    """One LoRaWAN data rate: what a cycle costs in tiny frames and air time."""

    data_rate: int
    spreading_factor: int
    bandwidth_khz: int
    max_payload: int
    tiny_frames: int
    dropped: int
    airtime_s: float
    #: seconds between two uplinks of a cycle (the region's duty cycle; 0 without one)
    spacing_s: float = 0.0

    def to_dict(self, cycles_per_day: float) -> dict[str, object]:
        """JSON view with the daily air time."""
        return {
            "data_rate": self.data_rate,
            "sf": self.spreading_factor,
            "bandwidth_khz": self.bandwidth_khz,
            "max_payload_bytes": self.max_payload,
            "tiny_frames": self.tiny_frames,
            "fields_left_out": self.dropped,
            "airtime_per_cycle_ms": round(self.airtime_s * 1000, 1),
            "airtime_per_day_s": round(self.airtime_s * cycles_per_day, 1),
            "uplink_spacing_s": round(self.spacing_s, 1),
        }


@dataclass(frozen=True, slots=True)
class MemoryEstimate:
    """Estimated flash, RAM and worst stack of the program, with the parts that make it up
    and the part whose code needs the deepest stack."""

    flash: int
    ram: int
    flash_limit: int
    ram_limit: int
    parts: tuple[str, ...]
    stack: int = 0
    deepest_part: str = "base"

    @property
    def worst_ram(self) -> int:
        """RAM at the worst moment: static data and the deepest stack."""
        return self.ram + self.stack

    @property
    def flash_fraction(self) -> float:
        """Share of the program flash used."""
        return self.flash / self.flash_limit

    @property
    def ram_fraction(self) -> float:
        """Share of the RAM used."""
        return self.ram / self.ram_limit


@dataclass(frozen=True, slots=True)
class Estimates:
    """Everything estimated for one configuration."""

    awake_s: float
    cycle_s: float
    cycles_per_day: float
    frames_per_cycle: int
    lorawan_rates: tuple[LoRaRate, ...]
    lorawan_rate: LoRaRate | None
    duty_cycle: float | None
    ttn_fair_use_s: float
    sigfox_messages_per_day: float | None
    battery: BatteryEstimate
    memory: MemoryEstimate

    def to_dict(self) -> dict[str, object]:
        """JSON view of the estimates."""
        result: dict[str, object] = {
            "awake_s": round(self.awake_s, 1),
            "cycle_s": round(self.cycle_s, 1),
            "cycles_per_day": round(self.cycles_per_day, 2),
            "frames_per_cycle": self.frames_per_cycle,
            "battery": {
                "average_ma": round(self.battery.average_ma, 4),
                "life_days": round(self.battery.life_days, 1),
                "usable_life_days": round(self.battery.usable_life_days, 1),
                "shares": {k: round(v, 3) for k, v in self.battery.shares.items()},
            },
            "memory": {
                "flash_bytes": self.memory.flash,
                "flash_limit": self.memory.flash_limit,
                "ram_bytes": self.memory.ram,
                "stack_bytes": self.memory.stack,
                "worst_ram_bytes": self.memory.worst_ram,
                "ram_limit": self.memory.ram_limit,
                "parts": list(self.memory.parts),
            },
        }
        if self.lorawan_rates:
            result["lorawan"] = {
                "data_rates": [r.to_dict(self.cycles_per_day) for r in self.lorawan_rates],
                "chosen": self.lorawan_rate.data_rate if self.lorawan_rate else None,
                "duty_cycle": self.duty_cycle,
                "ttn_fair_use_s_per_day": self.ttn_fair_use_s,
            }
        if self.sigfox_messages_per_day is not None:
            result["sigfox"] = {
                "messages_per_day": round(self.sigfox_messages_per_day, 1),
                "limit": SIGFOX_DAILY_LIMIT,
            }
        return result


def _lorawan_rates(
    plan: FramePlan, radio: LoRaWAN, spacing: dict[int, int]
) -> tuple[LoRaRate, ...]:
    """Each data rate's frames and air time; ``spacing`` is the wait between two uplinks by
    rate, in milliseconds (:attr:`LoRaWANOperation.spacing_ms`)."""
    spec = lorawan()
    region = spec.regions[radio.region]
    sizes = [f.size for f in plan.fields]
    rates = []
    for rate, payload in sorted(region.max_payload.items()):
        spreading, bandwidth = region.modulation[rate]
        bins, dropped = first_fit(sizes, tiny_length(payload) - 2)
        frame_bytes = [2 + sum(sizes[i] for i in chosen) for chosen in bins]
        airtime = sum(
            lorawan_time_on_air(n, spreading, bandwidth, overhead=spec.phy_overhead)
            for n in frame_bytes
        )
        rates.append(
            LoRaRate(
                rate,
                spreading,
                bandwidth,
                payload,
                len(bins),
                len(dropped),
                airtime,
                spacing.get(rate, 0) / 1000 if len(bins) > 1 else 0.0,
            )
        )
    return tuple(rates)


def _awake_seconds(config: NodeConfig) -> float:
    spec = energy()
    model = node_models().get(config.model)
    known = probes()
    seconds = spec.awake_base_s
    chosen = [c.probe for c in config.sockets.values()] + list(model.builtin if model else ())
    seconds += sum(known[p].read_s for p in chosen if p in known)
    if config.radiation is not None:
        seconds += config.radiation.measuring_period_ms / 1000.0
    return seconds


def _lorawan_extras(
    operation: LoRaWANOperation, rate: LoRaRate | None, frames: int
) -> tuple[float, float, float]:
    """(join air time, join answer wait, duty-cycle waits) of one cycle, in seconds."""
    waits = rate.spacing_s * (frames - 1) if rate is not None and frames > 1 else 0.0
    if operation.join != "every_cycle":
        return 0.0, 0.0, waits
    return operation.join_airtime_s, lorawan().join_answer_wait_s, waits


def _radio_loads(
    config: NodeConfig, frames: int, airtime_s: float, lorawan_extra: tuple[float, float, float]
) -> list[Load]:
    radio = energy().radios.get(config.radio.type)
    if radio is None:
        return []
    if isinstance(config.radio, LoRaWAN):
        join_airtime, join_wait, waits = lorawan_extra
        loads = [
            Load("radio transmit", radio.tx_ma, airtime_s + join_airtime),
            Load("radio receive windows", radio.on_ma, radio.on_s_per_frame * frames + join_wait),
        ]
        if waits:
            loads.append(Load("radio waiting (duty cycle)", radio.on_ma, waits))
        return loads
    transmit = (radio.tx_s_per_frame or 0.0) * frames
    return [
        Load("radio on", radio.on_ma, radio.on_s),
        Load("radio transmit", radio.tx_ma, transmit),
    ]


_GROUPED_FAMILIES = ("xtreme", "gmx")


def memory_parts(config: NodeConfig, plan: FramePlan | None = None) -> list[str]:
    """The parts ``memory.yaml`` prices a program by: board, radio, destination, each probe
    (repeated when several) and each kind of probe once, options. Xtreme probes are priced each
    by its own id, and their kinds by maker (``kind.aqualabo``, ``kind.decagon`` …)."""
    model = node_models().get(config.model)
    known = probes()
    parts = ["base", f"board.{model.board_library if model else config.model}"]
    parts.append(f"radio.{config.radio.type}")
    over_ip = isinstance(config.radio, Cellular4G | Wifi)
    if over_ip and config.destination is not None:
        parts.append(f"destination.{config.radio.type}.{config.destination.type}")
    chosen = [*(model.builtin if model else ()), *(s.probe for s in config.sockets.values())]
    kinds: list[str] = []
    for probe_id in chosen:
        probe = known.get(probe_id)
        if probe is not None:
            grouped = probe.family in _GROUPED_FAMILIES
            parts.append(f"probe.{probe_id}" if grouped else f"probe.{probe.family}")
            # the libraries a kind of probe brings are linked once, however many there are
            kind = f"kind.{probe_id.split('_')[0] if grouped else probe.family}"
            if kind not in kinds:
                kinds.append(kind)
    parts += kinds
    if config.gps is not None and config.gps.enabled:
        parts.append("gps")
    if isinstance(config.industrial, ModbusConfig):
        parts.append(f"industrial.{config.industrial.protocol}")
    elif isinstance(config.industrial, CanBusConfig):
        parts.append("industrial.canbus")
    if config.encryption.mode != "disabled":
        parts.append("payload_encryption")
    if over_ip and isinstance(config.destination, CloudBridge):
        parts.append("cloud_bridge_key")
    if config.battery_warning is not None and config.battery_warning.enabled:
        parts.append("battery_warning")
    if plan is not None and plan.fragments:
        parts.append("fragments")
    return parts


def _memory(config: NodeConfig, plan: FramePlan) -> MemoryEstimate:
    spec = memory()
    parts = memory_parts(config, plan)
    flash = ram = 0
    stack, deepest = spec.base.stack, "base"
    for part in parts:
        cost = spec.base if part == "base" else spec.components.get(part)
        if cost is not None:
            flash += cost.flash
            ram += cost.ram
            if cost.stack > stack:
                stack, deepest = cost.stack, part
        # buffers sized for the frame sent, where the fit saw 255-byte frames
        ram -= spec.frame_sized.get(part, 0) * 2 * max(0, 255 - plan.sent_size)
    distinct = tuple(dict.fromkeys(parts))
    return MemoryEstimate(flash, ram, spec.limits.flash, spec.limits.ram, distinct, stack, deepest)


def estimate(config: NodeConfig, plan: FramePlan) -> Estimates:
    """Estimate cycle, air time, messages, battery and memory for a planned configuration."""
    figures = energy()
    sleep_s = float(max(config.sleep.total_seconds(), 1))
    rates: tuple[LoRaRate, ...] = ()
    chosen_rate: LoRaRate | None = None
    duty: float | None = None
    airtime = 0.0
    lorawan_extra = (0.0, 0.0, 0.0)
    if plan.tiny is not None:
        frames = len(plan.tiny.parts)
    elif plan.fragments:
        frames = len(plan.fragments)
    else:
        frames = 1
    if isinstance(config.radio, LoRaWAN):
        region = lorawan().regions[config.radio.region]
        duty = region.duty_cycle
        operation = lorawan_operation(config.radio, plan.tiny.max_length if plan.tiny else None)
        rates = _lorawan_rates(plan, config.radio, operation.spacing_ms)
        wanted = (
            config.radio.data_rate
            if config.radio.data_rate is not None
            else region.default_data_rate
        )
        chosen_rate = next((r for r in rates if r.data_rate == wanted), None)
        if chosen_rate is not None:
            airtime = chosen_rate.airtime_s
            frames = chosen_rate.tiny_frames
        lorawan_extra = _lorawan_extras(operation, chosen_rate, frames)
    extra = _radio_loads(config, frames, airtime, lorawan_extra)
    if config.gps is not None and config.gps.enabled:
        extra.append(Load("GPS", figures.gps_on_ma, float(config.gps.timeout_s)))
    # the node stays on while it reads, waits for the GPS and talks to the radio
    awake = _awake_seconds(config) + sum(load.seconds for load in extra)
    cycle = awake + sleep_s
    per_day = _SECONDS_PER_DAY / cycle
    sigfox = frames * per_day if isinstance(config.radio, Sigfox) else None
    loads = [Load("node awake", figures.node_on_ma, awake), *extra]
    battery = estimate_battery(
        loads,
        sleep_s=sleep_s,
        sleep_ua=figures.deep_sleep_ua,
        capacity_mah=figures.battery_mah,
        usable_fraction=figures.usable_fraction,
    )
    return Estimates(
        awake_s=awake,
        cycle_s=cycle,
        cycles_per_day=per_day,
        frames_per_cycle=frames,
        lorawan_rates=rates,
        lorawan_rate=chosen_rate,
        duty_cycle=duty,
        ttn_fair_use_s=lorawan().ttn_fair_use_s_per_day,
        sigfox_messages_per_day=sigfox,
        battery=battery,
        memory=_memory(config, plan),
    )
