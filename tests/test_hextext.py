"""Hex text as carried by HTTP, SMS and the CLI."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcs.frames import NotHex, parse_hex


@pytest.mark.parametrize(
    ("text", "raw"),
    [("3C3D3E", b"<=>"), ("3c 3d 3e", b"<=>"), ("  0x3C3D\n3E ", b"<=>"), ("00ff", b"\x00\xff")],
)
def test_accepted_forms(text: str, raw: bytes) -> None:
    assert parse_hex(text) == raw


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [("3C3Z", 3, "'Z'"), ("3C3", 3, "odd"), ("", 0, "no hex"), ("  ", 2, "no hex")],
)
def test_errors_name_the_character(text: str, offset: int, message: str) -> None:
    with pytest.raises(NotHex, match=message) as caught:
        parse_hex(text)
    assert caught.value.offset == offset
    assert f"(at character {offset})" in str(caught.value)


@given(st.binary(min_size=1))
def test_round_trip(raw: bytes) -> None:
    assert parse_hex(raw.hex()) == raw
    assert parse_hex(raw.hex(" ").upper()) == raw
