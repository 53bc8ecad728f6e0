"""API frames: the spec's vectors, the XBee frames, escaping, errors with offsets, round trips."""

from __future__ import annotations

import contextlib
import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcs.ncd.api import (
    BROADCAST,
    AtCommand,
    AtCommandResponse,
    ReceivePacket,
    TransmitRequest,
    TransmitStatus,
    UnknownFrame,
    checksum,
    encode_api_frame,
    escape,
    parse_api_frame,
    unescape,
)
from openpcs.ncd.envelope import byte_sum
from openpcs.ncd.errors import (
    ApiFrameError,
    BadChecksum,
    BadDelimiter,
    BadLength,
    TruncatedApiFrame,
)

H = bytes.fromhex
SPEC_DATA = H("7E001F10010013A20041996FF7FFFE00007F000103FF01001800FFF10000FFF1000081")
SPEC_RECEIVED = H("7E001F10010013A20041334712FFFE00007F000103FF01001800FFF10000FFF10000F4")
SPEC_PAYLOAD = H("7F000103FF01001800FFF10000FFF10000")
ACK_AS_PRINTED = H("7E00151001001320004123468 3FFFE00007B0D41434B000071".replace(" ", ""))


def test_the_spec_data_api_frame() -> None:
    frame = parse_api_frame(SPEC_DATA)
    assert frame == TransmitRequest(frame_id=1, address=H("0013A20041996FF7"), payload=SPEC_PAYLOAD)
    assert (frame.rssi, frame.radius, frame.snr) == (0xFFFE, 0, 0)
    assert encode_api_frame(frame) == SPEC_DATA
    assert SPEC_DATA[1:3] == H("001F")
    assert checksum(SPEC_DATA[3:-1]) == 0x81


def test_the_spec_receiver_side_frame() -> None:
    frame = parse_api_frame(SPEC_RECEIVED)
    assert isinstance(frame, TransmitRequest)
    assert frame.address == H("0013A20041334712")
    assert SPEC_RECEIVED[-1] == 0xF4


def test_the_spec_ack_has_the_right_length_and_checksum_0x3a() -> None:
    assert ACK_AS_PRINTED[1:3] == H("0015")
    with pytest.raises(BadChecksum, match="the frame data give 0x3A") as caught:
        parse_api_frame(ACK_AS_PRINTED)
    assert caught.value.offset == len(ACK_AS_PRINTED) - 1
    fixed = ACK_AS_PRINTED[:-1] + b"\x3a"
    frame = parse_api_frame(fixed)
    assert isinstance(frame, TransmitRequest)
    assert (frame.frame_id, frame.address, frame.payload) == (
        1,
        H("0013200041234683"),
        H("7B0D41434B0000"),
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # NCD "read node id" command, broadcast, frame id 0 (NCD RS-485 manual)
        (
            "7E00131000000000000000FFFFFFFE0000F715000000E8",
            TransmitRequest(frame_id=0, address=BROADCAST, rssi=0xFFFE, payload=H("F715000000")),
        ),
        # the older NCD command format in API mode (checksum 0xF9)
        (
            "7E00131000000000000000FFFFFFFE0000F7010000 03F9".replace(" ", ""),
            TransmitRequest(frame_id=0, address=BROADCAST, payload=H("F701000003")),
        ),
        # Digi's AT command response example: NI, status OK
        ("7E000588014E4900DF", AtCommandResponse(frame_id=1, command="NI", status=0)),
        # a 0x90 receive packet carrying the spec's payload, options C2 (DigiMesh, broadcast)
        (
            "7E001D900013A20041334712FFFEC27F000103FF01001800FFF10000FFF10000" + "B3",
            ReceivePacket(source=H("0013A20041334712"), options=0xC2, data_bytes=SPEC_PAYLOAD),
        ),
        # 0x8B transmit status: frame 1, FFFE, no retries, success, no discovery
        ("7E00078B01FFFE00000076", TransmitStatus(frame_id=1)),
        # 0x8B with a network ACK failure after 2 retries
        ("7E00078B05FFFE0221004F", TransmitStatus(frame_id=5, retries=2, delivery=0x21)),
        # 0x08 AT command: query DB (last-hop RSSI)
        ("7E000408014442 70".replace(" ", ""), AtCommand(frame_id=1, command="DB")),
        # 0x08 AT command with a parameter: set NI to "GW"
        ("7E000608024E494757C0", AtCommand(frame_id=2, command="NI", parameter=b"GW")),
    ],
)
def test_golden_frames(raw: str, expected: object) -> None:
    data = H(raw)
    assert parse_api_frame(data) == expected
    assert encode_api_frame(expected) == data  # type: ignore[arg-type]


def test_frames_describe_themselves() -> None:
    status = parse_api_frame(H("7E00078B05FFFE0221004F"))
    assert isinstance(status, TransmitStatus)
    assert not status.delivered
    assert status.to_dict()["delivery_text"] == "network ACK failure"
    packet = parse_api_frame(
        H("7E001D900013A20041334712FFFEC27F000103FF01001800FFF10000FFF10000B3")
    )
    assert packet.to_dict()["broadcast"] is True


def test_unknown_frame_types_are_kept_raw() -> None:
    frame = parse_api_frame(H("7E00028A0075"))  # modem status: coordinator started
    assert frame == UnknownFrame(0x8A, H("00"))


def test_api_mode_2_escaping() -> None:
    assert escape(H("7E00022311CB")) == H("7E0002237D31CB")  # Digi's example
    assert unescape(H("7E0002237D31CB")) == H("7E00022311CB")
    escaped = encode_api_frame(parse_api_frame(SPEC_DATA), escaped=True)
    assert H("007D33A2") in escaped  # the 13 of the OUI 00 13 A2
    assert parse_api_frame(escaped, escaped=True) == parse_api_frame(SPEC_DATA)


@pytest.mark.parametrize(
    ("raw", "error", "offset"),
    [
        ("7E00", TruncatedApiFrame, 2),
        ("7F001F10", BadDelimiter, 0),
        ("7E000010FF", BadLength, 1),
        ("7E0000FF", BadLength, 1),  # length 0, and nothing after the checksum either
        ("7E001F10010013A200", TruncatedApiFrame, 1),
        ("7E000588014E4900DF00", BadLength, 9),
        ("7E000588014E4900DE", BadChecksum, 8),
        ("7E00031001EE", TruncatedApiFrame, 1),
        ("7E0003100102EC", BadLength, 3),  # a 0x10 frame needs 14 bytes of frame data
        ("7E00028B0173", BadLength, 3),
        ("7E0004080100FFF7", ApiFrameError, 5),  # the AT command is not ASCII
    ],
)
def test_bad_frames_name_the_offset(raw: str, error: type[ApiFrameError], offset: int) -> None:
    with pytest.raises(error) as caught:
        parse_api_frame(H(raw))
    assert caught.value.offset == offset


def test_a_trailing_escape_byte() -> None:
    with pytest.raises(TruncatedApiFrame):
        parse_api_frame(H("7E0002237D"), escaped=True)


def test_builders_refuse_out_of_range_fields() -> None:
    with pytest.raises(ValueError, match="address is 8 bytes"):
        TransmitRequest(frame_id=1, address=b"\x00")
    with pytest.raises(ValueError, match="frame_id"):
        TransmitRequest(frame_id=256, address=BROADCAST)
    with pytest.raises(ValueError, match="two printable ASCII"):
        AtCommand(frame_id=1, command="N")


addresses = st.binary(min_size=8, max_size=8)
byte = st.integers(0, 255)
frames = st.one_of(
    st.builds(
        TransmitRequest,
        frame_id=byte,
        address=addresses,
        payload=st.binary(max_size=80),
        rssi=st.integers(0, 0xFFFF),
        radius=byte,
        snr=byte,
    ),
    st.builds(ReceivePacket, source=addresses, data_bytes=st.binary(max_size=80), options=byte),
    st.builds(
        TransmitStatus,
        frame_id=byte,
        delivery=byte,
        retries=byte,
        discovery=byte,
        address16=st.integers(0, 0xFFFF),
    ),
    st.builds(
        AtCommand,
        frame_id=byte,
        command=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
        parameter=st.binary(max_size=20),
    ),
    st.builds(
        AtCommandResponse,
        frame_id=byte,
        command=st.just("DB"),
        status=byte,
        value=st.binary(max_size=20),
    ),
)


@given(frames, st.booleans())
def test_round_trip(frame: object, escaped: bool) -> None:
    raw = encode_api_frame(frame, escaped=escaped)  # type: ignore[arg-type]
    parsed = parse_api_frame(raw, escaped=escaped)
    assert parsed == frame
    assert hash(parsed) == hash(frame)
    assert repr(parsed) == repr(frame)


def test_parsed_frames_stay_frozen() -> None:
    parsed = parse_api_frame(SPEC_DATA)
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.frame_id = 2  # type: ignore[misc]


@given(st.binary(max_size=120), st.booleans())
def test_random_bytes_raise_only_api_frame_errors(raw: bytes, escaped: bool) -> None:
    with contextlib.suppress(ApiFrameError):
        parse_api_frame(raw, escaped=escaped)


@given(st.binary(max_size=60), st.booleans())
def test_well_started_random_frames(body: bytes, escaped: bool) -> None:
    raw = b"\x7e" + len(body).to_bytes(2, "big") + body + bytes([checksum(body)])
    with contextlib.suppress(ApiFrameError):
        parse_api_frame(escape(raw) if escaped else raw, escaped=escaped)


@given(st.binary(max_size=600), st.sampled_from([0x00, 0x7F, 0xFF]), st.integers(0, 600))
def test_the_byte_sum_is_the_sum_on_both_sides_of_its_shortcut(
    data: bytes, fill: int, size: int
) -> None:
    for sample in (data, bytes([fill]) * size):
        assert byte_sum(sample) == sum(sample)
        assert byte_sum(bytearray(sample)) == byte_sum(memoryview(sample)) == sum(sample)
        assert byte_sum(memoryview(sample)[::2]) == sum(sample[::2])  # a view with strides
        whole = sample[: len(sample) // 8 * 8]
        assert byte_sum(memoryview(whole).cast("Q")) == sum(whole)  # items of 8 bytes


@pytest.mark.parametrize("size", [255, 256, 257, 258, 300])
@pytest.mark.parametrize("fill", [0x00, 0xFF])
def test_a_wrong_checksum_is_found_at_every_length(size: int, fill: int) -> None:
    """All 0xFF bytes is the largest sum a length can have: the shortcut must not wrap."""
    data = bytes([0x10]) + bytes([fill]) * (size - 1)
    right = 0xFF - sum(data) % 256  # the spec's rule, written out
    assert checksum(data) == right
    raw = b"\x7e" + size.to_bytes(2, "big") + data + bytes([right])
    assert parse_api_frame(raw).FRAME_TYPE == 0x10
    for wrong in (1, 0x80, 0xFF):
        bad = raw[:-1] + bytes([(raw[-1] + wrong) & 0xFF])
        with pytest.raises(BadChecksum) as caught:
            parse_api_frame(bad)
        assert caught.value.offset == len(raw) - 1


def test_at_command_builders_and_parser_share_one_rule() -> None:
    for command in ("A ", "\x01A", "é1", "ABC"):
        with pytest.raises(ValueError, match="two printable ASCII"):
            AtCommand(frame_id=1, command=command)
        with pytest.raises(ValueError, match="two printable ASCII"):
            AtCommandResponse(frame_id=1, command=command)
    for frame in (AtCommand(2, "NI", b"node"), AtCommandResponse(3, "%V", 0, H("0CE4"))):
        assert parse_api_frame(encode_api_frame(frame)) == frame


@pytest.mark.parametrize(
    ("raw", "offset"),
    [
        ("7E00027E23DD", 3),  # an unescaped 0x7E inside the frame
        ("7E00027D7E23DD", 4),  # 0x7D cannot escape the next frame's delimiter
    ],
)
def test_mode_2_frames_cannot_contain_a_delimiter(raw: str, offset: int) -> None:
    with pytest.raises(BadDelimiter) as caught:
        parse_api_frame(H(raw), escaped=True)
    assert caught.value.offset == offset
