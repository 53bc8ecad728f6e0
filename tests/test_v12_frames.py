"""Waspmote v12 frames: binary type 0, ASCII type 0x80, encrypted 97/98/99/101.

The golden frames are written here byte by byte from the v12 layout (the serial number in 4
bytes little-endian, or in decimal in ASCII frames) and encrypted with the ``cryptography``
package directly, so that no openpcs encoder stands between the facts and the decoder.
"""

from __future__ import annotations

import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from openpcs.catalog import V12_TABLE, sensor_table
from openpcs.frames import (
    BadDelimiter,
    BadText,
    DecryptionFailed,
    Field,
    FrameError,
    FrameKind,
    FrameScanner,
    TruncatedFrame,
    UnknownSensor,
    decode_any,
)
from openpcs.frames.binary import pack_field
from tests.strategies import values_for

SERIAL_NUMBER = 19088743  # 0x01234567, the decimal the node prints
SERIAL_BYTES = SERIAL_NUMBER.to_bytes(4, "little")  # as v12 nodes send it
SERIAL = "0000000001234567"
V12 = sensor_table(V12_TABLE)
KEY_128 = "v12-secret-key16"
KEY_256 = "a-thirty-two-character-key-here!"


def v12_binary(fields: bytes, *, name: bytes = b"node1", sequence: int = 7) -> bytes:
    body = SERIAL_BYTES + name + b"#" + bytes([sequence]) + fields
    return b"<=>\x00" + bytes([len(body)]) + body


GOLDEN_BINARY = v12_binary(b"\x34\x55" + b"\x0c" + struct.pack("<f", 23.5))
GOLDEN_ASCII = b"<=>\x80\x02#19088743#node1#7#BAT:85#TCA:23.50#"


def encrypted(frame_type: int, key: str, inner: bytes, name: bytes = b"node1") -> bytes:
    padded = inner + bytes(-len(inner) % 16)
    encryptor = Cipher(algorithms.AES(key.encode()), modes.ECB()).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    body = SERIAL_BYTES + name + b"#" + ciphertext
    return b"<=>" + bytes([frame_type, len(body)]) + body


def test_a_binary_v12_frame_reads_with_the_v12_table() -> None:
    frame = decode_any(GOLDEN_BINARY)
    assert (frame.kind, frame.frame_type, frame.sensor_table) == (FrameKind.BINARY, 0, 0)
    assert (frame.serial, frame.node_name, frame.sequence) == (SERIAL, "node1", 7)
    assert int(frame.serial, 16) == 19088743
    # id 12 is TCA in v12 (the v15 table has NO there)
    assert [(f.tag, f.value, f.unit) for f in frame.fields] == [
        ("BAT", 85, "%"),
        ("TCA", 23.5, "°C"),
    ]


def test_an_ascii_v12_frame_names_the_same_node() -> None:
    frame = decode_any(GOLDEN_ASCII)
    assert (frame.kind, frame.frame_type, frame.sensor_table) == (FrameKind.ASCII, 0x80, 0)
    assert (frame.serial, frame.node_name, frame.sequence) == (SERIAL, "node1", 7)
    assert [(f.tag, f.value) for f in frame.fields] == [("BAT", 85), ("TCA", 23.5)]


@pytest.mark.parametrize(("frame_type", "key"), [(97, KEY_128), (99, KEY_256), (101, KEY_128)])
def test_encrypted_v12_frames_open_with_their_key(frame_type: int, key: str) -> None:
    for inner in (GOLDEN_BINARY, GOLDEN_ASCII):
        raw = encrypted(frame_type, key, inner)
        kept = decode_any(raw)
        assert (kept.kind, kept.frame_type, kept.serial) == (
            FrameKind.ENCRYPTED,
            frame_type,
            SERIAL,
        )
        opened = decode_any(raw, key)
        assert opened.encrypted_as == (frame_type,)
        assert opened.fields == decode_any(inner).fields


def test_an_encrypted_v12_frame_refuses_a_wrong_key() -> None:
    raw = encrypted(97, KEY_128, GOLDEN_BINARY)
    with pytest.raises(DecryptionFailed, match="needs a 16-character key"):
        decode_any(raw, KEY_256)
    with pytest.raises(DecryptionFailed, match="the key does not decrypt it") as caught:
        decode_any(raw, "another-key-16ch")
    assert caught.value.offset == 15  # the ciphertext, after '<=>', type, length, serial, name#


def test_a_v12_frame_with_an_id_the_table_lacks_is_partial() -> None:
    raw = v12_binary(b"\x34\x55" + b"\xc8\x01\x02")  # id 200: past the v12 table's 173
    with pytest.raises(UnknownSensor):
        decode_any(raw)
    frame = decode_any(raw, partial=True)
    assert [f.tag for f in frame.fields] == ["BAT"]
    assert frame.unread[0].offset == len(raw) - 3


@pytest.mark.parametrize(
    ("raw", "error", "offset"),
    [
        (GOLDEN_BINARY[:-2], TruncatedFrame, 4),
        (b"<=>\x00\x09" + SERIAL_BYTES + b"node1", TruncatedFrame, 14),
        (b"<=>\x80\x01#12a4#n#1#BAT:1#", BadText, 6),
        (b"<=>\x80\x01#4294967296#n#1#BAT:1#", BadText, 6),
        (b"<=>\x80\x01#19088743n#1#BAT:1#", BadText, 6),
        (b"<=>\x80\x01#190887431234#1#BAT:1#", BadDelimiter, 6),
        (b"<=>\x80\x01#19088743#" + b"n" * 20 + b"#1#BAT:1#", BadDelimiter, 15),
        (b"<=>\x80\x01#19088743#n#1234#BAT:1#", BadDelimiter, 17),
        (b"<=>\x80\x01#19088743#no", TruncatedFrame, 17),
        (b"<=>\x80\x01!19088743#n#1#BAT:1#", BadDelimiter, 5),
        (v12_binary(b"", name=b"x" * 17), BadDelimiter, 9),
    ],
)
def test_bad_v12_frames_name_the_byte(raw: bytes, error: type[Exception], offset: int) -> None:
    with pytest.raises(error) as caught:
        decode_any(raw)
    assert getattr(caught.value, "offset", None) == offset


def test_the_stream_scanner_finds_v12_frames_among_garbage() -> None:
    sealed = encrypted(98, "twenty-four-char-key-123", GOLDEN_BINARY)
    stream = b"noise" + GOLDEN_BINARY + b"\x00<=" + GOLDEN_ASCII + sealed
    scanner = FrameScanner()
    found = [item.value for item in scanner.feed(stream) if item.value is not None]
    assert [f.frame_type for f in found] == [0, 0x80, 98]


@st.composite
def v12_fields(draw: st.DrawFn) -> list[Field]:
    specs = draw(st.lists(st.sampled_from(V12.sensors), max_size=6))
    return [Field(spec, draw(values_for(spec, ascii_safe=False))) for spec in specs]


@given(v12_fields(), st.integers(0, 255), st.binary(min_size=4, max_size=4))
def test_any_v12_binary_frame_reads_back(fields: list[Field], sequence: int, serial: bytes) -> None:
    payload = b"".join(pack_field(item) for item in fields)
    body = serial + b"n#" + bytes([sequence]) + payload
    if len(body) > 255:
        return
    frame = decode_any(b"<=>\x00" + bytes([len(body)]) + body)
    assert frame.serial == f"{int.from_bytes(serial, 'little'):016X}"
    assert frame.sequence == sequence
    assert [f.sensor for f in frame.fields] == [f.sensor for f in fields]
    assert [pack_field(f) for f in frame.fields] == [pack_field(f) for f in fields]


def test_the_v12_table_is_the_apis_174_ids_with_their_constants() -> None:
    assert [spec.id for spec in V12.sensors] == list(range(174))
    assert len({spec.tag for spec in V12.sensors}) == 174
    assert all(spec.api_constants and spec.name for spec in V12.sensors)
    assert V12.find_constant("SENSOR_OPCN3_BIN").count == 24  # type: ignore[union-attr]


def test_v12_nodes_send_no_tiny_frames() -> None:
    with pytest.raises(FrameError, match="no sensor table 0 for tiny frames"):
        decode_any(bytes.fromhex("01043457"), tiny_table=0)
