"""The radio-medium simulator: the spec's scenarios, loops, large lossy meshes, attacks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from openpcs.config.loader import parse_document
from openpcs.ncd.simulator import MAX_EVENTS, SimulationTooLarge, simulate
from openpcs.ncd.topology import Topology

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


NODE = "{id: n, role: node, sends: 1}"


@pytest.mark.parametrize(
    ("text", "line", "path", "message"),
    [
        ("key: zz\n", 1, "key", "'zz' is not hexadecimal"),
        ("key: 55AA\n", 1, "key", "must be 16 bytes"),
        ("network_id: XYZ\n", 1, "network_id", "'XYZ' is not a network ID"),
        (
            f"modules:\n  - {NODE}\n  - {{id: g, role: gateway, address: zz}}\n",
            3,
            "modules[1].address",
            "'zz' is not hexadecimal",
        ),
        (
            "modules:\n  - {id: g, role: gateway, address: 0013A20041334}\n",
            2,
            "modules[0].address",
            "odd number of hex digits",
        ),
        (
            "modules:\n  - {id: g, role: gateway, address: 0013A2}\n",
            2,
            "modules[0].address",
            "must be 8 bytes",
        ),
        ("sensor_type: 9999\n", 1, "sensor_type", "no layout for NCD sensor type 9999"),
        ("sensor_type: -1\n", 1, "sensor_type", "no layout for NCD sensor type -1"),
        ("modules:\n  - {id: n, role: node, x: .nan}\n", 2, "modules[0].x", "finite number"),
        (
            "modules:\n  - {id: n, role: node, sends: true}\n",
            2,
            "modules[0].sends",
            "valid integer",
        ),
        ("radio: {range_m: .inf}\n", 1, "radio.range_m", "finite number"),
        (
            "generate: {gateways: 1}\nmodules:\n  - {id: gw1, role: gateway}\n",
            None,
            "",
            "module id gw1 is also the name of a generated module",
        ),
        (
            "modules:\n  - {id: n, role: node, address: 0013A20041334712}\n"
            "  - {id: g, role: gateway, address: '00:13:A2:00:41:33:47:12'}\n",
            None,
            "",
            "modules n and g share address 0013A20041334712",
        ),
        (
            "modules:\n  - {id: n, role: node, address: 000000000000FFFF}\n",
            None,
            "",
            "module n has the broadcast address",
        ),
        ("modules:\n  - {id: n, role: node, to: n}\n", None, "", "module n sends to itself"),
        (
            "links: [[n, n]]\nmodules:\n  - {id: n, role: node}\n",
            None,
            "",
            "link n-n joins a module to itself",
        ),
        (
            'modules:\n  - {id: "a\\0", role: node}\n',
            2,
            "modules[0].id",
            "is not a module id (1 to 40 letters, digits, _ . or -)",
        ),
    ],
)
def test_topology_files_name_the_place_of_each_error(
    text: str, line: int | None, path: str, message: str
) -> None:
    loaded = parse_document(text, Topology, source="t.yaml")
    assert loaded.value is None
    issue = loaded.issues[0]
    assert (issue.line, issue.path) == (line, path)
    assert message in issue.message


def test_hex_stays_the_text_typed_and_generated_modules_can_be_named() -> None:
    text = (
        "network_id: 1234\n"
        "key: 12345678901234567890123456789012\n"
        "generate: {gateways: 1}\n"
        "modules:\n"
        "  - {id: a, role: node, sends: 2, to: gw1}\n"
    )
    loaded = parse_document(text, Topology, source="t.yaml")
    assert loaded.value is not None, loaded.issues
    assert (loaded.value.network_id, loaded.value.key) == ("1234", "1234567890" * 3 + "12")
    report = simulate(loaded.value)
    assert report.sent == 2


def test_a_one_byte_sensor_layout_still_gives_distinct_readings() -> None:
    report = simulate(_topology("spec-repeater.yaml", sensor_type=22))
    assert (report.sent, report.delivered) == (10, 10)


@pytest.mark.parametrize(
    ("generate", "fragment"),
    [
        ({"nodes": 400, "sends": 3, "area_m": [10, 10]}, "1,200 readings, 400 modules with 399"),
        ({"nodes": 1, "gateways": 0, "sends": 6_000_000}, "6,000,000 readings, 1 modules"),
    ],
)
def test_topologies_too_large_to_run_are_refused_before_running(
    generate: dict[str, object], fragment: str
) -> None:
    topology = Topology.model_validate({"generate": generate})
    with pytest.raises(SimulationTooLarge, match=f"more than the {MAX_EVENTS:,}") as caught:
        simulate(topology)
    assert fragment in str(caught.value)
