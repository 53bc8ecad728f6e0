"""What nodes in the field write that the encoder never does, read as the node meant it: an
integer field written as a float with no decimals (``MCP:50.``) and a serial printed without
its leading zeros. What stays wrong is still refused, naming the byte."""

from __future__ import annotations

import pytest

from openpcs.frames import BadDelimiter, BadText, BadValue, decode_any, encrypt_frame
from openpcs.frames.ascii import ascii_header_serial


def ascii_frame(serial: bytes, fields: bytes, count: int = 1) -> bytes:
    return b"<=>\x86" + bytes([count]) + b"#" + serial + b"#node#5#" + fields


@pytest.mark.parametrize(("text", "value"), [("50.", 50), ("50.00", 50), ("-3.0", -3), ("7", 7)])
def test_a_whole_number_written_with_a_point_is_read(text: str, value: int) -> None:
    frame = decode_any(ascii_frame(b"0123456789ABCDEF", f"RSSI:{text}#".encode()))
    assert frame.fields[0].value == value


@pytest.mark.parametrize("text", ["50.5", "5e1", ".", "50..", "- 5"])
def test_a_number_that_is_not_whole_is_still_refused(text: str) -> None:
    with pytest.raises(BadValue, match="not a whole number"):
        decode_any(ascii_frame(b"0123456789ABCDEF", f"RSSI:{text}#".encode()))


def test_a_serial_without_its_leading_zeros_is_padded() -> None:
    frame = decode_any(ascii_frame(b"5574bc", b"BAT:100#"))
    assert frame.serial == "00000000005574BC"


@pytest.mark.parametrize(
    ("serial", "error", "offset"),
    [
        (b"", BadText, 6),
        (b"55G4", BadText, 6),
        (b"0123456789ABCDEF0", BadDelimiter, 22),
        (b"0123456789ABCDEG", BadText, 6),
    ],
)
def test_a_serial_that_is_not_one_is_refused(serial: bytes, error: type, offset: int) -> None:
    with pytest.raises(error) as caught:
        decode_any(ascii_frame(serial, b"BAT:100#"))
    assert caught.value.offset == offset


def test_a_short_serial_is_the_same_serial_everywhere() -> None:
    frame = ascii_frame(b"abc", b"BAT:80#")
    assert ascii_header_serial(frame) == "0000000000000ABC"
    sealed = encrypt_frame(frame, "0123456789abcdef", 96)
    assert sealed[5:13] == bytes.fromhex("0000000000000ABC")
    opened = decode_any(sealed, "0123456789abcdef")
    assert (opened.serial, opened.fields[0].value) == ("0000000000000ABC", 80)
    assert ascii_header_serial(b"<=>\x86\x01#0123456789ABCDEF0#n#1#") is None
