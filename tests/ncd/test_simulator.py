"""The radio-medium simulator: the spec's scenarios, loops, large lossy meshes, attacks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from openpcs.ncd.simulator import Topology, simulate

MESH = Path(__file__).resolve().parents[2] / "examples" / "mesh"


def _topology(name: str, **changes: object) -> Topology:
    document = yaml.safe_load((MESH / name).read_text()) | changes
    return Topology.model_validate(document)


def test_node_10_km_from_the_gateway_fails() -> None:
    report = simulate(_topology("spec-direct.yaml"))
    assert (report.sent, report.delivered, report.rebroadcasts) == (10, 0, 0)


def test_a_repeater_in_between_delivers_everything() -> None:
    report = simulate(_topology("spec-repeater.yaml"))
    assert (report.sent, report.delivered) == (10, 10)
    assert report.hop_counts == [2] * 10
    assert report.rebroadcasts == 10  # the repeater relays each packet once
    # the gateway hears nothing twice; the node hears its own packet back and ignores it
    assert report.outcomes["duplicate"] == 10
    # latency per hop: 5 ms plus 61 bytes at 9600 bit/s
    assert report.to_dict()["latency_per_hop_ms"] == pytest.approx(5 + 61 * 8 / 9.6, abs=0.01)


def test_two_repeaters_that_hear_each_other_terminate() -> None:
    report = simulate(_topology("two-repeater-loop.yaml"))
    assert report.delivered == 20
    assert report.rebroadcasts == 40  # each of the two relays each packet exactly once
    assert report.transmissions == 60


def test_a_large_lossy_mesh_is_deterministic() -> None:
    topology = _topology("large-lossy.yaml")
    first, second = simulate(topology), simulate(topology)
    assert first.to_dict() == second.to_dict()
    assert first.sent == 150
    assert first.delivery_ratio > 0.9
    assert first.lost_in_air > 0
    assert sum(first.deliveries_by_gateway.values()) == first.delivered
    assert set(first.deliveries_by_gateway) <= {"gw1", "gw2"}
    assert first.forged_sent == 20
    assert first.outcomes["forged"] > 0
    assert first.outcomes["delivered"] >= first.delivered
    other_seed = simulate(_topology("large-lossy.yaml", seed=8))
    assert other_seed.to_dict() != first.to_dict()


def test_replays_pass_the_plain_ring_but_not_the_secure_profile() -> None:
    spec = simulate(_topology("replay-gap.yaml"))
    assert (spec.replays_sent, spec.replays_accepted) == (10, 10)
    secure = simulate(_topology("replay-gap.yaml", profile="secure"))
    assert (secure.replays_sent, secure.replays_accepted) == (10, 0)
    assert secure.outcomes["replayed"] >= 10


def test_explicit_links_replace_ranges() -> None:
    topology = Topology.model_validate(
        {
            "modules": [
                {"id": "n", "role": "node", "x": 0, "sends": 3, "to": "g"},
                {"id": "r", "role": "repeater", "x": 1},
                {"id": "g", "role": "gateway", "x": 2},
            ],
            "links": [["n", "r"], ["r", "g"]],
        }
    )
    report = simulate(topology)
    assert report.delivered == 3
    assert report.hop_counts == [2, 2, 2]


@pytest.mark.parametrize(
    "document",
    [
        {"modules": [{"id": "a", "role": "node"}, {"id": "a", "role": "gateway"}]},
        {"modules": [{"id": "a", "role": "node", "to": "nowhere"}]},
        {"modules": [{"id": "a", "role": "node"}], "links": [["a", "b"]]},
        {"modules": [{"id": "a", "role": "router"}]},
        {"radio": {"loss": 2}},
        {"colour": "red"},
    ],
)
def test_bad_topologies_are_refused(document: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Topology.model_validate(document)
