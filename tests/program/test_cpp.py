"""Values written as C++: string literals that read back byte for byte, numbers, sleep text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcs.catalog import ValueType
from openpcs.program.cpp import (
    c_byte_list,
    c_bytes,
    c_float,
    c_identifier,
    c_int,
    c_string,
    sleep_text,
)
from openpcs.program.errors import GenerationError
from openpcs.program.fields import FieldRef, add_sensor

_ESCAPE = re.compile(r"\\([0-7]{3}|.)")


def _read_back(literal: str) -> bytes:
    """What a C compiler makes of the literal (octal and single-character escapes only)."""
    assert literal.startswith('"')
    assert literal.endswith('"')
    body = literal[1:-1]
    out = bytearray()
    position = 0
    for match in _ESCAPE.finditer(body):
        out += body[position : match.start()].encode("ascii")
        escape = match.group(1)
        out.append(int(escape, 8) if len(escape) == 3 else ord(escape))
        position = match.end()
    out += body[position:].encode("ascii")
    return bytes(out)


@given(st.text(max_size=60))
def test_string_literals_read_back_exactly(text: str) -> None:
    literal = c_string(text)
    assert literal.isascii()
    assert "??" not in literal  # no trigraphs
    assert _read_back(literal) == text.encode("utf-8")


def test_string_literal_examples() -> None:
    assert c_string('a"b\\c') == '"a\\"b\\\\c"'
    assert c_string("x\n1") == '"x\\0121"'  # octal, so the following digit stays a digit
    assert c_string("é") == '"\\303\\251"'


def test_numbers_and_bytes() -> None:
    assert [c_float(3), c_float(0.1), c_float(-2.5e-05)] == ["3.0", "0.1", "-2.5e-05"]
    with pytest.raises(ValueError, match="no C literal"):
        c_float(float("nan"))
    assert [c_int(12), c_int("0x0C"), c_int("0X17")] == ["0x0C", "0x0C", "0x17"]
    assert c_byte_list("7fff") == ["0x7F", "0xFF"]
    assert c_bytes("3FFFFFFF", 8) == "{0x3F, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00}"
    with pytest.raises(ValueError, match="more than 2 bytes"):
        c_bytes("123456", 2)
    assert c_identifier("3-a b") == "_3_a_b"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "00:00:00:00"),
        (600, "00:00:10:00"),
        (90061, "01:01:01:01"),
        (99 * 86400 - 1, "98:23:59:59"),
    ],
)
def test_sleep_text(seconds: int, text: str) -> None:
    assert sleep_text(seconds) == text


def test_sleep_text_refuses_what_the_rtc_cannot_hold() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        sleep_text(100 * 86400)


def test_add_sensor_casts_to_the_overload_of_the_field_type() -> None:
    def field(kind: ValueType, count: int = 1) -> FieldRef:
        return FieldRef("SENSOR_X", "X", kind, count, "p")

    assert add_sensor(field(ValueType.UINT8), "b") == "frame.addSensor(SENSOR_X, (int)(b));"
    assert (
        add_sensor(field(ValueType.ULONG32), "l")
        == "frame.addSensor(SENSOR_X, (unsigned long)(l));"
    )
    assert add_sensor(field(ValueType.FLOAT, 2), "a", "b") == (
        "frame.addSensor(SENSOR_X, (double)(a), (double)(b));"
    )
    assert add_sensor(field(ValueType.STRING), "s") == "frame.addSensor(SENSOR_X, (char*)(s));"
    with pytest.raises(GenerationError, match="X takes 3 value"):
        add_sensor(field(ValueType.INT16, 3), "a")
