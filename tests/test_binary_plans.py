"""Compiled binary-frame plans read exactly what the field-by-field reference path reads,
whether the compiled C reader or the pure-Python plan reads them (every test runs with both)."""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcs.frames import (
    FrameError,
    binary_plans,
    decode_any,
    decode_binary,
    encode_binary,
    make_field,
)
from openpcs.frames.binary_plans import COMPILE_COST, FIRST_BUDGET, MAX_PLANS, PlanCache
from openpcs.frames.layout import MAX_FIELDS
from openpcs.frames.model import Field, Frame, FrameKind
from openpcs.frames.tables import SensorTables
from tests.requirements import skip_or_fail
from tests.strategies import encode_or_skip, fields_of, node_names, sequences, serials, tables


def _built_reader() -> Callable[..., Any] | None:
    """The compiled reader's class, whatever ``OPENPCS_PURE_PYTHON`` says; ``None`` unbuilt."""
    try:
        module = importlib.import_module("openpcs.frames._plan_reader")
    except ImportError:
        return None
    reader: Callable[..., Any] = module.PlanReader
    return reader


@pytest.fixture(autouse=True, params=["compiled", "pure"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Plans made in the test are read by the compiled reader, or by the pure-Python plan."""
    built = _built_reader()
    if request.param == "compiled" and built is None:
        skip_or_fail(
            "the compiled plan reader was not built (it needs a C compiler and the Python"
            " headers: make deps installs gcc and python3-dev, pip install -e . builds it)"
        )
    monkeypatch.setattr(
        binary_plans, "compiled_reader", built if request.param == "compiled" else None
    )
    return str(request.param)


FIELDS = [
    make_field("TST", 1763712000),
    make_field("TC", 21.37),
    make_field("GPS", 41.656208, -0.878734),
    make_field("ACC", -15, 3, 1002),
    make_field("STR", "LOW1"),
    make_field("BAT", 87),
]
SERIAL = "3F5A1C0B7E2D4A91"


def _frame(sequence: int = 1, fields: list[object] | None = None, name: str = "roof") -> bytes:
    chosen = FIELDS if fields is None else fields
    return encode_binary(serial=SERIAL, node_name=name, sequence=sequence, fields=chosen)  # type: ignore[arg-type]


def _outcome(raw: bytes, tables: SensorTables) -> str:
    """What decoding gives, as text that compares NaN equal to NaN: the frame or the error."""
    try:
        return repr(decode_binary(raw, tables=tables, partial=True))
    except FrameError as exc:
        return f"{type(exc).__name__} at {exc.offset}: {exc}"


def _planned(raw: bytes) -> SensorTables:
    """Tables whose plan cache holds a compiled plan for ``raw``'s layout."""
    planned = SensorTables()
    decode_binary(raw, tables=planned)  # first sight: noted
    decode_binary(raw, tables=planned)  # second: compiled
    assert planned.plans.read(raw) is not None
    return planned


def test_a_layout_is_compiled_the_second_time_it_is_seen() -> None:
    tables_ = SensorTables()
    raw = _frame()
    assert tables_.plans.read(raw) is None
    decode_binary(raw, tables=tables_)
    assert tables_.plans.read(raw) is None
    decode_binary(raw, tables=tables_)
    planned = tables_.plans.read(raw)
    assert planned is not None
    assert planned == decode_binary(raw, tables=SensorTables())
    assert [f.tag for f in planned.fields] == ["TST", "TC", "GPS", "ACC", "STR", "BAT"]
    assert planned.fields[3].values == (-15, 3, 1002)
    assert planned.fields[4].values == ("LOW1",)


def test_new_values_in_a_known_layout_are_read_by_the_plan() -> None:
    planned = _planned(_frame())
    other = _frame(
        sequence=200,
        fields=[
            make_field("TST", 1),
            make_field("TC", -3.5),
            make_field("GPS", -1.0, 2.0),
            make_field("ACC", 1, 2, 3),
            make_field("STR", "HIGH"),
            make_field("BAT", 3),
        ],
    )
    frame = planned.plans.read(other)
    assert frame is not None
    assert frame == decode_binary(other, tables=SensorTables())
    assert frame.sequence == 200


def test_decode_any_takes_the_plan_and_gives_the_same_frame() -> None:
    raw = _frame()
    planned = _planned(raw)
    assert decode_any(raw, tables=planned) == decode_any(raw, tables=SensorTables())


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda raw: raw[:13] + b"r00f" + raw[17:], "another node name of the same length"),
        (lambda raw: raw[:27] + b"\x80" + raw[28:], "a string byte that is not ASCII"),
        (lambda raw: raw[:27] + b"\x00" + raw[28:], "a NUL in a string"),
        (lambda raw: raw[:-2] + b"\xff" + raw[-1:], "an id byte no table defines"),
        (lambda raw: b"<=?" + raw[3:], "a broken delimiter"),
    ],
)
def test_a_frame_off_the_plan_goes_the_reference_way(change: object, why: str) -> None:
    raw = _frame(fields=[make_field("TST", 5), make_field("STR", "LOW1"), make_field("BAT", 87)])
    planned = _planned(raw)
    changed = change(raw)  # type: ignore[operator]
    assert len(changed) == len(raw), why
    assert planned.plans.read(changed) is None, why
    assert _outcome(changed, planned) == _outcome(changed, SensorTables()), why


def test_a_plan_that_keeps_missing_is_compiled_again() -> None:
    first = _frame(fields=[make_field("TC", 1.0), make_field("BAT", 1)])
    second = _frame(fields=[make_field("HUM", 1.0), make_field("BAT", 1)])  # same size and key
    assert first[3:13] == second[3:13]
    assert len(first) == len(second)
    cache = _planned(first)
    for _ in range(20):
        decode_binary(second, tables=cache)
    assert cache.plans.read(second) is not None
    assert cache.plans.read(first) is None


def test_one_layout_from_many_nodes_is_compiled_once() -> None:
    tables_ = SensorTables()
    base = _frame()
    for number in range(200):
        raw = base[:5] + number.to_bytes(8, "big") + base[13:]
        decode_binary(raw, tables=tables_)
        decode_binary(raw, tables=tables_)
        assert tables_.plans.read(raw) is not None
    assert tables_.plans.compiles == 1


def _battery_and_temperature(batteries: int, temperatures: int, serial: str) -> bytes:
    fields = [make_field("BAT", 1)] * batteries + [make_field("TC", 1.0)] * temperatures
    return encode_binary(serial=serial, fields=fields)


def test_compiles_are_bounded_by_what_the_reference_path_decoded() -> None:
    """Frames made so that every node has a layout of its own cannot make the cache compile
    a layout per node: past the first budget, compiling a layout costs a hundred units per
    field, and the reference path earns one per field it decodes."""
    tables_ = SensorTables()
    shapes = [(b, t) for b in range(31) for t in range(31 - b) if b + t]
    earned = 0
    for number, (batteries, temperatures) in enumerate(shapes):
        raw = _battery_and_temperature(batteries, temperatures, f"{number:016X}")
        for _ in range(2):
            assert decode_binary(raw, tables=tables_) == decode_binary(raw, tables=SensorTables())
            earned += 1 + batteries + temperatures
    assert len(shapes) == 495
    assert tables_.plans.spent <= FIRST_BUDGET + earned
    assert tables_.plans.spent >= COMPILE_COST * tables_.plans.compiles  # each paid for
    assert tables_.plans.compiles < len(shapes) // 4


def test_plans_go_with_the_layouts_when_the_cache_starts_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No plan keeps a layout alive past the table's bound: memory stays bounded."""
    monkeypatch.setattr(binary_plans, "MAX_LAYOUTS", 3)
    tables_ = SensorTables()
    frames = [_battery_and_temperature(n, 0, f"{n:016X}") for n in range(1, 5)]
    for raw in frames:
        decode_binary(raw, tables=tables_)
        decode_binary(raw, tables=tables_)
    assert tables_.plans.compiles == 4
    assert [tables_.plans.read(raw) is not None for raw in frames] == [False] * 3 + [True]
    assert len(tables_.plans) == 1


def test_more_fields_than_a_node_sends_get_no_plan() -> None:
    tables_ = SensorTables()
    longest = bytearray(_battery_and_temperature(MAX_FIELDS, 0, SERIAL))
    longest += bytes((make_field("BAT", 1).sensor.id, 1))  # one field past what nodes send
    longest[4] = len(longest) - 5
    raw = bytes(longest)
    assert len(decode_binary(raw).fields) == MAX_FIELDS + 1
    for _ in range(5):
        decode_binary(raw, tables=tables_)
    assert tables_.plans.read(raw) is None
    assert tables_.plans.compiles == 0


def test_the_cache_starts_again_when_full() -> None:
    cache = PlanCache()
    base = _frame()
    reference = decode_binary(base)
    for number in range(MAX_PLANS + 1):
        raw = base[:5] + number.to_bytes(8, "big") + base[13:]
        cache.learn(raw, reference, 18, SensorTables().layouts(6))
    assert len(cache) == 1


@given(
    table=tables,
    serial=serials,
    name=node_names,
    sequence=sequences,
    data=st.data(),
)
def test_planned_and_reference_reads_agree(
    table: int, serial: str, name: str, sequence: int, data: st.DataObject
) -> None:
    fields = data.draw(fields_of(table))
    raw = encode_or_skip(
        encode_binary,
        serial=serial,
        node_name=name,
        sequence=sequence,
        fields=fields,
        frame_type=table,
    )
    planned = _planned(raw)
    assert repr(planned.plans.read(raw)) == _outcome(raw, SensorTables())
    # the same layout with other bytes anywhere: the plan, or the reference path, gives the
    # reference's frame or error
    position = data.draw(st.integers(0, len(raw) - 1))
    byte = data.draw(st.integers(0, 255))
    changed = raw[:position] + bytes((byte,)) + raw[position + 1 :]
    assert _outcome(changed, planned) == _outcome(changed, SensorTables())


def _tables_reading_with(
    chosen: Callable[..., Any] | None, monkeypatch: pytest.MonkeyPatch, raw: bytes
) -> SensorTables:
    """Tables with a plan for ``raw`` made by ``chosen`` (``None``: the pure-Python plan)."""
    monkeypatch.setattr(binary_plans, "compiled_reader", chosen)
    return _planned(raw)


@given(table=tables, serial=serials, name=node_names, sequence=sequences, data=st.data())
def test_the_compiled_and_the_pure_plan_give_the_same_frames(
    table: int, serial: str, name: str, sequence: int, data: st.DataObject
) -> None:
    built = _built_reader()
    if built is None:
        skip_or_fail("the compiled plan reader was not built")
    raw = encode_or_skip(
        encode_binary,
        serial=serial,
        node_name=name,
        sequence=sequence,
        fields=data.draw(fields_of(table)),
        frame_type=table,
    )
    with pytest.MonkeyPatch.context() as patch:
        compiled = _tables_reading_with(built, patch, raw)
        pure = _tables_reading_with(None, patch, raw)
    assert type(compiled.plans._plans[raw[3:13]]) is built
    assert type(pure.plans._plans[raw[3:13]]) is binary_plans.BinaryPlan
    changes = data.draw(st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255))))
    changed = bytearray(raw)
    for position, byte in changes:
        changed[position] = byte
    for sample in (raw, bytes(changed)):
        assert repr(compiled.plans.read(sample)) == repr(pure.plans.read(sample))


def test_the_compiled_reader_keeps_its_references_straight(reader: str) -> None:
    """Reading and dropping many frames leaves every shared object's count as it was."""
    raw = _frame()
    planned = _planned(raw)
    first = planned.plans.read(raw)
    assert first is not None
    shared = [first.fields[0].sensor, first.serial, first.node_name, first.kind, first.fields[4]]
    before = [sys.getrefcount(item) for item in shared]
    for sequence in range(500):
        frame = planned.plans.read(_frame(sequence % 256))
        assert frame is not None
        assert frame.sequence == sequence % 256
        assert frame.fields[4].values == ("LOW1",)
    del frame
    assert [sys.getrefcount(item) for item in shared] == before


def test_the_compiled_reader_refuses_a_plan_that_does_not_fit_its_frame() -> None:
    built = _built_reader()
    if built is None:
        skip_or_fail("the compiled plan reader was not built")
    spec = make_field("BAT", 1).sensor
    head = (FrameKind.BINARY, 0, SERIAL, "roof", 6)
    good: dict[str, Any] = {
        "size": 22,
        "name_hash": b"roof#",
        "sequence_at": 18,
        "head": head,
        "steps": ((19, spec.id, "B", 1, spec),),
        "field_type": Field,
        "frame_type": Frame,
    }
    assert built(**good).read(bytes(22)) is None  # no delimiter: not this plan's frame
    wrong: list[dict[str, Any]] = [
        {"steps": ((21, spec.id, "B", 1, spec),)},  # its value past the frame's end
        {"steps": ((18, spec.id, "B", 1, spec),)},  # on the sequence byte
        {"steps": ((19, spec.id, "q", 1, spec),)},  # a format no field has
        {"steps": ((19, 256, "B", 1, spec),)},  # not a byte
        {"steps": ((19, spec.id, "B", 2**62, spec),)},  # a count that would overflow
        {"steps": ((19, spec.id, "I", 2**61, spec),)},
        {"steps": ((10**12, spec.id, "B", 1, spec),)},  # far past the end
        {"steps": ((19, spec.id, chr(0x142), 1, spec),)},  # no format, even cut to a byte
        {"steps": ((19, spec.id, "BB", 1, spec),)},
        {"sequence_at": 17},  # not where the name ends
        {"head": head[:4]},
    ]
    for change in wrong:
        with pytest.raises(ValueError, match="fit"):
            built(**(good | change))
    with pytest.raises(TypeError):
        built(**(good | {"steps": ((19, spec.id),)}))
    with pytest.raises(TypeError):
        built(**(good | {"steps": ((19, "x", "B", 1, spec),)}))
    for not_a_named_tuple in (time.struct_time, os.stat_result, int):  # struct sequences
        with pytest.raises(TypeError, match="derived from tuple alone"):
            built(**(good | {"field_type": not_a_named_tuple}))
        with pytest.raises(TypeError, match="derived from tuple alone"):
            built(**(good | {"frame_type": not_a_named_tuple}))

    class Reentrant:
        """An offset whose reading makes the reader first (code run while parsing steps)."""

        def __index__(self) -> int:
            reentered.__init__(**good)
            return 19

    reentered = built.__new__(built)  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="once"):
        reentered.__init__(**(good | {"steps": ((Reentrant(), spec.id, "B", 1, spec),)}))
    assert reentered.read(_frame()) is None  # made by the inner call, for another frame
    made = built(**good)
    with pytest.raises(TypeError, match="once"):
        made.__init__(**good)
    # a reader whose making failed holds nothing and reads nothing (no stale steps)
    for change in [*wrong, {"steps": ((10**12, "x", "B", 1, spec),)}]:
        failed = built.__new__(built)  # type: ignore[attr-defined]
        with pytest.raises((ValueError, TypeError)):
            failed.__init__(**(good | change))
        frame = b"<=>" + bytes(10) + b"roof#" + bytes(4)
        assert failed.read(frame) is None
        failed.__init__(**good)  # and it can still be made
        assert failed.read(frame) is None


def test_a_frame_given_as_a_bytearray_or_a_view_is_read_as_its_bytes() -> None:
    raw = _frame()
    planned = _planned(raw)
    expected = decode_binary(raw, tables=SensorTables())
    assert decode_binary(bytearray(raw), tables=planned) == expected
    assert decode_binary(memoryview(raw), tables=planned) == expected


def test_the_golden_frames_read_the_same_the_third_time() -> None:
    """The shared golden examples, decoded once by the reference path and then by the plan
    (with the reader this test runs with), give the same frame or the same error each time."""
    from tests.test_golden import EXAMPLES, _input

    planned_reads = 0
    for example in EXAMPLES:
        raw = _input(example)
        tables_ = SensorTables()
        keys = example.get("keys")
        outcomes = []
        for _ in range(3):
            try:
                outcomes.append(repr(decode_any(raw, keys, tables=tables_)))
            except FrameError as exc:
                outcomes.append(f"{type(exc).__name__} at {exc.offset}: {exc}")
        assert outcomes == outcomes[:1] * 3, example["description"]
        planned_reads += tables_.plans.read(raw) is not None
    assert planned_reads >= 4  # the plain binary examples did take the plan
