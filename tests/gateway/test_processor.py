"""Processing one frame: every kind of frame and packet, and every way it can go wrong."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcs.gateway.dedup import DedupWindow
from openpcs.gateway.directory import DeviceKeys, DeviceSettings, Directory
from openpcs.gateway.processor import Processor
from openpcs.gateway.records import Arrival, Format
from openpcs.ncd.mesh import MeshReceiver
from tests.gateway import frames as f


def _processor(directory: Directory | None = None, *, mesh: bool = False) -> Processor:
    receiver = MeshReceiver(f.link()) if mesh else None
    return Processor(directory or Directory(), DedupWindow(600), receiver)


def _keys(**keys: str) -> Directory:
    return Directory({f.SERIAL: DeviceSettings(f.SERIAL, keys=DeviceKeys(**keys))})


def _row(result: object, sensor: str) -> tuple[object, ...]:
    rows = [r for r in result.readings if r[2] == sensor]  # type: ignore[attr-defined]
    assert len(rows) == 1, result
    return rows[0]


def test_binary_frame_gives_one_row_per_field_with_values_and_units() -> None:
    result = _processor().process(5, Arrival(f.binary(42), "test"))
    assert result.status == "ok"
    assert (result.serial, result.node_name, result.frame_type, result.sequence) == (
        f.SERIAL,
        f.NAME,
        6,
        42,
    )
    assert [r[:3] for r in result.readings] == [(5, 0, "TC"), (5, 1, "HUM"), (5, 2, "BAT")]
    temperature = _row(result, "TC")
    assert temperature[3] == 74  # the sensor id of TC in table 6
    assert temperature[4] == pytest.approx(21.37, abs=1e-5)
    assert temperature[7] == "°C"
    assert _row(result, "BAT")[4] == 87
    assert result.battery == (87.0, "%")


def test_ascii_frame_decodes_to_the_same_readings() -> None:
    result = _processor().process(1, Arrival(f.ascii_frame(), "test"))
    assert result.status == "ok"
    assert result.frame_type == 0x86
    assert _row(result, "HUM")[4] == pytest.approx(48.2)


def test_multi_value_field_keeps_every_value_as_json() -> None:
    from openpcs.frames import make_field

    frame = f.binary(values=[make_field("ACC", -15, 3, 1002), make_field("STR", "LOW1")])
    result = _processor().process(1, Arrival(frame, "test"))
    acc = _row(result, "ACC")
    assert acc[4] == -15
    assert json.loads(str(acc[5])) == [-15, 3, 1002]
    text = _row(result, "STR")
    assert (text[4], text[6]) == (None, "LOW1")


def test_same_frame_twice_is_a_duplicate_and_keeps_no_readings() -> None:
    processor = _processor()
    first = processor.process(1, Arrival(f.binary(9), "http"))
    second = processor.process(2, Arrival(f.binary(9), "tcp"))
    assert first.status == "ok"
    assert second.status == "duplicate"
    assert second.readings == []
    assert second.dedup_key == first.dedup_key
    assert processor.process(3, Arrival(f.binary(10), "tcp")).status == "ok"


def test_type_96_frame_opens_with_the_devices_payload_key() -> None:
    frame = f.encrypted(f.binary(3), 96)
    result = _processor(_keys(payload=f.PAYLOAD_KEY)).process(1, Arrival(frame, "test"))
    assert result.status == "ok"
    assert result.serial == f.SERIAL
    assert _row(result, "TC")[4] == pytest.approx(21.37, abs=1e-5)


def test_type_96_frame_without_a_key_is_an_error_that_can_be_retried() -> None:
    frame = f.encrypted(f.binary(3), 96)
    processor = _processor()
    result = processor.process(1, Arrival(frame, "test"))
    assert result.status == "error"
    assert f"no key for serial {f.SERIAL}" in str(result.error)
    assert result.serial == f.SERIAL
    # once the key is known, the very same frame is no duplicate of the failed one
    processor.directory = _keys(payload=f.PAYLOAD_KEY)
    assert processor.process(2, Arrival(frame, "test")).status == "ok"


def test_wrong_key_is_an_error_never_garbage_readings() -> None:
    frame = f.encrypted(f.binary(3), 96)
    processor = _processor(_keys(payload="another-key-of-32-characters-xyz"))
    result = processor.process(1, Arrival(frame, "test"))
    assert result.status == "error"
    assert result.readings == []
    assert "the key does not decrypt it" in str(result.error)
    assert result.serial == f.SERIAL  # listed with the device's frames, where its owner looks
    assert result.frame_type == 96
    processor.directory = _keys(payload=f.PAYLOAD_KEY)
    assert processor.process(2, Arrival(frame, "test")).status == "ok"


def test_device_to_cloud_frame_is_stored_as_received_even_with_the_key() -> None:
    frame = f.encrypted(f.binary(3), 100)
    processor = _processor(_keys(payload=f.PAYLOAD_KEY))
    result = processor.process(1, Arrival(frame, "test"))
    assert result.status == "encrypted"
    assert result.frame_type == 100
    assert result.readings == []
    opened = _processor(_keys(payload=f.PAYLOAD_KEY)).process(
        2, Arrival(frame, "test"), again=True, open_cloud=True
    )
    assert opened.status == "ok"
    assert _row(opened, "HUM")[4] == pytest.approx(48.2)


def test_type_103_opens_with_the_bridge_key_and_keeps_an_inner_cloud_frame() -> None:
    plain = f.encrypted(f.binary(4), 103, f.BRIDGE_KEY)
    keys = _keys(bridge=f.BRIDGE_KEY, payload=f.PAYLOAD_KEY)
    assert _processor(keys).process(1, Arrival(plain, "test")).status == "ok"
    nested = f.encrypted(f.encrypted(f.binary(5), 100), 103, f.BRIDGE_KEY)
    result = _processor(keys).process(2, Arrival(nested, "test"))
    assert result.status == "encrypted"
    assert result.frame_type == 100


def test_tiny_frame_needs_the_network_to_name_its_device() -> None:
    part = f.tiny_parts()[0]
    result = _processor().process(1, Arrival(part, "test"))
    assert result.status == "error"
    assert "names no device" in str(result.error)


def test_tiny_frame_of_an_aliased_device_is_read_with_its_table() -> None:
    directory = Directory(
        {f.SERIAL: DeviceSettings(f.SERIAL, tiny_table=6)},
        {"lorawan:70B3D57ED0001234": f.SERIAL},
    )
    part = f.tiny_parts(sequence=7)[0]
    result = _processor(directory).process(
        1, Arrival(part, "lorawan", device="lorawan:70B3D57ED0001234", counter=11)
    )
    assert result.status == "ok"
    assert result.serial == f.SERIAL
    assert result.tiny is not None
    assert (result.tiny.serial, result.tiny.sequence, result.tiny.counter) == (f.SERIAL, 7, 11)
    assert result.tiny.sensors == tuple(r[2] for r in result.readings)


def test_tiny_frame_of_an_unknown_device_is_stored_under_its_network_id() -> None:
    part = f.tiny_parts()[0]
    result = _processor().process(1, Arrival(part, "sigfox", device="sigfox:1A2B3C"))
    assert result.status == "ok"
    assert result.serial == "1A2B3C"


def test_a_problem_found_by_the_adapter_is_the_error() -> None:
    result = _processor().process(1, Arrival(b"zz", "http", problem="not a hex frame: 'z'"))
    assert (result.status, result.error) == ("error", "not a hex frame: 'z'")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<=>\x06\x05", "binary frame header needs at least 15 bytes, got 5 (at byte 5)"),
        (b"\x01\x02\x03", "not a frame: no '<=>' delimiter and not a tiny frame (at byte 0)"),
        (b"<=>\x09\x00" + bytes(20), "frame type 9 is not a binary v15 frame type (at byte 3)"),
        (b"<=>\x06\x30" + bytes(20), "length byte says 48 bytes follow, only 20 do (at byte 4)"),
    ],
)
def test_garbage_is_an_error_naming_the_place(data: bytes, message: str) -> None:
    result = _processor().process(1, Arrival(data, "tcp"))
    assert (result.status, result.error) == ("error", message)


@given(st.binary(max_size=300))
def test_no_bytes_make_processing_raise(data: bytes) -> None:
    for kind in Format:
        result = _processor(mesh=True).process(1, Arrival(data, "fuzz", kind))
        assert result.status in ("ok", "error", "duplicate", "encrypted", "ignored")


def test_mesh_packet_is_opened_and_its_ncd_message_decoded() -> None:
    packet = f.mesh_packet(f.ncd_payload(temperature=23.25, humidity=45.5, counter=3))
    processor = _processor(mesh=True)
    result = processor.process(1, Arrival(packet, "udp", Format.NCD_MESH))
    assert result.status == "ok", result.error
    assert result.serial == f.NCD_SOURCE.hex().upper()
    assert (result.frame_type, result.sequence) == (1, 3)
    assert _row(result, "temperature")[4] == pytest.approx(23.25)
    assert _row(result, "humidity")[4] == pytest.approx(45.5)
    assert _row(result, "battery")[4:8:3] == (3.22, "V")
    repeated = processor.process(2, Arrival(packet, "udp", Format.NCD_MESH))
    assert repeated.status == "duplicate"


def test_mesh_packet_carrying_a_waspmote_frame() -> None:
    packet = f.mesh_packet(f.binary(12))
    result = _processor(mesh=True).process(1, Arrival(packet, "udp", Format.NCD_MESH))
    assert result.status == "ok"
    assert result.serial == f.SERIAL


def test_mesh_packets_not_for_the_gateway_are_ignored_and_forgeries_refused() -> None:
    processor = _processor(mesh=True)
    foreign = f.mesh_packet(f.ncd_payload(), network_id=0x1234)
    assert processor.process(1, Arrival(foreign, "udp", Format.NCD_MESH)).status == "ignored"
    packet = bytearray(f.mesh_packet(f.ncd_payload(counter=9)))
    packet[-1] ^= 0xFF
    forged = processor.process(2, Arrival(bytes(packet), "udp", Format.NCD_MESH))
    assert forged.status == "error"
    assert "tag" in str(forged.error)


def test_api_frame_from_a_local_module_is_read_directly() -> None:
    frame = f.api_receive(f.ncd_payload(counter=5))
    result = _processor().process(1, Arrival(frame, "serial", Format.NCD_API))
    assert result.status == "ok"
    assert result.serial == f.NCD_SOURCE.hex().upper()
    assert result.sequence == 5
