"""Splitting one binary frame into smaller ones: tiny frames and fragments.

Both follow the node's first-fit rule: walk the fields in frame order and put every field not
yet sent that still fits into the part being built; start a new part when none fits. A field
that can never fit is reported in ``dropped``, never silently lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from openpcs.catalog import sensor_table
from openpcs.frames.binary import field_spans, pack_field
from openpcs.frames.codec import encode_frame
from openpcs.frames.errors import FrameEncodeError
from openpcs.frames.layout import FRAGMENT_BUFFER_SIZE, TINY_MAX, TINY_MIN
from openpcs.frames.model import Field, Frame, FrameKind
from openpcs.frames.values import checked_fields, timestamp_first

__all__ = ["Split", "first_fit", "split_fragments", "split_tiny"]


class Split(NamedTuple):
    """The parts a frame was split into, and the fields too large for any part."""

    parts: tuple[bytes, ...]
    dropped: tuple[Field, ...]


def first_fit(sizes: Sequence[int], capacity: int) -> tuple[list[list[int]], list[int]]:
    """Group item indexes into bins of ``capacity`` bytes, first fit in order.

    Returns the bins (lists of indexes, each in item order) and the indexes too large for any.
    """
    dropped = [i for i, size in enumerate(sizes) if size > capacity]
    pending = [i for i, size in enumerate(sizes) if size <= capacity]
    bins: list[list[int]] = []
    while pending:
        room = capacity
        chosen: list[int] = []
        left: list[int] = []
        for index in pending:
            if sizes[index] <= room:
                chosen.append(index)
                room -= sizes[index]
            else:
                left.append(index)
        bins.append(chosen)
        pending = left
    return bins, dropped


def _fields_with_bytes(frame: bytes | Frame) -> tuple[int, list[tuple[Field, bytes]]]:
    """Return the sequence and each field's binary bytes, timestamp first as in a binary frame."""
    if isinstance(frame, Frame):
        table = sensor_table(frame.sensor_table or 6)
        ordered = timestamp_first(checked_fields(frame.fields, table))
        return frame.sequence or 0, [(item, pack_field(item)) for _, item in ordered]
    header, pairs = field_spans(frame)
    return header.sequence, pairs


def split_tiny(frame: bytes | Frame, max_length: int = 12) -> Split:
    """Split a binary frame (bytes or decoded) into tiny frames of at most ``max_length`` bytes.

    Each tiny frame is ``[sequence][length][fields…]``; ``max_length`` must be 10..100.
    """
    if not TINY_MIN <= max_length <= TINY_MAX:
        raise FrameEncodeError(f"tiny frame size must be {TINY_MIN}..{TINY_MAX}", "max_length")
    sequence, pairs = _fields_with_bytes(frame)
    bins, dropped = first_fit([len(raw) for _, raw in pairs], max_length - 2)
    parts = []
    for chosen in bins:
        body = b"".join(pairs[i][1] for i in chosen)
        parts.append(bytes((sequence, len(body) + 2)) + body)
    return Split(tuple(parts), tuple(pairs[i][0] for i in dropped))


def split_fragments(frame: bytes | Frame, max_size: int) -> Split:
    """Split a binary frame longer than ``max_size`` into complete binary frames of whole fields.

    Every fragment repeats the header (type, serial, node name, sequence) with its own length
    byte. Like the node, fragments are capped at its 101-byte fragment buffer. A frame that
    already fits is returned as the only part.
    """
    if isinstance(frame, Frame):
        frame = encode_frame(frame._replace(kind=FrameKind.BINARY))
    raw = bytes(frame)
    header, pairs = field_spans(raw)
    if len(raw) <= max_size:
        return Split((raw,), ())
    capacity = min(max_size, FRAGMENT_BUFFER_SIZE) - header.fields_start
    if capacity < 2:
        raise FrameEncodeError(
            f"a {max_size}-byte limit leaves no room after the {header.fields_start}-byte header",
            "max_size",
        )
    bins, dropped = first_fit([len(part) for _, part in pairs], capacity)
    head = bytearray(raw[: header.fields_start])
    parts = []
    for chosen in bins:
        fragment = head + b"".join(pairs[i][1] for i in chosen)
        fragment[4] = len(fragment) - 5
        parts.append(bytes(fragment))
    return Split(tuple(parts), tuple(pairs[i][0] for i in dropped))
