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
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from openpcs.catalog.ncd import ncd_sensor_types
from openpcs.ncd.api import BROADCAST, TransmitRequest, wrap
from openpcs.ncd.mesh import (
    LinkSettings,
    MeshReceiver,
    MeshTransmitter,
    Outcome,
    Repeater,
)
from openpcs.ncd.payloads import encode_sensor_data
from openpcs.ncd.topology import SimModule, Topology

__all__ = ["MAX_EVENTS", "SimReport", "SimulationTooLarge", "simulate"]

#: The most radio events (sends, arrivals, attacks) one run may take.
MAX_EVENTS = 2_000_000


class SimulationTooLarge(ValueError):
    """The topology could need more than :data:`MAX_EVENTS` events; the message says why."""


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


class _Medium:
    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self.rng = random.Random(topology.seed)
        self.report = SimReport()
        self.queue: list[_Event] = []
        self.seq = 0
        self.stations = self._stations(topology.expand(self.rng))
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
