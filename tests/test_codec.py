"""decode_any and encode_frame: dispatch, JSON, and fuzzing (nothing but FrameError escapes)."""

from __future__ import annotations

import contextlib
import json
import math
import struct

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from openpcs.frames import (
    BadDelimiter,
    FrameEncodeError,
    FrameError,
    FrameKind,
    FrameScanner,
    TrailingData,
    UnknownFrameType,
    decode_any,
    decode_ascii,
    decode_binary,
    decode_tiny,
    decrypt_frame,
    encode_binary,
    encode_frame,
    make_field,
)
from tests.vectors import (
    FRAME_AGR_XTR,
    FRAME_ASCII,
    FRAME_V15,
    KEY_256,
    SERIAL,
    TINY_PARTS_12,
    encrypted,
    unhex,
)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (unhex(FRAME_V15), FrameKind.BINARY),
        (unhex(FRAME_AGR_XTR), FrameKind.BINARY),
        (FRAME_ASCII, FrameKind.ASCII),
        (unhex(TINY_PARTS_12[0]), FrameKind.TINY),
        (unhex(encrypted(96, KEY_256)), FrameKind.ENCRYPTED),
    ],
)
def test_decode_any_tells_the_kinds_apart(raw: bytes, kind: FrameKind) -> None:
    assert decode_any(raw).kind is kind


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"", BadDelimiter),
        (b"hello", BadDelimiter),
        (b"<=>", BadDelimiter),
        (b"<=>\x5a" + bytes(40), UnknownFrameType),
        (b"<=>\x61" + bytes(40), TrailingData),  # a v12 encrypted frame whose length is 0
    ],
)
def test_decode_any_rejects_non_frames(raw: bytes, error: type[FrameError]) -> None:
    with pytest.raises(error):
        decode_any(raw)


def test_json_has_every_part_of_the_frame() -> None:
    document = json.loads(decode_any(unhex(FRAME_V15)).to_json())
    assert {
        k: document[k]
        for k in ("kind", "frame_type", "sensor_table", "serial", "node_name", "sequence")
    } == {
        "kind": "binary",
        "frame_type": 6,
        "sensor_table": 6,
        "serial": SERIAL,
        "node_name": "node01",
        "sequence": 5,
    }
    tc = document["fields"][1]
    assert tc == {"id": 74, "tag": "TC", "name": "Temperature", "unit": "°C", "values": [23.5]}
    assert document["fields"][4]["values"] == [41.5, -0.5]


def test_json_prints_float32_values_as_their_shortest_decimal() -> None:
    raw = encode_binary(
        serial=SERIAL, fields=[make_field("TC", 23.45), make_field("GPS", 41.656208, -0.878734)]
    )
    values = [f["values"] for f in json.loads(decode_any(raw).to_json())["fields"]]
    assert values == [[23.45], [41.656208, -0.878734]]
    nan = encode_binary(serial=SERIAL, fields=[make_field("TC", math.nan)])
    assert json.loads(decode_any(nan).to_json())["fields"][0]["values"] == [None]


def test_encode_frame_follows_the_kind() -> None:
    binary = decode_any(unhex(FRAME_V15))
    assert encode_frame(binary) == unhex(FRAME_V15)
    ascii_frame = decode_any(FRAME_ASCII)
    assert encode_frame(ascii_frame) == FRAME_ASCII
    assert decode_any(encode_frame(ascii_frame._replace(kind=FrameKind.BINARY))).fields[
        0
    ].values == (23.5,)
    with pytest.raises(FrameEncodeError, match="tiny"):
        encode_frame(decode_any(unhex(TINY_PARTS_12[0])))


GOOD_FRAMES = [unhex(FRAME_V15), unhex(FRAME_AGR_XTR), FRAME_ASCII, unhex(encrypted(96, KEY_256))]


def _decoders(raw: bytes) -> None:
    for decoder in (decode_binary, decode_ascii, decode_tiny):
        with contextlib.suppress(FrameError):
            decoder(raw)
    for key in (None, KEY_256):
        with contextlib.suppress(FrameError):
            decode_any(raw, key)
    with contextlib.suppress(FrameError):
        decrypt_frame(raw, KEY_256)
    FrameScanner().feed(raw)


@given(st.binary(max_size=300))
@example(b"<=>")
@example(b"<=>\x86\x00#")
@example(b"<=>\x60\x18" + bytes(24))
def test_fuzz_arbitrary_bytes(raw: bytes) -> None:
    _decoders(raw)


@given(
    st.sampled_from([b"<=>\x06", b"<=>\x07", b"<=>\x86", b"<=>\x88", b"<=>\x60", b"<=>\x67"]),
    st.binary(max_size=280),
)
def test_fuzz_frames_that_start_right(prefix: bytes, rest: bytes) -> None:
    _decoders(prefix + rest)
    _decoders(prefix + bytes([len(rest)]) + rest)


@given(st.sampled_from(GOOD_FRAMES), st.data())
def test_fuzz_mutated_frames(frame: bytes, data: st.DataObject) -> None:
    raw = bytearray(frame)
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(raw) - 1))
        raw[index] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    _decoders(bytes(raw[:cut]))
    _decoders(bytes(raw))


@given(st.floats(width=32, allow_nan=False, allow_infinity=False))
@example(3.4028234663852886e38)  # FLT_MAX: its shortest rounding overflows float32
@example(-3.4028234663852886e38)
@example(-3.4025e38)
@example(1.4e-45)  # the smallest subnormal
def test_json_float_is_the_same_float32(value: float) -> None:
    raw = encode_binary(serial=SERIAL, fields=[make_field("TC", value)])
    (got,) = json.loads(decode_any(raw).to_json())["fields"][0]["values"]
    assert struct.pack("<f", got) == struct.pack("<f", value)
