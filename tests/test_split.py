"""Tiny frames and fragments: golden split, reassembly, nothing silently lost."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcs.frames import (
    BadLength,
    FrameEncodeError,
    FrameError,
    FrameKind,
    TruncatedFrame,
    UnknownSensor,
    decode_any,
    decode_binary,
    decode_tiny,
    encode_binary,
    encode_binary_field,
    make_field,
    reassemble_tiny,
    split_fragments,
    split_tiny,
)
from tests.strategies import encode_or_skip, fields_of, serials, tables
from tests.vectors import FIELDS_V15, FRAME_V15, SERIAL, TINY_PARTS_12, unhex


def test_golden_tiny_split_at_twelve_bytes() -> None:
    split = split_tiny(unhex(FRAME_V15))
    assert [part.hex().upper() for part in split.parts] == [
        p.replace(" ", "") for p in TINY_PARTS_12
    ]
    assert [field.tag for field in split.dropped] == ["PM_BINH"]


def test_tiny_split_of_a_decoded_frame_matches_the_bytes() -> None:
    assert split_tiny(decode_binary(unhex(FRAME_V15))) == split_tiny(unhex(FRAME_V15))


def test_tiny_frames_decode_and_reassemble_into_one_reading_set() -> None:
    parts = [unhex(p) for p in TINY_PARTS_12]
    first = decode_tiny(parts[0])
    assert (first.kind, first.sequence, first.serial, first.frame_type) == (
        FrameKind.TINY,
        5,
        None,
        None,
    )
    assert [f.tag for f in first.fields] == ["TST", "TC"]
    (whole,) = reassemble_tiny(parts)
    expected = {(tag, values) for tag, values, _ in FIELDS_V15 if tag != "PM_BINH"}
    assert {(f.tag, f.values) for f in whole.fields} == expected
    assert len(whole.fields) == len(expected)


def test_reassembly_starts_a_new_set_when_the_sequence_changes() -> None:
    a = split_tiny(
        encode_binary(
            serial=SERIAL, sequence=1, fields=[make_field("TC", 1.0), make_field("HUM", 2.0)]
        )
    )
    b = split_tiny(encode_binary(serial=SERIAL, sequence=2, fields=[make_field("TC", 3.0)]))
    sets = reassemble_tiny([*a.parts, *b.parts])
    assert [(s.sequence, [f.values[0] for f in s.fields]) for s in sets] == [
        (1, [1.0, 2.0]),
        (2, [3.0]),
    ]


def test_tiny_frames_of_another_table() -> None:
    raw = encode_binary(serial=SERIAL, frame_type=7, fields=[make_field("TC_A", 18.5, table=7)])
    (part,) = split_tiny(raw).parts
    assert decode_tiny(part, table=7).fields[0].tag == "TC_A"
    assert decode_any(part, tiny_table=7).fields[0].tag == "TC_A"
    assert decode_tiny(part).fields[0].tag == "CO"  # the same bytes read with table 6


@pytest.mark.parametrize("size", [9, 101, 0])
def test_tiny_size_is_ten_to_a_hundred(size: int) -> None:
    with pytest.raises(FrameEncodeError, match=r"10\.\.100"):
        split_tiny(unhex(FRAME_V15), size)


@pytest.mark.parametrize(
    ("raw", "error", "offset"),
    [
        ("05", TruncatedFrame, 1),
        ("0503", BadLength, 1),
        ("05031601", BadLength, 1),
        ("050316", UnknownSensor, 2),
        ("05034A", TruncatedFrame, 2),
    ],
)
def test_bad_tiny_frames(raw: str, error: type[FrameError], offset: int) -> None:
    with pytest.raises(error) as caught:
        decode_tiny(unhex(raw))
    assert caught.value.offset == offset


@given(table=tables, serial=serials, size=st.integers(10, 100), data=st.data())
def test_tiny_split_keeps_every_field_that_can_fit(
    table: int, serial: str, size: int, data: st.DataObject
) -> None:
    fields = data.draw(fields_of(table, max_fields=12))
    raw = encode_or_skip(encode_binary, serial=serial, fields=fields, frame_type=table)
    split = split_tiny(raw, size)
    assert all(len(part) <= size and part[1] == len(part) for part in split.parts)
    sent = [f for part in split.parts for f in decode_tiny(part, table).fields]
    assert sorted(map(repr, sent + list(split.dropped))) == sorted(
        map(repr, decode_binary(raw).fields)
    )
    too_big = [f for f in decode_binary(raw).fields if len(encode_binary_field(f)) > size - 2]
    assert list(split.dropped) == too_big


def test_fragments_repeat_the_header_and_carry_whole_fields() -> None:
    fields = [
        make_field("PM_BIN", *range(24)),
        make_field("TC", 1.5),
        make_field("PM_BIN", *range(24, 48)),
        make_field("BAT", 9),
    ]
    raw = encode_binary(serial=SERIAL, node_name="big", sequence=77, fields=fields)
    assert len(raw) == 123
    split = split_fragments(raw, 100)
    assert split.dropped == ()
    frames = [decode_binary(part) for part in split.parts]
    assert all(len(part) <= 100 for part in split.parts)
    assert all(
        (f.serial, f.node_name, f.sequence, f.frame_type) == (SERIAL, "big", 77, 6) for f in frames
    )
    assert [[f.tag for f in frame.fields] for frame in frames] == [
        ["PM_BIN", "TC", "BAT"],
        ["PM_BIN"],
    ]


def test_a_frame_that_fits_is_its_own_only_fragment() -> None:
    raw = unhex(FRAME_V15)
    assert split_fragments(raw, 100) == (((raw,), ()))


def test_fragments_are_capped_at_the_nodes_buffer() -> None:
    fields = [make_field("PM_BIN", *range(24))] * 4
    raw = encode_binary(serial=SERIAL, fields=fields)
    split = split_fragments(raw, 200)
    assert max(len(part) for part in split.parts) <= 101
    assert sum(len(decode_binary(p).fields) for p in split.parts) == 4


def test_a_field_larger_than_any_fragment_is_reported() -> None:
    raw = encode_binary(
        serial=SERIAL,
        node_name="x" * 16,
        fields=[make_field("PM_BIN", *range(24)), make_field("BAT", 1)],
    )
    split = split_fragments(raw, 60)
    assert [f.tag for f in split.dropped] == ["PM_BIN"]
    assert [f.tag for f in decode_binary(split.parts[0]).fields] == ["BAT"]
    with pytest.raises(FrameEncodeError, match="no room"):
        split_fragments(raw, 32)
