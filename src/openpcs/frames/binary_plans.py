"""Compiled readers for the binary frames a node sends again and again.

A node sends the same layout every cycle: the same serial, name, field ids and sizes, only
the values change. After a frame has been decoded field by field (the reference path in
:mod:`openpcs.frames.binary`), a :class:`BinaryPlan` records that layout: one
``struct.Struct`` over the whole field region (ids, values, string lengths and characters)
and a reader that builds the fields straight from the unpacked tuple.

A plan is only a guess, checked on every frame before it is used: the frame must have the
plan's size, delimiter and name, and every id byte and string length byte the plan expects.
Those bytes decide every step of the reference walk, so a frame that passes reads exactly
as the reference path reads it (the same format characters, little-endian, unpacked at the
same offsets); one that does not goes the reference way. Strings must still be ASCII without
NUL, or the reference path says why not.

:class:`PlanCache` keys plans by frame bytes 3-12 (type, length and serial): one plan per
node and frame size. A key is compiled the second time it is seen, so that one-off frames
(fuzzing, a node seen once) cost nothing but a set entry, and the cache is emptied when it
holds :data:`MAX_PLANS` keys.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, Final

from openpcs.frames.layout import DELIMITER, FieldLayout
from openpcs.frames.model import Field, Frame, FrameKind

__all__ = ["MAX_PLANS", "BinaryPlan", "PlanCache", "compile_plan"]

#: Keys (node and frame size) a cache holds before it starts again from empty.
MAX_PLANS: Final = 4096
#: Frames in a row that fail a plan's checks before the plan is compiled again.
_MISSES_BEFORE_RECOMPILE: Final = 16
_KEY_START: Final = 3
_KEY_END: Final = 13
_SEEN_ONCE: Final = object()
_new = tuple.__new__
_BINARY = FrameKind.BINARY

Builder = Callable[[tuple[Any, ...]], tuple[Field, ...]]


class BinaryPlan:
    """One node's frame layout, checked and read in one pass (see the module docstring)."""

    __slots__ = (
        "_build",
        "_checked",
        "_expected",
        "_head",
        "_name_hash",
        "_region",
        "_sequence_at",
        "_size",
        "_strings",
        "misses",
    )

    def __init__(
        self,
        *,
        head: tuple[Any, ...],
        size: int,
        name_hash: bytes,
        region: struct.Struct,
        checked: Callable[[tuple[Any, ...]], Any],
        expected: object,
        strings: tuple[int, ...],
        build: Builder,
    ) -> None:
        self._head = head  # kind, frame type, serial, node name, sensor table
        self._size = size
        self._name_hash = name_hash
        self._sequence_at = _KEY_END + len(name_hash)
        self._region = region
        self._checked = checked
        self._expected = expected
        self._strings = strings
        self._build = build
        self.misses = 0

    def read(self, raw: bytes) -> Frame | None:
        """The frame ``raw`` holds if it has this plan's layout, else ``None``."""
        at = self._sequence_at
        if (
            len(raw) != self._size
            or raw[:_KEY_START] != DELIMITER
            or raw[_KEY_END:at] != self._name_hash
        ):
            return None
        values = self._region.unpack_from(raw, at + 1)
        if self._checked(values) != self._expected:
            return None
        for index in self._strings:
            text = values[index]
            if not text.isascii() or 0 in text:
                return None
        kind, frame_type, serial, name, table = self._head
        fields = self._build(values)
        return _new(Frame, (kind, frame_type, serial, name, raw[at], fields, table, (), None, ()))


def _builder(specs: Sequence[object], parts: Sequence[str]) -> Builder:
    """A function building the fields from the unpacked region, one expression per field.

    The source is made here from integer indexes alone (no text from a frame reaches it);
    the sensor rows are passed in as default arguments ``s0``, ``s1`` …
    """
    names = ", ".join(f"s{i}=s{i}" for i in range(len(specs)))
    body = "".join(f"new(F, (s{i}, {part})), " for i, part in enumerate(parts))
    source = f"def build(v, new=new, F=F, {names}):\n    return ({body})\n"
    scope: dict[str, Any] = {"new": _new, "F": Field}
    scope.update({f"s{i}": spec for i, spec in enumerate(specs)})
    namespace: dict[str, Any] = {}
    exec(compile(source, "<binary frame plan>", "exec"), scope, namespace)
    build: Builder = namespace["build"]
    return build


def compile_plan(
    raw: bytes, frame: Frame, sequence_at: int, layouts: Sequence[FieldLayout | None]
) -> BinaryPlan:
    """A plan for frames laid out as ``raw``, which the reference path decoded whole as
    ``frame`` with ``layouts``; ``sequence_at`` is the offset of the sequence byte, and the
    fields follow it to the end."""
    formats: list[str] = []
    checks: list[int] = []
    strings: list[int] = []
    parts: list[str] = []
    index = 0
    at = sequence_at + 1
    for item in frame.fields:
        sensor_id = item.sensor.id
        layout = layouts[sensor_id]
        assert layout is not None  # the fields were read with these layouts
        checks.append(index)
        if layout.codec is None:
            length = raw[at + 1]
            formats.append(f"BB{length}s")
            checks.append(index + 1)
            strings.append(index + 2)
            parts.append(f"(v[{index + 2}].decode('ascii'),)")
            index += 3
            at += 2 + length
            continue
        count = item.sensor.count
        formats.append("B" + layout.codec.format.lstrip("<"))
        first = index + 1
        parts.append(f"(v[{first}],)" if count == 1 else f"v[{first}:{first + count}]")
        index += 1 + count
        at += 1 + layout.size
    region = struct.Struct("<" + "".join(formats))
    checked = itemgetter(*checks) if checks else (lambda values: ())
    expected = checked(region.unpack_from(raw, sequence_at + 1))
    return BinaryPlan(
        head=(_BINARY, frame.frame_type, frame.serial, frame.node_name, frame.sensor_table),
        size=len(raw),
        name_hash=raw[_KEY_END:sequence_at],
        region=region,
        checked=checked,
        expected=expected,
        strings=tuple(strings),
        build=_builder([item.sensor for item in frame.fields], parts),
    )


class PlanCache:
    """Plans by frame bytes 3-12; safe to share between threads (dict operations only)."""

    __slots__ = ("_plans",)

    def __init__(self) -> None:
        self._plans: dict[bytes, object] = {}

    def __len__(self) -> int:
        return len(self._plans)

    def read(self, raw: bytes) -> Frame | None:
        """The frame ``raw`` holds, read by its plan; ``None`` when there is none that fits."""
        plan = self._plans.get(raw[_KEY_START:_KEY_END])
        if plan is None or plan is _SEEN_ONCE:
            return None
        assert isinstance(plan, BinaryPlan)
        frame = plan.read(raw)
        if frame is None:
            plan.misses += 1
        elif plan.misses:
            plan.misses = 0
        return frame

    def learn(
        self,
        raw: bytes,
        frame: Frame,
        sequence_at: int,
        layouts: Sequence[FieldLayout | None],
    ) -> None:
        """Remember the layout of ``raw``, which the reference path decoded whole as ``frame``:
        a key seen for the first time is noted, one seen again gets a plan, and a plan that
        keeps missing is replaced."""
        key = raw[_KEY_START:_KEY_END]
        known = self._plans.get(key)
        if isinstance(known, BinaryPlan) and known.misses < _MISSES_BEFORE_RECOMPILE:
            return
        if known is None:
            if len(self._plans) >= MAX_PLANS:
                self._plans.clear()
            self._plans[key] = _SEEN_ONCE
            return
        self._plans[key] = compile_plan(raw, frame, sequence_at, layouts)
