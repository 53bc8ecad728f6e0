"""Hypothesis strategies for frames: any sensor of a table with values its type allows."""

from __future__ import annotations

import string
from collections.abc import Callable

from hypothesis import assume
from hypothesis import strategies as st

from openpcs.catalog import SensorSpec, ValueType, sensor_table
from openpcs.frames import Field, FrameEncodeError

_NAME_ALPHABET = "".join(c for c in string.printable if c not in "# \t\n\r\x0b\x0c")
_ASCII_TEXT = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "#")

serials = st.binary(min_size=8, max_size=8).map(lambda raw: raw.hex().upper())
node_names = st.text(alphabet=_NAME_ALPHABET, max_size=16)
sequences = st.integers(0, 255)
tables = st.sampled_from([6, 7, 8])

_INT_BOUNDS = {
    ValueType.UINT8: (0, 0xFF),
    ValueType.INT16: (-0x8000, 0x7FFF),
    ValueType.UINT16: (0, 0xFFFF),
    ValueType.ULONG32: (0, 0xFFFFFFFF),
}


def values_for(spec: SensorSpec, *, ascii_safe: bool) -> st.SearchStrategy[tuple[object, ...]]:
    """Values a field of ``spec`` may carry (ASCII frames: no '#' in text, finite floats)."""
    if spec.type is ValueType.STRING:
        alphabet = (
            _ASCII_TEXT if ascii_safe else st.characters(min_codepoint=0x01, max_codepoint=0x7F)
        )
        return st.tuples(st.text(alphabet=alphabet, max_size=24))
    if spec.type is ValueType.FLOAT:
        one = st.floats(width=32, allow_nan=False, allow_infinity=not ascii_safe)
        if ascii_safe:
            one = st.floats(min_value=-1e6, max_value=1e6, width=32)
        return st.tuples(*[one] * spec.count)
    low, high = _INT_BOUNDS[spec.type]
    return st.tuples(*[st.integers(low, high)] * spec.count)


@st.composite
def fields_of(
    draw: st.DrawFn, table: int, *, ascii_safe: bool = False, max_fields: int = 8
) -> list[Field]:
    """A list of fields of one table, any sensors (TST at most once, as the node sends it)."""
    specs = [
        s
        for s in sensor_table(table).sensors
        if not (ascii_safe and s.tag in sensor_table(table).tags_with_several_ids)
    ]
    chosen = draw(st.lists(st.sampled_from(specs), max_size=max_fields))
    seen_tst = False
    fields = []
    for spec in chosen:
        if spec.tag == "TST":
            if seen_tst:
                continue
            seen_tst = True
        fields.append(Field(spec, draw(values_for(spec, ascii_safe=ascii_safe))))
    return fields


def encode_or_skip(encoder: Callable[..., bytes], **arguments: object) -> bytes:
    """Encode a drawn frame, discarding the example when it exceeds the 255-byte frame limit."""
    try:
        return encoder(**arguments)
    except FrameEncodeError as exc:
        assume("more than 255" not in str(exc))
        raise
