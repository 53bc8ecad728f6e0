"""The frame plan: fields in program order with their bytes, frame types per destination, radio
limits, and agreement with the frames package's own split of a real frame."""

from __future__ import annotations

from typing import Any

import pytest

from openpcs.catalog import ValueType
from openpcs.config.plan import encrypted_size, plan_frame
from openpcs.frames import Field, encode_binary, split_tiny
from tests.config.helpers import LORAWAN_ABP, XBEE_802, check, config

G4 = {"type": "4g", "region": "eu_br", "apn": "internet"}
WIFI = {"type": "wifi", "essid": "ap", "security": "wpa2", "password": "password1"}


def _plan(data: dict[str, Any]) -> Any:
    result = check(data)
    assert result.plan is not None
    return result.plan


def test_fields_follow_the_program_order_with_their_bytes() -> None:
    plan = _plan(
        config(
            sockets={"E": "bme280", "A": "gas_co"},
            industrial={
                "protocol": "modbus_rs485",
                "reads": [{"slave": 17, "start_register": 0, "count": 2}],
            },
            gps={"timeout_s": 60, "fields": ["altitude", "location"]},
            battery_warning={"thresholds": [60, 40, 20]},
            node_name="n1",
        )
    )
    rows = [(f.source, f.sensor.tag, f.size, f.path) for f in plan.fields]
    assert rows == [
        ("socket A: gas_co", "CO", 5, "sockets.A.probe"),
        ("socket E: bme280", "TC", 5, "sockets.E.probe"),
        ("socket E: bme280", "HUM", 5, "sockets.E.probe"),
        ("socket E: bme280", "PRES", 5, "sockets.E.probe"),
        ("Modbus read 1", "MB_IR", 7, "industrial.reads[0]"),
        ("GPS location", "GPS", 9, "gps.fields[1]"),
        ("GPS altitude", "ALT", 10, "gps.fields[0]"),
        ("battery level", "BAT", 2, ""),
        ("low-battery warning", "STR", 6, "battery_warning"),
    ]
    assert plan.header_size == 15 + 2  # 15 bytes + the 2-character name
    assert plan.frame_size == 17 + 54
    assert plan.fields[-1].occasional


def test_xtreme_fields_carry_their_socket() -> None:
    plan = _plan(
        config(model="smart_agriculture_xtreme", sockets={"D": "bme280", "B": "decagon_5tm"})
    )
    assert [(f.sensor.tag, f.sensor.id) for f in plan.fields[:5]] == [
        ("DP3_B", 203),
        ("TC7_B", 207),  # the 5TM id, not the TEROS 11 one (106) that shares the tag
        ("TC_D", 4),
        ("HUM_D", 6),
        ("PRES_D", 7),
    ]
    assert plan.frame_type == 7


@pytest.mark.parametrize(
    ("radio", "destination", "mode", "types"),
    [
        (XBEE_802, {"type": "meshlium"}, "disabled", (6,)),
        (XBEE_802, {"type": "meshlium"}, "device_to_gateway", (96, 6)),
        (XBEE_802, {"type": "meshlium"}, "device_to_cloud", (100, 6)),
        (XBEE_802, {"type": "cloud_bridge"}, "device_to_cloud", (100, 6)),
        (G4, {"type": "cloud_bridge", "key": "k" * 16, "api_key": "a"}, "disabled", (103, 6)),
        (
            G4,
            {"type": "cloud_bridge", "key": "k" * 16, "api_key": "a"},
            "device_to_cloud",
            (103, 100, 6),
        ),
        (G4, {"type": "tcp", "host": "h.example", "port": 1}, "device_to_cloud", (100, 6)),
        (WIFI, {"type": "sms", "phone": "+34600000000"}, "disabled", (6,)),
    ],
)
def test_frame_types_per_destination(
    radio: dict[str, Any], destination: dict[str, Any], mode: str, types: tuple[int, ...]
) -> None:
    key = {"key": "0123456789ABCDEF"} if mode != "disabled" else {}
    plan = _plan(config(radio=radio, destination=destination, encryption={"mode": mode, **key}))
    assert plan.sent_types == types


def test_sizes_of_encrypted_layers() -> None:
    assert [encrypted_size(n) for n in (1, 16, 17, 53, 240)] == [29, 29, 45, 77, 253]
    plan = _plan(
        config(
            radio=G4,
            destination={"type": "cloud_bridge", "key": "k" * 16, "api_key": "a"},
            encryption={"mode": "device_to_cloud", "key": "0123456789ABCDEF"},
        )
    )
    assert plan.sent_size == encrypted_size(encrypted_size(plan.frame_size))


@pytest.mark.parametrize(
    ("radio", "destination", "limit"),
    [
        (XBEE_802, {"type": "meshlium"}, 100),
        ({**XBEE_802, "link_key": "0123456789ABCDEF"}, {"type": "meshlium"}, 94),
        (
            {
                "type": "xbee_zigbee3",
                "mac": "0013A2004133471A",
                "extended_pan_id": "0" * 16,
                "channel_mask": "7FFF",
            },
            None,
            74,
        ),
        (
            {
                "type": "xbee_868lp",
                "mac": "0013A2004133471A",
                "pan_id": "1234",
                "channel_mask": "00000001",
            },
            {"type": "meshlium"},
            255,
        ),
        (G4, {"type": "tcp", "host": "h.example", "port": 1}, 255),
        # (256 - 7 - len("http") - len("example.org") - len("80") - len("/in?frame=")) // 2
        (WIFI, {"type": "http", "host": "example.org", "port": 80, "path": "/in"}, 111),
        (WIFI, {"type": "tcp", "host": "example.org", "port": 80}, 255),
        ({"type": "sigfox"}, None, 12),
        ({**LORAWAN_ABP, "data_rate": 3}, None, 115),
        ({**LORAWAN_ABP, "region": "us", "data_rate": 0}, None, 11),
    ],
)
def test_radio_limits(
    radio: dict[str, Any], destination: dict[str, Any] | None, limit: int
) -> None:
    plan = _plan(config(radio=radio, destination=destination))
    assert plan.radio_max == limit


def _placeholder_frame(plan: Any) -> bytes:
    fields = []
    for item in plan.fields:
        if item.sensor.type is ValueType.STRING:
            fields.append(Field(item.sensor, ("x" * (item.size - 2),)))
        else:
            zero = 0.0 if item.sensor.type is ValueType.FLOAT else 0
            fields.append(Field(item.sensor, (zero,) * item.sensor.count))
    return encode_binary(serial="0" * 16, fields=fields, frame_type=plan.frame_type)


@pytest.mark.parametrize("data_rate", [0, 1, 2, 3])
def test_tiny_plan_agrees_with_the_frames_package(data_rate: int) -> None:
    """DR2 and DR3 carry 129 and 242 bytes, but the node's tiny-frame buffer holds 100."""
    plan = _plan(
        config(
            sockets={"A": "gas_co", "D": "particle_matter", "E": "bme280"},
            gps={"timeout_s": 60, "fields": ["location", "altitude"]},
            radio={**LORAWAN_ABP, "region": "us", "data_rate": data_rate},
            destination=None,
        )
    )
    real = split_tiny(_placeholder_frame(plan), plan.tiny.max_length)
    assert tuple(len(p) for p in real.parts) == plan.tiny.part_sizes
    assert tuple(f.tag for f in real.dropped) == plan.tiny.dropped
    capped = plan.radio_max > 100
    assert bool(plan.notes) == capped
    assert plan.tiny.max_length == min(plan.radio_max, 100)


def test_fragment_plan_agrees_with_the_frames_package() -> None:
    from openpcs.frames import split_fragments

    plan = _plan(
        config(
            sockets={
                "A": "gas_co",
                "B": "gas_no2",
                "C": "gas_o3",
                "D": "particle_matter",
                "E": "bme280",
                "F": "gas_so2",
            },
            gps={"timeout_s": 60, "fields": ["location", "altitude", "speed"]},
            battery_warning={"thresholds": [60, 40, 20]},
            radio={**XBEE_802, "fragments": True},
        )
    )
    assert plan.frame_size == 101
    real = split_fragments(_placeholder_frame(plan), plan.radio_max)
    assert len(real.parts) == 2
    from openpcs.frames import decode_binary

    assert [tuple(f.tag for f in decode_binary(p).fields) for p in real.parts] == list(
        plan.fragments
    )


def test_unknown_model_has_no_plan() -> None:
    assert plan_frame(check(config()).config.model_copy(update={"model": "nope"})) is None  # type: ignore[union-attr]


def test_an_sms_carries_the_frame_as_160_hex_characters() -> None:
    sms = {"type": "sms", "phone": "+34600000000"}
    cellular = {"type": "4g", "region": "eu_br", "apn": "internet"}
    small = check(config(radio=cellular, destination=sms))
    assert small.plan is not None
    assert small.plan.radio_max == 80
    big = check(
        config(
            radio=cellular,
            destination=sms,
            sockets={
                "A": "gas_co",
                "B": "gas_no2",
                "C": "gas_o3",
                "D": "particle_matter",
                "E": "bme280",
                "F": "gas_so2",
            },
            gps={"timeout_s": 60, "fields": ["location", "altitude", "speed", "course"]},
        )
    )
    assert any("80" in issue.message for issue in big.errors), [i.message for i in big.errors]


def test_a_4g_http_request_fits_the_modules_buffer() -> None:
    cellular = {"type": "4g", "region": "eu_br", "apn": "internet"}
    http = {"type": "http", "host": "example.org", "path": "/getpost_frame_parser.php"}
    result = check(config(radio=cellular, destination=http))
    assert result.plan is not None
    # 481 characters for the path (25), "?frame=" (7) and two hex digits per byte
    assert result.plan.radio_max == (481 - 25 - 7) // 2
