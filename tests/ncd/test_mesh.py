"""The mesh layer: the spec's hash vector and receiver output, forged/altered/replayed packets,
the counters, repeaters, settings, and the secure profile that closes the replay gap."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from openpcs.ncd.ack import DACK, ack_frame, mesh_ack, parse_ack
from openpcs.ncd.api import BROADCAST, TransmitRequest, wrap
from openpcs.ncd.errors import MeshPacketError
from openpcs.ncd.mesh import (
    LinkSettings,
    MeshReceiver,
    MeshTransmitter,
    Outcome,
    Repeater,
    hash_key,
    hash_text,
    inspect_packet,
    parse_hex_bytes,
    parse_network_id,
)

H = bytes.fromhex
KEY = H("55AA" * 8)
SOURCE = H("0013A20041334712")
GATEWAY = H("0013A20041996FF7")
DATA_API = H("7E001F10010013A20041996FF7FFFE00007F000103FF01001800FFF10000FFF1000081")
RECEIVED = H("7E001F10010013A20041334712FFFE00007F000103FF01001800FFF10000FFF10000F4")


def _settings(address: bytes = GATEWAY, **changes: object) -> LinkSettings:
    values: dict[str, object] = {"key": KEY, "network_id": 0x7FFF, "mode": "mesh"} | changes
    return LinkSettings(address=address, **values)  # type: ignore[arg-type]


def _node(**changes: object) -> MeshTransmitter:
    return MeshTransmitter(_settings(SOURCE, **changes))


def _frame(counter: int, destination: bytes = GATEWAY) -> bytes:
    payload = H("7F000103FF") + bytes([counter % 256]) + H("001800FFF10000FFF10000")
    return wrap(TransmitRequest(frame_id=1, address=destination, payload=payload).data())


def test_the_spec_hash_vector() -> None:
    plaintext = H("7FFF") + SOURCE + DATA_API
    assert hash_text(KEY + plaintext).startswith(b"55 AA 55 AA")
    assert hash_key(KEY, plaintext).hex() == "68a3eb2efe2dfce18658cb47a7892bc7"


def test_tx_is_hash_then_ctr_ciphertext() -> None:
    packet = _node().seal(DATA_API)
    assert packet[:16].hex() == "68a3eb2efe2dfce18658cb47a7892bc7"
    assert len(packet) == 16 + 2 + 8 + len(DATA_API)  # CTR: no padding


def test_the_spec_receiver_side_output_byte_for_byte() -> None:
    receiver = MeshReceiver(_settings())
    result = receiver.receive(_node().seal(DATA_API))
    assert result.outcome is Outcome.DELIVERED
    assert result.api_frame == RECEIVED
    assert result.api_frame is not None
    assert result.api_frame[-1] == 0xF4
    assert result.source == SOURCE


def test_forged_altered_and_replayed_packets_are_rejected_and_counted() -> None:
    receiver = MeshReceiver(_settings())
    packet = _node().seal(DATA_API)
    forged = _node(key=H("00" * 16)).seal(DATA_API)  # made without our key
    altered = bytearray(packet)
    altered[-5] ^= 0x01  # one ciphertext bit
    retagged = bytearray(packet)
    retagged[0] ^= 0x80  # one tag bit
    assert receiver.receive(forged).outcome is Outcome.FORGED
    assert receiver.receive(bytes(altered)).outcome is Outcome.FORGED
    assert receiver.receive(bytes(retagged)).outcome is Outcome.FORGED
    assert receiver.receive(packet).outcome is Outcome.DELIVERED
    assert receiver.receive(packet).outcome is Outcome.DUPLICATE
    assert dict(receiver.counters) == {
        Outcome.FORGED: 3,
        Outcome.DELIVERED: 1,
        Outcome.DUPLICATE: 1,
    }


def test_forgeries_do_not_enter_the_ring() -> None:
    receiver = MeshReceiver(_settings(), ring_size=2)
    packet = _node().seal(DATA_API)
    assert receiver.receive(packet).outcome is Outcome.DELIVERED
    for index in range(5):
        receiver.receive(bytes([index]) * 60)
    assert receiver.receive(packet).outcome is Outcome.DUPLICATE


def test_foreign_network_not_for_us_broadcast_and_malformed() -> None:
    receiver = MeshReceiver(_settings())
    other_net = _node(network_id=0x1234).seal(DATA_API)
    # same key, other network: authenticated, then refused by network ID
    assert receiver.receive(other_net).outcome is Outcome.FOREIGN_NETWORK
    elsewhere = _node().seal(_frame(2, destination=H("0013A20000000001")))
    assert receiver.receive(elsewhere).outcome is Outcome.NOT_FOR_US
    broadcast = _node().seal(_frame(3, destination=BROADCAST))
    assert receiver.receive(broadcast).outcome is Outcome.DELIVERED
    assert receiver.receive(b"short").outcome is Outcome.MALFORMED
    bad_api = _node().profile.seal(0x7FFF, SOURCE, H("7E0003100102FF"))  # bad checksum inside
    result = receiver.receive(bad_api)
    assert (result.outcome, "checksum" in result.reason) == (Outcome.MALFORMED, True)
    assert receiver.counters[Outcome.FOREIGN_NETWORK] == 1
    assert receiver.counters[Outcome.NOT_FOR_US] == 1


def test_the_plain_ring_lets_an_old_packet_be_replayed() -> None:
    """The gap: after 255 other packets the ring has forgotten the first one."""
    receiver = MeshReceiver(_settings())
    sender = _node()
    first = sender.seal(_frame(0))
    assert receiver.receive(first).outcome is Outcome.DELIVERED
    for counter in range(1, 256):  # 255 other readings, all distinct
        assert receiver.receive(sender.seal(_frame(counter))).outcome is Outcome.DELIVERED
    assert receiver.receive(first).outcome is Outcome.DELIVERED  # replayed and accepted


def test_the_secure_profile_rejects_the_same_replay() -> None:
    receiver = MeshReceiver(_settings(profile="secure"))
    sender = _node(profile="secure")
    first = sender.seal(_frame(0))
    assert receiver.receive(first).outcome is Outcome.DELIVERED
    for counter in range(1, 300):
        assert receiver.receive(sender.seal(_frame(counter))).outcome is Outcome.DELIVERED
    result = receiver.receive(first)
    assert result.outcome is Outcome.REPLAYED
    assert receiver.counters[Outcome.REPLAYED] == 1
    # identical content still gets a fresh tag: the counter is inside
    assert sender.seal(_frame(1))[:16] != sender.seal(_frame(1))[:16]


def test_secure_profile_forgeries_and_counter_restore() -> None:
    receiver = MeshReceiver(_settings(profile="secure"))
    assert receiver.receive(_node().seal(DATA_API)).outcome is Outcome.FORGED  # spec packet
    sender = _node(profile="secure")
    sender.profile.set_counter(SOURCE, 1000)  # type: ignore[attr-defined]
    assert inspect_packet(_settings(profile="secure"), sender.seal(DATA_API))["counter"] == 1000
    with pytest.raises(ValueError, match="frame counter"):
        sender.profile.set_counter(SOURCE, 0)  # type: ignore[attr-defined]


def test_a_repeater_relays_once_and_delivers_its_own() -> None:
    repeater = Repeater(_settings(H("0013A200AAAAAAAA")))
    packet = _node().seal(DATA_API)  # to the gateway, not to the repeater
    assert repeater.handle(packet).rebroadcast == packet
    assert repeater.handle(packet).rebroadcast is None
    mine = _node().seal(_frame(9, destination=H("0013A200AAAAAAAA")))
    action = repeater.handle(mine)
    assert (action.rebroadcast, action.result.outcome) == (None, Outcome.DELIVERED)
    assert repeater.rebroadcasts == 1


def test_two_repeaters_cannot_ping_pong_a_packet() -> None:
    first = Repeater(_settings(H("0013A200AAAAAAA1")))
    second = Repeater(_settings(H("0013A200AAAAAAA2")))
    in_flight = [(first, _node().seal(DATA_API))]
    transmissions = 0
    while in_flight:
        station, packet = in_flight.pop()
        action = station.handle(packet)
        if action.rebroadcast is not None:
            transmissions += 1
            other = second if station is first else first
            in_flight.append((other, action.rebroadcast))
        assert transmissions < 10
    assert (first.rebroadcasts, second.rebroadcasts) == (1, 1)


def test_acks_standard_and_mesh() -> None:
    standard = ack_frame(1, H("0013200041234683"))
    assert standard == H("7E00151001001320004123468 3FFFE00007B0D41434B00003A".replace(" ", ""))
    ack = parse_ack(standard)
    assert (ack.frame_id, ack.address) == (1, H("0013200041234683"))
    gateway = MeshTransmitter(_settings())
    over_air = mesh_ack(gateway, 1, SOURCE)
    node_receiver = MeshReceiver(_settings(SOURCE))
    result = node_receiver.receive(over_air)
    assert result.outcome is Outcome.DELIVERED
    assert result.api_frame is not None
    assert parse_ack(result.api_frame).address == GATEWAY  # reads as a standard ACK
    with pytest.raises(ValueError, match="DACK"):
        parse_ack(DATA_API)
    assert H("7B0D41434B0000") == DACK


def test_link_settings() -> None:
    settings = LinkSettings()
    assert (settings.mode, settings.profile, settings.network_id) == ("standard", "spec", 0x7FFF)
    assert settings.key == KEY
    parsed = LinkSettings(key="55 AA " * 8, network_id="0x7BCD", address="00:13:A2:00:41:33:47:12")
    assert (parsed.network_id, parsed.address) == (0x7BCD, SOURCE)
    assert parsed.model_dump()["network_id"] == "7BCD"
    for bad in (
        {"key": "55AA"},
        {"network_id": 70000},
        {"address": "zz"},
        {"mode": "flood"},
        {"colour": 1},
    ):
        with pytest.raises(ValidationError):
            LinkSettings(**bad)  # type: ignore[arg-type]


def test_inspect_a_packet() -> None:
    report = inspect_packet(LinkSettings(key=KEY, mode="mesh"), _node().seal(DATA_API))
    assert report["verified"] is True
    assert report["delivered_frame"] == RECEIVED.hex().upper()
    assert (
        inspect_packet(LinkSettings(key=H("00" * 16)), _node().seal(DATA_API))["outcome"]
        == "forged"
    )


@given(st.binary(max_size=120), st.sampled_from(["spec", "secure"]))
def test_random_packets_never_raise(packet: bytes, profile: str) -> None:
    receiver = MeshReceiver(_settings(profile=profile))
    assert receiver.receive(packet).outcome in (Outcome.MALFORMED, Outcome.FORGED)


@given(st.binary(min_size=0, max_size=60), st.sampled_from(["spec", "secure"]))
def test_round_trip_any_payload(payload: bytes, profile: str) -> None:
    frame = wrap(TransmitRequest(frame_id=7, address=GATEWAY, payload=payload).data())
    result = MeshReceiver(_settings(profile=profile)).receive(_node(profile=profile).seal(frame))
    assert result.outcome is Outcome.DELIVERED
    assert result.api_frame is not None
    assert result.api_frame[5:13] == SOURCE
    assert result.api_frame[17:-1] == payload


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ("7E0000", "an API frame is at least 4 bytes, got 3"),
        ("7E000000", "length is 0"),
        ("7E0003100102FF", "checksum is 0xFF"),
        ("0013A200", "frame starts with 0x00, not 0x7E"),
    ],
)
def test_only_valid_api_frames_are_sealed(frame: str, message: str) -> None:
    with pytest.raises(MeshPacketError, match=f"not a valid API frame: {message}"):
        _node().seal(H(frame))


def test_a_sealed_frame_of_another_type_is_malformed_but_keeps_its_source() -> None:
    at_command = wrap(H("08014E49"))
    result = MeshReceiver(_settings()).receive(_node().seal(at_command))
    assert (result.outcome, result.source) == (Outcome.MALFORMED, SOURCE)
    assert result.reason == "frame type 0x08 is not 0x10"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("zz", "is not hexadecimal"),
        ("0013A2004133471", "odd number of hex digits .15."),
        ("0013A2", "must be 8 bytes .16 hex digits., got 3"),
        ("0x0013A20041334712", "is not hexadecimal"),
    ],
)
def test_hex_text_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_hex_bytes(text, 8)


def test_network_ids_are_one_to_four_hex_digits() -> None:
    assert [parse_network_id(t) for t in ("7FFF", "0x7fff", "1", "0X00ab")] == [
        0x7FFF,
        0x7FFF,
        1,
        0xAB,
    ]
    for bad in (" 7F", "+7F", "7_F", "12345", "", "0x"):
        with pytest.raises(ValueError, match="is not a network ID"):
            parse_network_id(bad)
    for bad_value in (True, 1.5, -1, 0x10000):
        with pytest.raises(ValueError, match="the network ID is 2 bytes"):
            parse_network_id(bad_value)
