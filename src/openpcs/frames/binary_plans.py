"""Compiled readers for the binary frames nodes send again and again.

A node sends the same layout every cycle: the same serial, name, field ids and sizes, only
the values change, and a fleet of one model sends one layout from many serials. After a frame
has been decoded field by field (the reference path in :mod:`openpcs.frames.binary`), the
cache records:

- per layout (the sensor table and the id and string-length bytes in order), a
  :class:`CompiledLayout`: one ``struct.Struct`` over the whole field region (ids, values,
  string lengths and characters) and a reader that builds the fields straight from the
  unpacked tuple, compiled once and shared by every node that sends the layout;
- per node and frame size (frame bytes 3-12: type, length, serial), a :class:`BinaryPlan`:
  the node's name and its layout.

A plan is only a guess, checked on every frame before it is used: the frame must have the
plan's size, delimiter and name, and every id byte and string length byte its layout expects.
Those bytes decide every step of the reference walk, so a frame that passes reads exactly as
the reference path reads it (the same format characters, little-endian, unpacked at the same
offsets); one that does not goes the reference way. Strings must still be ASCII without NUL,
or the reference path says why not.

What a sender can make the cache do is bounded: a key gets a plan the second time it is seen;
a layout is compiled only while the compile budget lasts (the reference path earns it by the
fields it decodes, up to a cap, and a compile spends :data:`COMPILE_COST` per field), so
frames made to defeat the plans cost at most a small share more than the reference path;
frames of more than :data:`~openpcs.frames.layout.MAX_FIELDS` fields (more than a node
sends) get no plan; and both tables are emptied together when either is full, so that no
plan keeps a dropped layout alive.

Where the optional compiled reader was built (``openpcs.frames._plan_reader``, C, see
``setup.py``), a plan is read by it: the same checks of the same bytes, the same frame, built
without a ``struct`` call or a Python frame per field. :class:`BinaryPlan` stays the reference
and the fallback; ``OPENPCS_PURE_PYTHON=1`` in the environment keeps it in use.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, Final, Protocol

from openpcs.frames.layout import DELIMITER, FORMAT_CHAR, MAX_FIELDS, FieldLayout
from openpcs.frames.model import Field, Frame, FrameKind

__all__ = [
    "COMPILE_COST",
    "FIRST_BUDGET",
    "MAX_LAYOUTS",
    "MAX_PLANS",
    "BinaryPlan",
    "CompiledLayout",
    "Plan",
    "PlanCache",
    "compiled_reader",
    "make_plan",
]

#: Keys (node and frame size) a cache holds before it starts again from empty.
MAX_PLANS: Final = 16384
#: Compiled layouts a cache holds before it starts again from empty (plans keep theirs).
MAX_LAYOUTS: Final = 512
#: Frames in a row that fail a plan's checks before the plan is made again.
_MISSES_BEFORE_REPLAN: Final = 16
#: What compiling a layout costs, per field and one more, in budget units; the reference path
#: earns one unit per field it decodes and one per frame. A compile takes about as long as a
#: hundred reference decodes of the layout's own frame, cheap frames earn little, so the work
#: compiles can add stays a small share of what the reference path did.
COMPILE_COST: Final = 100
#: The budget a cache starts with (64 compiles of 10-field layouts), and the most it holds.
FIRST_BUDGET: Final = 64 * 11 * COMPILE_COST
MOST_BUDGET: Final = 4 * FIRST_BUDGET
_KEY_START: Final = 3
_KEY_END: Final = 13


class _SeenOnce:
    """What the cache holds for a key seen once: no plan yet."""

    __slots__ = ()


_SEEN_ONCE: Final = _SeenOnce()
_new = tuple.__new__
_BINARY = FrameKind.BINARY

Builder = Callable[[tuple[Any, ...]], tuple[Field, ...]]
#: One field of a layout as the compiled reader takes it: the offset of its id byte from the
#: start of the field region, the id, the value format (``s``: a string) and the number of
#: values (of a string: its length), and the sensor row.
Step = tuple[int, int, str, int, object]


class Plan(Protocol):
    """What the cache keeps per node and frame size: a reader of that node's frames."""

    misses: int

    def read(self, raw: bytes) -> Frame | None:
        """The frame ``raw`` holds if it has this plan's layout, else ``None``."""


def _compiled_reader() -> Callable[..., Plan] | None:
    """The compiled plan reader's class, or ``None`` when it was not built or is turned off."""
    if os.environ.get("OPENPCS_PURE_PYTHON") == "1":
        return None
    try:
        from openpcs.frames._plan_reader import PlanReader  # type: ignore[import-not-found]
    except ImportError:
        return None
    reader: Callable[..., Plan] = PlanReader
    return reader


#: The compiled reader plans are made with, ``None`` for the pure-Python :class:`BinaryPlan`.
compiled_reader: Callable[..., Plan] | None = _compiled_reader()


class CompiledLayout:
    """One layout's field region: unpacked in one call, checked, and turned into fields;
    ``steps`` describe it to the compiled reader."""

    __slots__ = ("build", "checked", "expected", "region", "steps", "strings")

    def __init__(
        self,
        *,
        region: struct.Struct,
        checked: Callable[[tuple[Any, ...]], Any],
        expected: object,
        strings: tuple[int, ...],
        build: Builder,
        steps: tuple[Step, ...],
    ) -> None:
        self.region = region
        self.checked = checked
        self.expected = expected
        self.strings = strings
        self.build = build
        self.steps = steps


class BinaryPlan:
    """One node's frames of one size: its header and its layout (see the module docstring)."""

    __slots__ = ("_head", "_layout", "_name_hash", "_sequence_at", "_size", "misses")

    def __init__(
        self, *, head: tuple[Any, ...], size: int, name_hash: bytes, layout: CompiledLayout
    ) -> None:
        self._head = head  # kind, frame type, serial, node name, sensor table
        self._size = size
        self._name_hash = name_hash
        self._sequence_at = _KEY_END + len(name_hash)
        self._layout = layout
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
        layout = self._layout
        values = layout.region.unpack_from(raw, at + 1)
        if layout.checked(values) != layout.expected:
            return None
        for index in layout.strings:
            text = values[index]
            if not text.isascii() or 0 in text:
                return None
        kind, frame_type, serial, name, table = self._head
        fields = layout.build(values)
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


def _signature(raw: bytes, sequence_at: int, layouts: Sequence[FieldLayout | None]) -> bytes:
    """The bytes that decide a frame's layout: each id byte, and each string's length byte."""
    marks = bytearray()
    at = sequence_at + 1
    end = len(raw)
    while at < end:
        layout = layouts[raw[at]]
        assert layout is not None  # the frame was read whole with these layouts
        marks.append(raw[at])
        if layout.codec is None:
            marks.append(raw[at + 1])
            at += 2 + raw[at + 1]
        else:
            at += 1 + layout.size
    return bytes(marks)


def compile_layout(
    raw: bytes, frame: Frame, sequence_at: int, layouts: Sequence[FieldLayout | None]
) -> CompiledLayout:
    """The layout of ``raw``, which the reference path decoded whole as ``frame`` with
    ``layouts``; ``sequence_at`` is the offset of the sequence byte, and the fields follow it
    to the end."""
    formats: list[str] = []
    checks: list[int] = []
    strings: list[int] = []
    parts: list[str] = []
    steps: list[Step] = []
    index = 0
    at = sequence_at + 1
    for item in frame.fields:
        layout = layouts[raw[at]]  # the id byte read, as the reference path looked it up
        assert layout is not None
        checks.append(index)
        if layout.codec is None:
            length = raw[at + 1]
            formats.append(f"BB{length}s")
            checks.append(index + 1)
            strings.append(index + 2)
            parts.append(f"(v[{index + 2}].decode('ascii'),)")
            steps.append((at - sequence_at - 1, raw[at], "s", length, item.sensor))
            index += 3
            at += 2 + length
            continue
        count = item.sensor.count
        steps.append(
            (at - sequence_at - 1, raw[at], FORMAT_CHAR[layout.spec.type], count, item.sensor)
        )
        formats.append("B" + layout.codec.format.lstrip("<"))
        first = index + 1
        parts.append(f"(v[{first}],)" if count == 1 else f"v[{first}:{first + count}]")
        index += 1 + count
        at += 1 + layout.size
    region = struct.Struct("<" + "".join(formats))
    checked = itemgetter(*checks) if checks else (lambda values: ())
    return CompiledLayout(
        region=region,
        checked=checked,
        expected=checked(region.unpack_from(raw, sequence_at + 1)),
        strings=tuple(strings),
        build=_builder([item.sensor for item in frame.fields], parts),
        steps=tuple(steps),
    )


def make_plan(
    *, head: tuple[Any, ...], size: int, name_hash: bytes, layout: CompiledLayout
) -> Plan:
    """A plan for one node's frames of one size: read by the compiled reader where it was
    built, else by :class:`BinaryPlan`."""
    reader = compiled_reader
    if reader is None:
        return BinaryPlan(head=head, size=size, name_hash=name_hash, layout=layout)
    sequence_at = _KEY_END + len(name_hash)
    first = sequence_at + 1
    return reader(
        size=size,
        name_hash=name_hash,
        sequence_at=sequence_at,
        head=head,
        steps=tuple((first + at, *rest) for at, *rest in layout.steps),
        field_type=Field,
        frame_type=Frame,
    )


class PlanCache:
    """Plans by frame bytes 3-12 and compiled layouts by signature; safe to share between
    threads (dict operations; a lost update of a counter only delays a plan)."""

    __slots__ = ("_budget", "_layouts", "_plans", "compiles", "spent")

    def __init__(self) -> None:
        self._plans: dict[bytes, Plan | _SeenOnce] = {}
        self._layouts: dict[tuple[int | None, bytes], CompiledLayout] = {}
        self._budget = FIRST_BUDGET
        #: Layouts compiled so far, and the budget they took (for tests and figures).
        self.compiles = 0
        self.spent = 0

    def __len__(self) -> int:
        return len(self._plans)

    def read(self, raw: bytes) -> Frame | None:
        """The frame ``raw`` holds, read by its plan; ``None`` when there is none that fits."""
        plan = self._plans.get(raw[_KEY_START:_KEY_END])
        if plan is None or isinstance(plan, _SeenOnce):
            return None
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
        """Remember the layout of ``raw``, which the reference path decoded whole as ``frame``
        (see the module docstring for what is kept and when)."""
        if self._budget < MOST_BUDGET:
            self._budget += 1 + len(frame.fields)
        if len(frame.fields) > MAX_FIELDS:
            return
        key = raw[_KEY_START:_KEY_END]
        known = self._plans.get(key)
        if known is None:
            if len(self._plans) >= MAX_PLANS:
                self._start_again()
            self._plans[key] = _SEEN_ONCE
            return
        if not isinstance(known, _SeenOnce) and known.misses < _MISSES_BEFORE_REPLAN:
            return
        layout = self._layout(raw, frame, sequence_at, layouts)
        if layout is not None:
            head = (_BINARY, frame.frame_type, frame.serial, frame.node_name, frame.sensor_table)
            name_hash = raw[_KEY_END:sequence_at]
            self._plans[key] = make_plan(
                head=head, size=len(raw), name_hash=name_hash, layout=layout
            )

    def _layout(
        self, raw: bytes, frame: Frame, sequence_at: int, layouts: Sequence[FieldLayout | None]
    ) -> CompiledLayout | None:
        """The compiled layout of ``raw``: shared if known, compiled if the budget allows."""
        signature = (frame.sensor_table, _signature(raw, sequence_at, layouts))
        found = self._layouts.get(signature)
        cost = COMPILE_COST * (1 + len(frame.fields))
        if found is not None or self._budget < cost:
            return found
        self._budget -= cost
        self.spent += cost
        self.compiles += 1
        if len(self._layouts) >= MAX_LAYOUTS:
            self._start_again()
        compiled = compile_layout(raw, frame, sequence_at, layouts)
        self._layouts[signature] = compiled
        return compiled

    def _start_again(self) -> None:
        """Forget every plan and layout (the budget stays)."""
        self._plans.clear()
        self._layouts.clear()
