"""A deterministic radio medium for the mesh layer: nodes, repeaters and gateways.

Modules sit at positions with a range (or on explicit links); every transmission reaches each
module in range after a latency plus its air time, unless lost with the link's probability.
Nodes send sensor readings to a gateway (or broadcast); every module runs the real receive
pipeline (:class:`MeshReceiver` / :class:`Repeater`) on the real sealed bytes. Randomness (loss,
generated positions, attacks) comes from one seeded generator, so a topology and a seed always
give the same report.

Relaying: repeaters and nodes rebroadcast packets not addressed to them, each tag once; gateways
only receive unless ``relay: true``. An attacker can inject forged packets and replay captured
ones (oldest first), to show what the duplicate ring does and does not stop.
"""

from __future__ import annotations

import heapq
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, model_validator

from openpcs.catalog.ncd import ncd_sensor_types
from openpcs.ncd.api import BROADCAST, TransmitRequest, wrap
from openpcs.ncd.mesh import (
    ADDRESS_SIZE,
    DEFAULT_KEY,
    DEFAULT_NETWORK_ID,
    LinkSettings,
    MeshReceiver,
    MeshTransmitter,
    Outcome,
    Repeater,
    parse_hex_bytes,
    parse_network_id,
)
from openpcs.ncd.payloads import encode_sensor_data

__all__ = ["MAX_EVENTS", "SimReport", "SimulationTooLarge", "Topology", "simulate"]

#: The most radio events (sends, arrivals, attacks) one run may take.
MAX_EVENTS = 2_000_000
_KEY_SIZE = 16


class SimulationTooLarge(ValueError):
    """The topology could need more than :data:`MAX_EVENTS` events; the message says why."""


def _hex_text(size: int) -> AfterValidator:
    def check(value: str) -> str:
        parse_hex_bytes(value, size)
        return value

    return AfterValidator(check)


def _network_id_text(value: str) -> str:
    parse_network_id(value)
    return value


_MODULE_ID: Final = re.compile(r"[\w.-]{1,40}")


def _module_id(value: str) -> str:
    if not _MODULE_ID.fullmatch(value):
        raise ValueError(f"{value!r} is not a module id (1 to 40 letters, digits, _ . or -)")
    return value


def _known_sensor_type(value: int) -> int:
    if value not in ncd_sensor_types():
        raise ValueError(f"no layout for NCD sensor type {value}")
    return value


# Hex stays text in the model, so a YAML ``network_id: 1234`` is read as typed (hex 1234).
KeyText = Annotated[str, _hex_text(_KEY_SIZE)]
AddressText = Annotated[str, _hex_text(ADDRESS_SIZE)]
NetworkIdText = Annotated[str, AfterValidator(_network_id_text)]
Whole = Annotated[int, Strict()]
Real = Annotated[float, Strict()]
Flag = Annotated[bool, Strict()]


Role = Literal["node", "repeater", "gateway"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class RadioModel(_Strict):
    """The medium: default range, loss probability, per-hop latency and bit rate."""

    range_m: Annotated[Real, Field(gt=0)] = 2000.0
    loss: Annotated[Real, Field(ge=0, le=1)] = 0.0
    latency_ms: Annotated[Real, Field(ge=0)] = 5.0
    bitrate_bps: Annotated[Real, Field(gt=0)] = 9600.0


class SimModule(_Strict):
    """One module of the topology."""

    id: Annotated[str, AfterValidator(_module_id)]
    role: Role
    x: Real = 0.0
    y: Real = 0.0
    range_m: Annotated[Real, Field(gt=0)] | None = None
    address: AddressText | None = None
    relay: Flag | None = None
    sends: Annotated[Whole, Field(ge=0)] = 0
    interval_s: Annotated[Real, Field(gt=0)] = 60.0
    start_s: Annotated[Real, Field(ge=0)] = 0.0
    to: str | None = None


class Generate(_Strict):
    """Random modules added to the topology (positions from the seed).

    They are named ``gw1…``, ``rep1…`` and ``node1…``; explicit modules may send to them.
    """

    nodes: Annotated[Whole, Field(ge=0)] = 0
    repeaters: Annotated[Whole, Field(ge=0)] = 0
    gateways: Annotated[Whole, Field(ge=0)] = 0
    area_m: tuple[Annotated[Real, Field(gt=0)], Annotated[Real, Field(gt=0)]] = (
        10_000.0,
        10_000.0,
    )
    sends: Annotated[Whole, Field(ge=0)] = 1
    interval_s: Annotated[Real, Field(gt=0)] = 300.0

    def members(self) -> list[tuple[str, Role]]:
        """The id and role of every generated module, gateways first."""
        return (
            [(f"gw{i + 1}", "gateway") for i in range(self.gateways)]
            + [(f"rep{i + 1}", "repeater") for i in range(self.repeaters)]
            + [(f"node{i + 1}", "node") for i in range(self.nodes)]
        )


class Attacks(_Strict):
    """An attacker in range of everyone: forged packets and replays of captured ones."""

    forged: Annotated[Whole, Field(ge=0)] = 0
    replays: Annotated[Whole, Field(ge=0)] = 0
    replay_delay_s: Annotated[Real, Field(ge=0)] = 3600.0


class Topology(_Strict):
    """A simulation: link settings, the medium, modules, optional explicit links and attacks."""

    seed: Whole = 1
    key: KeyText = DEFAULT_KEY.hex().upper()
    network_id: NetworkIdText = f"{DEFAULT_NETWORK_ID:04X}"
    profile: Literal["spec", "secure"] = "spec"
    radio: RadioModel = RadioModel()
    modules: list[SimModule] = []
    generate: Generate | None = None
    links: list[tuple[str, str]] | None = None
    attacks: Attacks = Attacks()
    sensor_type: Annotated[Whole, AfterValidator(_known_sensor_type)] = 24

    def module_ids(self) -> list[str]:
        """Every module id, explicit ones first, then the generated ones."""
        generated = [name for name, _ in self.generate.members()] if self.generate else []
        return [module.id for module in self.modules] + generated

    def addresses(self) -> dict[str, bytes]:
        """Every module's 64-bit address: the one given, or one numbered by its place."""
        given = {m.id: _parse_address(m.address) for m in self.modules if m.address is not None}
        return {
            name: given.get(name) or _address(index) for index, name in enumerate(self.module_ids())
        }

    @model_validator(mode="after")
    def _consistent(self) -> Topology:
        names = [m.id for m in self.modules]
        if len(names) != len(set(names)):
            raise ValueError("module ids must be unique")
        known = self.module_ids()
        clash = sorted(set(names) & set(known[len(names) :]))
        if clash:
            raise ValueError(f"module id {clash[0]} is also the name of a generated module")
        for module in self.modules:
            if module.to == module.id:
                raise ValueError(f"module {module.id} sends to itself")
            if module.to is not None and module.to != "broadcast" and module.to not in known:
                raise ValueError(f"module {module.id} sends to unknown module {module.to!r}")
        for a, b in self.links or []:
            if a not in known or b not in known:
                raise ValueError(f"link {a}-{b} names an unknown module")
            if a == b:
                raise ValueError(f"link {a}-{b} joins a module to itself")
        owners: dict[bytes, str] = {}
        for name, address in self.addresses().items():
            if address == BROADCAST:
                raise ValueError(f"module {name} has the broadcast address")
            if address in owners:
                raise ValueError(
                    f"modules {owners[address]} and {name} share address {address.hex().upper()}"
                )
            owners[address] = name
        return self


def _address(index: int) -> bytes:
    return bytes.fromhex("0013A200") + (0x41000000 + index).to_bytes(4, "big")


def _parse_address(text: str) -> bytes:
    return parse_hex_bytes(text, ADDRESS_SIZE)


@dataclass
class SimReport:
    """What happened in one run."""

    sent: int = 0
    delivered: int = 0
    deliveries_by_gateway: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    transmissions: int = 0
    rebroadcasts: int = 0
    bytes_on_air: int = 0
    lost_in_air: int = 0
    hop_counts: list[int] = field(default_factory=list)
    hop_latencies_ms: list[float] = field(default_factory=list)
    forged_sent: int = 0
    replays_sent: int = 0
    replays_accepted: int = 0
    events: int = 0

    @property
    def delivery_ratio(self) -> float:
        """Share of sent readings delivered to at least one gateway."""
        return self.delivered / self.sent if self.sent else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        hops = self.hop_counts
        latency = self.hop_latencies_ms
        return {
            "sent": self.sent,
            "delivered": self.delivered,
            "delivery_ratio": round(self.delivery_ratio, 4),
            "deliveries_by_gateway": dict(sorted(self.deliveries_by_gateway.items())),
            "duplicates_suppressed": self.outcomes.get(Outcome.DUPLICATE.value, 0),
            "forged_dropped": self.outcomes.get(Outcome.FORGED.value, 0),
            "replayed_dropped": self.outcomes.get(Outcome.REPLAYED.value, 0),
            "outcomes": dict(sorted(self.outcomes.items())),
            "transmissions": self.transmissions,
            "rebroadcasts": self.rebroadcasts,
            "bytes_on_air": self.bytes_on_air,
            "lost_in_air": self.lost_in_air,
            "hops_mean": round(sum(hops) / len(hops), 3) if hops else None,
            "hops_max": max(hops) if hops else None,
            "latency_per_hop_ms": round(sum(latency) / len(latency), 3) if latency else None,
            "attacks": {
                "forged_sent": self.forged_sent,
                "replays_sent": self.replays_sent,
                "replays_accepted": self.replays_accepted,
            },
            "events": self.events,
        }


@dataclass
class _Station:
    module: SimModule
    address: bytes
    range_m: float
    relays: bool
    receiver: MeshReceiver
    repeater: Repeater
    transmitter: MeshTransmitter
    node_id: int = 0
    counter: int = 0


@dataclass(order=True)
class _Event:
    time: float
    seq: int
    kind: str = field(compare=False)
    station: str = field(compare=False)
    packet: bytes = field(compare=False, default=b"")
    origin_time: float = field(compare=False, default=0.0)
    hops: int = field(compare=False, default=0)
    reading: int = field(compare=False, default=-1)


def _expand(topology: Topology, rng: random.Random) -> list[SimModule]:
    modules = list(topology.modules)
    spec = topology.generate
    if spec is None:
        return modules
    width, height = spec.area_m
    members = spec.members()
    gateways = [name for name, role in members if role == "gateway"]
    for name, role in members:
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        if role != "node":
            modules.append(SimModule(id=name, role=role, x=x, y=y))
            continue
        modules.append(
            SimModule(
                id=name,
                role=role,
                x=x,
                y=y,
                sends=spec.sends,
                interval_s=spec.interval_s,
                start_s=rng.uniform(0, spec.interval_s),
                to=rng.choice(gateways) if gateways else "broadcast",
            )
        )
    return modules


class _Medium:
    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self.rng = random.Random(topology.seed)
        self.report = SimReport()
        self.queue: list[_Event] = []
        self.seq = 0
        self.stations = self._stations(_expand(topology, self.rng))
        self.neighbours = self._neighbours()
        self.delivered_readings: set[int] = set()
        self.captured: list[bytes] = []
        self.reading_size = ncd_sensor_types()[topology.sensor_type].length
        self.reading_values = 256**self.reading_size

    def _stations(self, modules: list[SimModule]) -> dict[str, _Station]:
        stations = {}
        addresses = self.topology.addresses()
        for index, module in enumerate(modules):
            address = addresses[module.id]
            settings = LinkSettings(
                key=self.topology.key,
                network_id=self.topology.network_id,
                address=address,
                mode="mesh",
                profile=self.topology.profile,
            )
            relays = module.relay if module.relay is not None else module.role != "gateway"
            stations[module.id] = _Station(
                module,
                address,
                module.range_m or self.topology.radio.range_m,
                relays,
                MeshReceiver(settings),
                Repeater(settings),
                MeshTransmitter(settings),
                node_id=index % 256,
            )
        return stations

    def _neighbours(self) -> dict[str, list[str]]:
        names = list(self.stations)
        if self.topology.links is not None:
            linked: dict[str, list[str]] = {name: [] for name in names}
            for a, b in self.topology.links:
                linked[a].append(b)
                linked[b].append(a)
            return linked
        result: dict[str, list[str]] = {}
        for name in names:
            here = self.stations[name]
            result[name] = [
                other
                for other in names
                if other != name
                and math.dist(
                    (here.module.x, here.module.y),
                    (self.stations[other].module.x, self.stations[other].module.y),
                )
                <= here.range_m
            ]
        return result

    def event_bound(self) -> int:
        """About the most events a run can take, to refuse a topology before running it.

        Each relaying station rebroadcasts a tag once (while its ring remembers it), so a
        reading costs at most its sender's neighbours plus the neighbours of every relaying
        station its flood can reach; relaying stations linked either way are grouped.
        """
        parent = {name: name for name, station in self.stations.items() if station.relays}

        def root(name: str) -> str:
            while parent[name] != name:
                parent[name] = parent[parent[name]]
                name = parent[name]
            return name

        for name in parent:
            for other in self.neighbours[name]:
                if other in parent:
                    parent[root(name)] = root(other)
        weight: Counter[str] = Counter()
        for name in parent:
            weight[root(name)] += len(self.neighbours[name])

        def flood(name: str) -> int:
            reached = {root(other) for other in self.neighbours[name] if other in parent}
            if name in parent:
                reached.add(root(name))
            return len(self.neighbours[name]) + sum(weight[group] for group in reached)

        total = sum(
            station.module.sends * (1 + flood(name))
            for name, station in self.stations.items()
            if station.module.sends
        )
        attacks = self.topology.attacks
        everyone = len(self.stations) + sum(weight.values())
        return total + attacks.forged * (1 + len(self.stations)) + attacks.replays * (1 + everyone)

    def push(self, event: _Event) -> None:
        self.seq += 1
        event.seq = self.seq
        heapq.heappush(self.queue, event)

    def transmit(self, sender: str, packet: bytes, cause: _Event) -> None:
        """Put ``packet`` on the air from ``sender``; ``cause`` carries time, origin and hops."""
        radio = self.topology.radio
        self.report.transmissions += 1
        self.report.bytes_on_air += len(packet)
        arrival = cause.time + radio.latency_ms / 1000.0 + len(packet) * 8 / radio.bitrate_bps
        for neighbour in self.neighbours[sender]:
            if self.rng.random() < radio.loss:
                self.report.lost_in_air += 1
                continue
            self.push(
                _Event(
                    arrival,
                    0,
                    "arrive",
                    neighbour,
                    packet,
                    cause.origin_time,
                    cause.hops + 1,
                    cause.reading,
                )
            )

    def originate(self, event: _Event) -> None:
        station = self.stations[event.station]
        module = station.module
        target = module.to or "broadcast"
        destination = BROADCAST if target == "broadcast" else self.stations[target].address
        station.counter += 1
        # the data bytes carry a running number, so no two readings of a node are identical
        data = (station.counter % self.reading_values).to_bytes(self.reading_size, "big")
        payload = encode_sensor_data(
            node_id=station.node_id,
            sensor_type=self.topology.sensor_type,
            data=data,
            counter=station.counter % 256,
        )
        frame = TransmitRequest(
            frame_id=station.counter % 255 + 1, address=destination, payload=payload
        )
        packet = station.transmitter.seal(wrap(frame.data()))
        station.repeater.sent(packet)
        cause = _Event(
            event.time, 0, "send", event.station, origin_time=event.time, reading=self.report.sent
        )
        self.report.sent += 1
        self.transmit(event.station, packet, cause)

    def arrive(self, event: _Event) -> None:
        station = self.stations[event.station]
        action = station.repeater.handle(event.packet)
        result = action.result
        self.report.outcomes[result.outcome.value] += 1
        if result.outcome is Outcome.DELIVERED and station.module.role == "gateway":
            self._delivered(event, station)
        if action.rebroadcast is not None and station.relays:
            self.report.rebroadcasts += 1
            self.transmit(event.station, action.rebroadcast, event)
        if result.outcome is Outcome.DELIVERED and event.reading >= 0 and len(self.captured) < 1000:
            self.captured.append(event.packet)

    def _delivered(self, event: _Event, station: _Station) -> None:
        if event.reading < 0:
            self.report.replays_accepted += 1
            return
        if event.reading in self.delivered_readings:
            return
        self.delivered_readings.add(event.reading)
        self.report.delivered += 1
        self.report.deliveries_by_gateway[station.module.id] += 1
        self.report.hop_counts.append(event.hops)
        if event.hops:
            self.report.hop_latencies_ms.append(
                (event.time - event.origin_time) * 1000 / event.hops
            )

    def attack(self, event: _Event) -> None:
        if event.kind == "forge":
            size = self.rng.randint(40, 80)
            packet = bytes(self.rng.getrandbits(8) for _ in range(size))
            self.report.forged_sent += 1
        else:
            if self.report.replays_sent >= len(self.captured):
                return
            packet = self.captured[self.report.replays_sent]  # the oldest captured first
            self.report.replays_sent += 1
        for name in self.stations:
            self.push(_Event(event.time, 0, "arrive", name, packet, event.time, 0, -1))


def _too_large(medium: _Medium, events: int) -> SimulationTooLarge:
    stations = len(medium.stations)
    readings = sum(station.module.sends for station in medium.stations.values())
    neighbours = sum(len(n) for n in medium.neighbours.values()) / max(stations, 1)
    return SimulationTooLarge(
        f"this topology could take {events:,} radio events, more than the {MAX_EVENTS:,} a run "
        f"may take ({readings:,} readings, {stations:,} modules with {neighbours:.0f} "
        "neighbours each on average); use fewer modules or readings, or a shorter range"
    )


def simulate(topology: Topology) -> SimReport:
    """Run a topology to the end (every queued packet delivered, dropped or lost).

    Raises :class:`SimulationTooLarge`, before running, when the topology could take more than
    :data:`MAX_EVENTS` events, or while running if rings that forgot a tag make it do so.
    """
    medium = _Medium(topology)
    bound = medium.event_bound()
    if bound > MAX_EVENTS:
        raise _too_large(medium, bound)
    for name, station in medium.stations.items():
        for index in range(station.module.sends):
            at = station.module.start_s + index * station.module.interval_s
            medium.push(_Event(at, 0, "send", name))
    horizon = max((e.time for e in medium.queue), default=0.0)
    attacks = topology.attacks
    for _ in range(attacks.forged):
        medium.push(_Event(medium.rng.uniform(0, horizon + 1), 0, "forge", ""))
    for index in range(attacks.replays):
        medium.push(_Event(horizon + attacks.replay_delay_s * (index + 1), 0, "replay", ""))
    while medium.queue:
        event = heapq.heappop(medium.queue)
        medium.report.events += 1
        if medium.report.events > MAX_EVENTS:  # a ring forgot a tag and relayed it again
            raise _too_large(medium, medium.report.events)
        if event.kind == "send":
            medium.originate(event)
        elif event.kind == "arrive":
            medium.arrive(event)
        else:
            medium.attack(event)
    return medium.report
