"""Binary frames: golden vectors per value kind, round trips and every kind of bad input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcs.frames import (
    BadDelimiter,
    BadText,
    FrameEncodeError,
    FrameError,
    FrameKind,
    TrailingData,
    TruncatedFrame,
    UnknownFrameType,
    UnknownSensor,
    decode_binary,
    encode_binary,
    encode_binary_field,
    make_field,
)
from tests.strategies import encode_or_skip, fields_of, node_names, sequences, serials, tables
from tests.vectors import FIELDS_V15, FRAME_AGR_XTR, FRAME_V15, FRAME_WTR_XTR, SERIAL, unhex


@pytest.mark.parametrize(("tag", "values", "field_hex"), FIELDS_V15)
def test_each_value_kind_encodes_to_its_golden_bytes(
    tag: str, values: tuple[object, ...], field_hex: str
) -> None:
    assert encode_binary_field(make_field(tag, *values)) == unhex(field_hex)


def test_golden_frame_decodes_to_its_values() -> None:
    frame = decode_binary(unhex(FRAME_V15))
    assert frame.kind is FrameKind.BINARY
    assert (frame.frame_type, frame.serial, frame.node_name, frame.sequence) == (
        6,
        SERIAL,
        "node01",
        5,
    )
    assert [(f.tag, f.values) for f in frame.fields] == [
        (tag, values) for tag, values, _ in FIELDS_V15
    ]
    assert frame.field("MB_IR") is not None
    assert frame.fields[1].name == "Temperature"
    assert frame.fields[1].unit == "°C"


def test_golden_frame_is_what_the_encoder_writes() -> None:
    fields = [make_field(tag, *values) for tag, values, _ in FIELDS_V15]
    frame = encode_binary(serial=SERIAL, node_name="node01", sequence=5, fields=fields)
    assert frame == unhex(FRAME_V15)


def test_pcs_guide_modbus_field() -> None:
    # ERRATA: the guide's B7 11 00 92 11 15 01 has a typo; little-endian gives 92 01.
    frame = decode_binary(unhex("3C3D3E06110102030405060708" + "23" + "00" + "B7110092011501"))
    (field,) = frame.fields
    assert field.tag == "MB_IR"
    assert field.values == (0x0011, 0x0192, 0x0115)
    assert field.values[0] & 0xFF == 0x11  # the slave address
    assert field.values[0] >> 8 == 0x00  # the start register


def test_xtreme_tables_follow_the_frame_type() -> None:
    agr = decode_binary(unhex(FRAME_AGR_XTR))
    assert (agr.frame_type, agr.sensor_table, agr.node_name, agr.sequence) == (7, 7, "", 255)
    assert [(f.tag, f.values) for f in agr.fields] == [
        ("TC_A", (18.5,)),
        ("LW", (12.5,)),
        ("WD", (270,)),
    ]
    wtr = decode_binary(unhex(FRAME_WTR_XTR))
    assert [(f.tag, f.id, f.values) for f in wtr.fields] == [("EM_BGA", 238, (2.0,))]
    assert wtr.serial == "A1A2A3A4A5A6A7A8"


def test_timestamp_goes_first() -> None:
    fields = [make_field("BAT", 50), make_field("TST", 1), make_field("TC", 1.0)]
    frame = decode_binary(encode_binary(serial=SERIAL, fields=fields))
    assert [f.tag for f in frame.fields] == ["TST", "BAT", "TC"]


def test_empty_frame_has_a_fifteen_byte_header() -> None:
    raw = encode_binary(serial=SERIAL, fields=[])
    assert raw == unhex("3C3D3E060A0123456789ABCDEF2300")
    assert decode_binary(raw).fields == ()


@given(
    table=tables,
    serial=serials,
    name=node_names,
    sequence=sequences,
    data=st.data(),
)
def test_round_trip(table: int, serial: str, name: str, sequence: int, data: st.DataObject) -> None:
    fields = data.draw(fields_of(table))
    raw = encode_or_skip(
        encode_binary,
        serial=serial,
        node_name=name,
        sequence=sequence,
        fields=fields,
        frame_type=table,
    )
    frame = decode_binary(raw)
    expected = sorted(fields, key=lambda f: f.tag != "TST")
    assert (frame.serial, frame.node_name, frame.sequence, frame.sensor_table) == (
        serial,
        name,
        sequence,
        table,
    )
    assert [f.sensor for f in frame.fields] == [f.sensor for f in expected]
    assert [f.values for f in frame.fields] == [f.values for f in expected]
    assert raw[4] == len(raw) - 5


@pytest.mark.parametrize(
    ("raw", "error", "offset"),
    [
        ("3C3D3E06", TruncatedFrame, 4),
        ("3C3D3F060A0123456789ABCDEF2300", BadDelimiter, 0),
        ("3C3D3E090A0123456789ABCDEF2300", UnknownFrameType, 3),
        ("3C3D3E060B0123456789ABCDEF2300", TruncatedFrame, 4),  # length byte one too big
        ("3C3D3E06090123456789ABCDEF2300", TrailingData, 14),  # length byte one too small
        ("3C3D3E060C0123456789ABCDEF23001601", UnknownSensor, 15),  # id 22 is reserved
        ("3C3D3E060D0123456789ABCDEF2300343716", UnknownSensor, 17),  # BAT 55, then id 22
        ("3C3D3E060D0123456789ABCDEF23004A0000", TruncatedFrame, 15),  # float cut short
        ("3C3D3E060E0123456789ABCDEF23004102C341", BadText, 17),  # non-ASCII string byte
        ("3C3D3E060E0123456789ABCDEF2300410261" + "00", BadText, 18),  # NUL in a string
        ("3C3D3E060D0123456789ABCDEF2300410541", TruncatedFrame, 15),  # string longer than frame
        ("3C3D3E060B0123456789ABCDEF2300" + "41", TruncatedFrame, 15),  # no length byte
        ("3C3D3E061B0123456789ABCDEF" + "41" * 17 + "2300", BadDelimiter, 13),  # name > 16
        ("3C3D3E060B0123456789ABCDEF0A2300", BadText, 13),  # control character in name
        ("3C3D3E060A0123456789ABCDEF4141", TruncatedFrame, 15),  # frame ends inside the name
    ],
)
def test_bad_input_names_the_offset(raw: str, error: type[FrameError], offset: int) -> None:
    with pytest.raises(error) as caught:
        decode_binary(unhex(raw))
    assert caught.value.offset == offset
    assert f"(at byte {offset})" in str(caught.value)


def test_every_truncation_is_a_frame_error() -> None:
    raw = unhex(FRAME_V15)
    for cut in range(len(raw)):
        with pytest.raises(FrameError):
            decode_binary(raw[:cut])
    with pytest.raises(TrailingData):
        decode_binary(raw + b"\x00")


@pytest.mark.parametrize(
    ("kwargs", "path", "message"),
    [
        ({"serial": "0123"}, "serial", "16 hex digits"),
        ({"serial": "0123456789ABCDEG"}, "serial", "not hexadecimal"),
        ({"node_name": "x" * 17}, "node_name", "max 16"),
        ({"node_name": "a b"}, "node_name", "spaces"),
        ({"node_name": "a#b"}, "node_name", "'#'"),
        ({"node_name": "nodé"}, "node_name", "ASCII"),
        ({"sequence": 256}, "sequence", "0..255"),
        ({"frame_type": 9}, "frame_type", "not a binary"),
        ({"fields": [make_field("BAT", 1)] * 31}, "fields", "at most 30"),
        ({"fields": [make_field("PM_BIN", *[1] * 24)] * 6}, "fields", "more than 255"),
        ({"fields": [make_field("TC_A", 1.0, table=7)]}, "fields[0]", "not in sensor table 6"),
    ],
)
def test_encoder_refuses_what_the_node_cannot_send(
    kwargs: dict[str, object], path: str, message: str
) -> None:
    arguments: dict[str, object] = {"serial": SERIAL, "fields": []} | kwargs
    with pytest.raises(FrameEncodeError) as caught:
        encode_binary(**arguments)  # type: ignore[arg-type]
    assert caught.value.path == path
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("key", "values", "message"),
    [
        ("BAT", (256,), "outside 0..255"),
        ("BAT", (-1,), "outside 0..255"),
        ("RSSI", (40000,), "outside -32768..32767"),
        ("TST", (2**32,), "outside 0..4294967295"),
        ("GPS", (1.0,), "takes 2 values, got 1"),
        ("TC", ("hot",), "takes a number"),
        ("TC", (1e39,), "does not fit a 32-bit float"),
        ("BAT", (True,), "whole numbers"),
        ("BAT", (1.5,), "whole numbers"),
        ("STR", ("né",), "ASCII"),
        ("STR", ("x" * 256,), "max 255"),
        ("STR", ("a\x00b",), "cannot hold NUL"),
        ("STR", (5,), "takes text"),
        ("TIME", (1, 2, 3, 20), "GMT offset"),
        ("NOPE", (1,), "unknown sensor 'NOPE'"),
        (500, (1,), "sensor id 500 is not in table 6"),
    ],
)
def test_make_field_checks_values(key: str | int, values: tuple[object, ...], message: str) -> None:
    with pytest.raises(FrameEncodeError, match=message):
        make_field(key, *values)


def test_ambiguous_tag_needs_an_id() -> None:
    with pytest.raises(FrameEncodeError, match="names ids 105, 206"):
        make_field("TC7_A", 1.0, table=7)
    assert make_field(206, 1.0, table=7).sensor.name.endswith("(5TM), socket A")
    assert make_field("AGRX_5TM_TC7_A", 1.0, table=7).id == 206


def test_time_with_gmt_offset_drops_the_offset_in_binary() -> None:
    field = make_field("TIME", 10, 20, 30, -3)
    assert field.values == (10, 20, 30, -3)
    assert encode_binary_field(field) == unhex("3B0A141E")
