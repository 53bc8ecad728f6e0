"""Payloads: the spec's sensor example, one vector per sensor type, commands and replies."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from openpcs.catalog.ncd import ncd_sensor_types
from openpcs.ncd.errors import PayloadError
from openpcs.ncd.payloads import (
    Command,
    ConfigAck,
    ConfigError,
    DeliveryAck,
    PowerUp,
    RawPayload,
    SensorData,
    build_command,
    decode_payload,
    encode_sensor_data,
    encode_sensor_values,
)

H = bytes.fromhex
VECTORS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "sensor_vectors.yaml").read_text()
)


def test_the_spec_example_is_activity_detection() -> None:
    payload = decode_payload(H("7F000103FF01001800FFF10000FFF10000"))
    assert isinstance(payload, SensorData)
    assert (payload.node_id, payload.firmware, payload.counter) == (0, 1, 1)
    assert payload.battery_raw == 1023
    assert round(payload.battery_volts, 2) == 3.29
    assert (payload.sensor_type, payload.type_name) == (24, "Activity Detection")
    assert [(v.name, v.value) for v in payload.values] == [
        ("acc_x", -15),
        ("acc_y", 0),
        ("acc_z", -15),
        ("temp_change", 0),
    ]
    assert payload.to_dict()["battery_v"] == 3.29


def test_there_are_at_least_twenty_types_and_a_vector_for_each() -> None:
    assert len(ncd_sensor_types()) >= 20
    assert {v["type"] for v in VECTORS} == set(ncd_sensor_types())


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{v['type']}-{v['name']}" for v in VECTORS])
def test_sensor_type_vector(vector: dict[str, Any]) -> None:
    payload = decode_payload(H(vector["hex"]))
    assert isinstance(payload, SensorData)
    assert (payload.node_id, payload.firmware, payload.battery_raw, payload.counter) == (
        7,
        3,
        900,
        42,
    )
    assert payload.sensor_type == vector["type"]
    assert payload.type_name == vector["name"]
    got = {v.name: v.value for v in payload.values}
    assert got == pytest.approx(vector["values"])
    assert payload.extra == b""


def test_scaled_values_print_as_their_decimal() -> None:
    payload = decode_payload(H("7F00010384010001000929096F"))  # type 1: 23.45 %RH, 24.15 °C
    assert isinstance(payload, SensorData)
    assert payload.value("humidity") == 23.45
    assert payload.value("temperature") == 24.15
    assert payload.value("nothing") is None


def test_unknown_types_keep_their_bytes_and_extra_bytes_are_kept() -> None:
    unknown = decode_payload(H("7F0001038401FFFE00ABCD"))
    assert isinstance(unknown, SensorData)
    assert (unknown.type_name, unknown.values, unknown.data) == (None, (), H("ABCD"))
    longer = decode_payload(H("7F00010384010018000001000200030004BEEF"))
    assert isinstance(longer, SensorData)
    assert longer.extra == H("BEEF")


@pytest.mark.parametrize(
    ("raw", "offset"),
    [
        ("7F0001", 3),
        ("7F000103FF01001800FFF1", 11),
        ("7A0100123400005255", 9),
        ("7C0102", 3),
        ("7D01", 2),
        ("F702", 2),
    ],
)
def test_short_payloads_are_errors_with_offsets(raw: str, offset: int) -> None:
    with pytest.raises(PayloadError) as caught:
        decode_payload(H(raw))
    assert caught.value.offset == offset


def test_replies_and_announcements() -> None:
    # 7A | node 5 | 00 | type 0x1234 | 00 00 | "RUN"
    assert decode_payload(H("7A05001234000052554E")) == PowerUp(
        node_id=5, sensor_type=0x1234, mode="RUN"
    )
    assert decode_payload(H("7C05090018 01FF 0A0B".replace(" ", ""))) == ConfigAck(
        node_id=5, counter=9, sensor_type=24, firmware=1, result=0xFF, data=H("0A0B")
    )
    error = decode_payload(H("7D0500001800000A"))
    assert error == ConfigError(node_id=5, sensor_type=24, code=10)
    assert isinstance(error, ConfigError)
    assert error.text == "Invalid/Incomplete Packet Received"
    assert decode_payload(H("7B0D41434B0000")) == DeliveryAck(H("7B0D41434B0000"))
    assert decode_payload(H("7B0000")) == RawPayload(H("7B0000"))
    assert decode_payload(b"") == RawPayload(b"")
    assert decode_payload(H("0102")) == RawPayload(H("0102"))


@pytest.mark.parametrize(
    ("name", "arguments", "raw", "decoded"),
    [
        (
            "set_node_id_and_delay",
            {"node_id": 5, "delay_s": 600},
            "F70200000005000258",
            {"node_id": 5, "delay_s": 600},
        ),
        (
            "set_destination",
            {"destination": 0x0000FFFF},
            "F7030000000000FFFF",
            {"destination": 0xFFFF},
        ),
        ("set_network_id", {"network_id": 0x7FFF}, "F7050000007FFF", {"network_id": 0x7FFF}),
        ("read_delay", {}, "F715000000", {}),
        ("read_network_id", {}, "F719000000", {}),
        ("reboot", {}, "F740000000", {}),
    ],
)
def test_general_commands(
    name: str, arguments: dict[str, int], raw: str, decoded: dict[str, int]
) -> None:
    assert build_command(name, **arguments) == H(raw)
    assert decode_payload(H(raw)) == Command(name, H(raw)[1], decoded)


def test_destination_from_an_address_and_bad_commands() -> None:
    assert build_command("set_destination", destination=H("0013A20041996FF7")) == H(
        "F70300000041996FF7"
    )
    with pytest.raises(ValueError, match="unknown command"):
        build_command("format_disk")
    with pytest.raises(ValueError, match="node_id"):
        build_command("set_node_id_and_delay", node_id=300, delay_s=1)
    with pytest.raises(ValueError, match="takes no arguments"):
        build_command("reboot", now=1)


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("set_node_id_and_delay", {}, r"takes node_id, delay_s \(missing node_id, missing delay"),
        ("set_node_id_and_delay", {"node_id": 1}, "missing delay_s"),
        ("set_network_id", {"network_id": 1, "extra": 2}, r"takes network_id \(extra\)"),
        ("set_network_id", {"network_id": 1.5}, "network_id must be a whole number, got 1.5"),
        ("set_network_id", {"network_id": True}, "whole number, got True"),
        ("set_network_id", {"network_id": 0x10000}, "network_id must be 0..65535"),
        ("set_destination", {"destination": b""}, "8-byte address, got 0 bytes"),
        ("set_destination", {"destination": bytes(12)}, "8-byte address, got 12 bytes"),
        ("set_destination", {"destination": -1}, "destination must be 0..4294967295"),
    ],
)
def test_bad_command_arguments_are_value_errors(
    name: str, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_command(name, **arguments)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"acc_x": float("inf")}, "acc_x must be finite"),
        ({"acc_x": float("nan")}, "acc_x must be finite"),
        ({"acc_x": "x"}, "acc_x must be a number, got 'x'"),
        ({"acc_x": True}, "acc_x must be a number"),
        ({"acc_x": 40_000}, "does not fit 2 bytes"),
        ({"humidity": 1}, "type 24 .Activity Detection. has no field humidity; its fields: acc_x"),
    ],
)
def test_bad_sensor_values_are_value_errors(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        encode_sensor_values(24, values)


def test_unscaled_values_round_like_scaled_ones() -> None:
    assert encode_sensor_values(24, {"acc_x": 1.7, "acc_y": -1.5})[:4] == H("0002FFFE")


def test_commands_with_the_wrong_argument_bytes() -> None:
    with pytest.raises(PayloadError, match="takes 2 argument bytes"):
        decode_payload(H("F705000000FF"))
    assert decode_payload(H("F799000000AA")) == Command("command_99", 0x99, {"argument_bytes": 1})


def _values_for(type_id: int) -> st.SearchStrategy[dict[str, float]]:
    kind = ncd_sensor_types()[type_id]
    parts = {}
    for spec in kind.fields:
        bits = spec.size * 8
        low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if spec.signed else (0, 2**bits - 1)
        scale = spec.scale if spec.scale is not None else 1
        parts[spec.name] = st.integers(low, high).map(lambda raw, s=scale: raw * s)
    return st.fixed_dictionaries(parts)


@given(st.sampled_from(sorted(ncd_sensor_types())), st.data())
def test_round_trip_every_type(type_id: int, data: st.DataObject) -> None:
    values = data.draw(_values_for(type_id))
    raw = encode_sensor_data(
        node_id=1, sensor_type=type_id, data=encode_sensor_values(type_id, values)
    )
    decoded = decode_payload(raw)
    assert isinstance(decoded, SensorData)
    fields = {spec.name for spec in ncd_sensor_types()[type_id].fields}
    assert {v.name: v.value for v in decoded.values if v.name in fields} == pytest.approx(values)


@given(st.binary(max_size=80))
def test_random_payloads_raise_only_payload_errors(raw: bytes) -> None:
    with contextlib.suppress(PayloadError):
        decode_payload(raw)
    with contextlib.suppress(PayloadError):
        decode_payload(b"\x7f" + raw)
