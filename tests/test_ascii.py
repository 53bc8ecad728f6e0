"""ASCII frames: golden vector, decimals from the table, round trips and bad input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcs.catalog import ValueType
from openpcs.frames import (
    BadDelimiter,
    BadLength,
    BadText,
    BadValue,
    Field,
    FrameEncodeError,
    FrameError,
    FrameKind,
    TrailingData,
    TruncatedFrame,
    UnknownFrameType,
    UnknownSensor,
    decode_ascii,
    encode_ascii,
    make_field,
)
from tests.strategies import encode_or_skip, fields_of, node_names, sequences, serials, tables
from tests.vectors import FRAME_ASCII, SERIAL


def test_golden_ascii_frame_decodes() -> None:
    frame = decode_ascii(FRAME_ASCII)
    assert frame.kind is FrameKind.ASCII
    assert (
        frame.frame_type,
        frame.sensor_table,
        frame.serial,
        frame.node_name,
        frame.sequence,
    ) == (
        0x86,
        6,
        SERIAL,
        "node01",
        12,
    )
    assert [(f.tag, f.values) for f in frame.fields] == [
        ("TC", (23.5,)),
        ("HUM", (48.2,)),
        ("GPS", (41.5, -0.5)),
        ("DATE", (24, 11, 21)),
        ("TIME", (10, 20, 30, 1)),
    ]


def test_encoder_writes_the_golden_frame() -> None:
    fields = [
        make_field("TC", 23.5),
        make_field("HUM", 48.2),
        make_field("GPS", 41.5, -0.5),
        make_field("DATE", 24, 11, 21),
        make_field("TIME", 10, 20, 30, 1),
    ]
    assert (
        encode_ascii(serial=SERIAL, node_name="node01", sequence=12, fields=fields) == FRAME_ASCII
    )


@pytest.mark.parametrize(
    ("field", "text"),
    [
        (make_field("TC", -3.14159), "TC:-3.14#"),  # 2 decimals
        (make_field("CO", 1.0), "CO:1.000#"),  # 3 decimals
        (make_field("RAD", 0.000123), "RAD:0.000123#"),  # 6 decimals
        (make_field("BAT", 7), "BAT:7#"),
        (make_field("LUX", 4294967295), "LUX:4294967295#"),  # ulong32
        (make_field("ACC", -1, 2, -3), "ACC:-1;2;-3#"),
        (make_field("TIME", 23, 59, 0, -5), "TIME:23-59-0-5#"),  # negative GMT: its own minus sign
        (make_field("STR", "a:b;c"), "STR:a:b;c#"),
        (make_field("PM_BINH", *range(8)), "PM_BINH:0;1;2;3;4;5;6;7#"),
    ],
)
def test_value_text(field: Field, text: str) -> None:
    frame = encode_ascii(serial=SERIAL, fields=[field])
    assert frame.endswith(text.encode())
    again = decode_ascii(frame).fields[0]
    if field.sensor.type is ValueType.FLOAT:
        assert again.values == tuple(round(float(v), field.sensor.decimals) for v in field.values)
    else:
        assert again.values == field.values


def test_decimals_override() -> None:
    frame = encode_ascii(serial=SERIAL, fields=[make_field("TC", 21.0)], decimals={74: 0})
    assert frame.endswith(b"#TC:21#")


def test_xtreme_ascii_types() -> None:
    frame = encode_ascii(serial=SERIAL, fields=[make_field("TC_A", 18.5, table=7)], frame_type=7)
    assert frame[3] == 0x87
    assert decode_ascii(frame).fields[0].tag == "TC_A"
    water = encode_ascii(serial=SERIAL, fields=[make_field("EM_PH", 7.5, table=8)], frame_type=8)
    assert water[3] == 0x88
    assert decode_ascii(water).sensor_table == 8


def test_nan_and_infinity_survive_as_text() -> None:
    frame = encode_ascii(
        serial=SERIAL, fields=[make_field("TC", float("nan")), make_field("HUM", float("-inf"))]
    )
    assert b"TC:nan#HUM:-inf#" in frame
    decoded = decode_ascii(frame)
    assert decoded.fields[1].values == (float("-inf"),)


@given(table=tables, serial=serials, name=node_names, sequence=sequences, data=st.data())
def test_round_trip(table: int, serial: str, name: str, sequence: int, data: st.DataObject) -> None:
    fields = data.draw(fields_of(table, ascii_safe=True))
    raw = encode_or_skip(
        encode_ascii,
        serial=serial,
        node_name=name,
        sequence=sequence,
        fields=fields,
        frame_type=table,
    )
    frame = decode_ascii(raw)
    assert (frame.serial, frame.node_name, frame.sequence, frame.sensor_table) == (
        serial,
        name,
        sequence,
        table,
    )
    assert [f.sensor for f in frame.fields] == [f.sensor for f in fields]
    for got, sent in zip(frame.fields, fields, strict=True):
        if sent.sensor.type is ValueType.FLOAT:
            assert got.values == tuple(float(f"{v:.{sent.sensor.decimals}f}") for v in sent.values)
        else:
            assert got.values == sent.values


HEAD = b"<=>\x86\x01#0123456789ABCDEF#n#0#"


@pytest.mark.parametrize(
    ("raw", "error", "offset"),
    [
        (b"<=>\x86", TruncatedFrame, 4),
        (b"<=>\x89\x00#0123456789ABCDEF#n#0#", UnknownFrameType, 3),
        (b"<=>\x86\x00!0123456789ABCDEF#n#0#", BadDelimiter, 5),
        (b"<=>\x86\x00#0123456789ABCDEX#n#0#", BadText, 6),
        (b"<=>\x86\x00#0123456789ABCDEF!n#0#", BadDelimiter, 22),
        (b"<=>\x86\x00#0123456789ABCDEF#" + b"n" * 17 + b"#0#", BadDelimiter, 23),
        (b"<=>\x86\x00#0123456789ABCDEF#n\x01#0#", BadText, 24),
        (b"<=>\x86\x00#0123456789ABCDEF#n#256#", BadValue, 25),
        (b"<=>\x86\x00#0123456789ABCDEF#n#x#", BadValue, 25),
        (HEAD, TruncatedFrame, 27),  # one field announced, none present
        (HEAD + b"TC:1.0#BAT:5#", BadLength, 4),  # byte 4 counts fewer fields
        (HEAD + b"TC:1.0#xx", TrailingData, 34),
        (HEAD + b"NOPE:1#", UnknownSensor, 27),
        (HEAD + b"TC1.0#", BadDelimiter, 27),
        (HEAD + b"TC:abc#", BadValue, 30),
        (HEAD + b"TC:1_0#", BadValue, 30),
        (HEAD + b"BAT:300#", BadValue, 31),
        (HEAD + b"BAT:-1#", BadValue, 31),
        (HEAD + b"GPS:1.0#", BadValue, 31),
        (HEAD + b"DATE:1-2#", BadValue, 32),
        (HEAD + b"DATE:1-2-3+1#", BadValue, 32),  # only TIME carries a GMT offset
        (HEAD + b"STR:caf\xc3\xa9#", BadText, 34),
        (HEAD + b"STR:a\x00b#", BadText, 32),
    ],
)
def test_bad_input_names_the_offset(raw: bytes, error: type[FrameError], offset: int) -> None:
    with pytest.raises(error) as caught:
        decode_ascii(raw)
    assert caught.value.offset == offset


def test_every_truncation_is_a_frame_error() -> None:
    for cut in range(len(FRAME_ASCII)):
        with pytest.raises(FrameError):
            decode_ascii(FRAME_ASCII[:cut])


def test_encoder_refuses_hash_in_text() -> None:
    with pytest.raises(FrameEncodeError, match="may not contain '#'"):
        encode_ascii(serial=SERIAL, fields=[make_field("STR", "a#b")])
