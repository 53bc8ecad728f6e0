"""Frames with a sensor the table does not know, and tables a deployment extends.

Strict decoding refuses such a frame, naming the byte; ``partial=True`` keeps what can be read:
a binary or tiny frame up to the unknown id (its size is unknown), an ASCII frame every field
but the unknown ones. A custom table file adds free ids, refusing built-in ids and tags.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcs.catalog import CatalogError, extend_sensor_table, sensor_table
from openpcs.frames import (
    BUILT_IN_TABLES,
    SensorTables,
    UnknownSensor,
    decode_any,
    decode_tiny,
    encode_ascii,
    encode_binary,
    make_field,
)
from tests.strategies import encode_or_skip, fields_of, serials

SERIAL = "0123456789ABCDEF"
FREE_IDS = [i for i in range(256) if sensor_table(6).get(i) is None]
CUSTOM_CSV = """id,tag,type,count,decimals,api_constants,name,unit,note
# a deployment's own probes
200,LEAFT,float,1,2,,Leaf temperature,degC,custom firmware
201,DOOR,uint8,1,0,,Door contacts,,
"""


def with_binary_field(frame: bytes, field: bytes) -> bytes:
    """``frame`` with ``field`` appended and its length byte set again."""
    grown = bytearray(frame + field)
    grown[4] = len(grown) - 5
    return bytes(grown)


def with_ascii_field(frame: bytes, text: str) -> bytes:
    """``frame`` with ``TAG:value#`` appended and its field count raised by one."""
    grown = bytearray(frame + text.encode("ascii"))
    grown[4] += 1
    return bytes(grown)


def ascii_fields_text(frame: bytes) -> bytes:
    """The ``TAG:value#`` part of an ASCII frame (after ``#<serial>#<name>#<sequence>#``)."""
    name_end = frame.index(b"#", 23)
    return frame[frame.index(b"#", name_end + 1) + 1 :]


def custom_tables() -> SensorTables:
    return SensorTables({6: extend_sensor_table(sensor_table(6), CUSTOM_CSV, source="my.csv")})


BATTERY = make_field("BAT", 87)
TEMPERATURE = make_field("TC", 21.5)


def test_a_binary_frame_stops_at_the_unknown_id_and_keeps_what_precedes_it() -> None:
    known = encode_binary(serial=SERIAL, fields=[BATTERY], sequence=4)
    frame = with_binary_field(known, bytes([200]) + struct.pack("<f", 3.5) + b"\x34\x57")
    with pytest.raises(UnknownSensor) as caught:
        decode_any(frame)
    assert caught.value.offset == len(known)
    decoded = decode_any(frame, partial=True)
    assert decoded.partial
    assert [f.tag for f in decoded.fields] == ["BAT"]
    assert decoded.fields[0].value == 87
    (unread,) = decoded.unread
    assert unread.offset == len(known)
    assert "sensor id 200" in unread.reason
    assert decoded.to_dict()["unread"] == [{"offset": len(known), "reason": unread.reason}]


def test_an_ascii_frame_skips_each_unknown_tag_and_reads_the_rest() -> None:
    known = encode_ascii(serial=SERIAL, fields=[BATTERY], node_name="n1")
    frame = with_ascii_field(with_ascii_field(known, "LEAFT:3.50#"), "DOOR:1#")
    frame = with_ascii_field(frame, "TC:21.50#")
    with pytest.raises(UnknownSensor) as caught:
        decode_any(frame)
    assert caught.value.offset == len(known)
    decoded = decode_any(frame, partial=True)
    assert [f.tag for f in decoded.fields] == ["BAT", "TC"]
    assert [u.offset for u in decoded.unread] == [len(known), len(known) + len("LEAFT:3.50#")]
    assert "'DOOR'" in decoded.unread[1].reason


def test_a_whole_frame_is_not_partial() -> None:
    decoded = decode_any(encode_binary(serial=SERIAL, fields=[BATTERY]), partial=True)
    assert not decoded.partial
    assert "unread" not in decoded.to_dict()


def test_a_tiny_frame_stops_at_the_unknown_id() -> None:
    body = bytes([52, 90, 200, 1, 2])  # BAT 90, then id 200
    frame = bytes([7, len(body) + 2]) + body
    with pytest.raises(UnknownSensor):
        decode_tiny(frame)
    decoded = decode_tiny(frame, partial=True)
    assert [(f.tag, f.value) for f in decoded.fields] == [("BAT", 90)]
    assert decoded.unread[0].offset == 4


def test_the_other_errors_stay_errors_when_partial() -> None:
    frame = encode_binary(serial=SERIAL, fields=[TEMPERATURE])
    with pytest.raises(ValueError, match="needs 4 bytes"):
        decode_any(with_binary_field(frame[:-1], b""), partial=True)


@given(
    serial=serials,
    fields=fields_of(6, max_fields=6),
    unknown=st.sampled_from(FREE_IDS),
    rest=st.binary(max_size=20),
)
def test_binary_partial_reads_exactly_the_fields_before_any_unknown_id(
    serial: str, fields: list, unknown: int, rest: bytes
) -> None:
    known = encode_or_skip(encode_binary, serial=serial, fields=fields)
    frame = with_binary_field(known, bytes([unknown]) + rest)
    decoded = decode_any(frame, partial=True)
    assert decoded.fields == decode_any(known).fields
    assert decoded.unread[0].offset == len(known)


@given(
    fields=fields_of(6, ascii_safe=True, max_fields=4),
    after=fields_of(6, ascii_safe=True, max_fields=4),
)
def test_ascii_partial_reads_every_field_around_an_unknown_tag(fields: list, after: list) -> None:
    head = encode_or_skip(encode_ascii, serial=SERIAL, fields=fields)
    tail = encode_or_skip(encode_ascii, serial=SERIAL, fields=after)
    frame = bytearray(with_ascii_field(head, "ZZZ:1#") + ascii_fields_text(tail))
    frame[4] += len(after)
    decoded = decode_any(bytes(frame), partial=True)
    expected = decode_any(head).fields + decode_any(tail).fields
    assert decoded.fields == expected
    assert len(decoded.unread) == 1


def test_custom_rows_are_read_with_the_extended_table_only() -> None:
    frame = with_binary_field(
        encode_binary(serial=SERIAL, fields=[BATTERY]), bytes([200]) + struct.pack("<f", 3.5)
    )
    decoded = decode_any(frame, tables=custom_tables())
    assert [(f.tag, f.value, f.unit) for f in decoded.fields] == [
        ("BAT", 87, "%"),
        ("LEAFT", 3.5, "degC"),
    ]
    assert decode_any(frame, partial=True, tables=BUILT_IN_TABLES).partial
    ascii_frame = with_ascii_field(encode_ascii(serial=SERIAL, fields=[]), "DOOR:1#")
    assert decode_any(ascii_frame, tables=custom_tables()).fields[0].value == 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("52,MYBAT,uint8,1,0,,x,,", "my.csv line 2: id 52 is built-in BAT in sensor table 6"),
        ("200,BAT,uint8,1,0,,x,,", "my.csv line 2: tag BAT is already id 52"),
        ("200,X,uint8,2,0,,x,,", "my.csv line 2: a uint8 field cannot carry 2 values"),
        ("200,X,double,1,0,,x,,", "my.csv line 2: unknown type 'double'"),
        ("300,X,uint8,1,0,,x,,", "my.csv line 2: id 300 is outside 0..255"),
    ],
)
def test_a_bad_custom_row_names_its_line(row: str, message: str) -> None:
    text = f"id,tag,type,count,decimals,api_constants,name,unit,note\n{row}\n"
    with pytest.raises(CatalogError) as caught:
        extend_sensor_table(sensor_table(6), text, source="my.csv")
    assert message in str(caught.value)


def test_an_id_given_twice_in_a_custom_file_names_both_lines() -> None:
    text = CUSTOM_CSV + "200,OTHER,uint8,1,0,,x,,\n"
    with pytest.raises(CatalogError, match=r"my.csv line 5: duplicate id 200 \(first on line 3\)"):
        extend_sensor_table(sensor_table(6), text, source="my.csv")


def test_a_custom_file_without_rows_is_refused() -> None:
    with pytest.raises(CatalogError, match="no sensor rows"):
        extend_sensor_table(
            sensor_table(6), "id,tag,type,count,decimals,api_constants,name,unit,note\n", source="a"
        )


def test_custom_tags_are_new_within_the_file_and_ids_new_across_files() -> None:
    twice = CUSTOM_CSV + "202,DOOR,uint8,1,0,,x,,\n"
    with pytest.raises(CatalogError, match=r"my\.csv line 5: tag DOOR is already line 4"):
        extend_sensor_table(sensor_table(6), twice, source="my.csv")
    first = extend_sensor_table(sensor_table(6), CUSTOM_CSV, source="a.csv")
    header = CUSTOM_CSV.splitlines()[0]
    with pytest.raises(
        CatalogError, match=r"b\.csv line 2: id 200 is an earlier custom file's LEAFT"
    ):
        extend_sensor_table(first, f"{header}\n200,OTHER,uint8,1,0,,x,,\n", source="b.csv")


def test_a_spreadsheet_s_byte_order_mark_is_no_problem() -> None:
    table = extend_sensor_table(sensor_table(6), "\ufeff" + CUSTOM_CSV, source="excel.csv")
    assert table.find_tag("LEAFT") is not None
