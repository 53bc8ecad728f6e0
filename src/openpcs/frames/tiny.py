"""Tiny frames, the short format for Sigfox and LoRaWAN: ``[sequence][length][fields…]``.

A tiny frame has no delimiter, type, serial or node name: the receiver knows the device from
the network server and its sensor table from the device's configuration (``table``).
Splitting a binary frame into tiny frames lives in :mod:`openpcs.frames.split`.
"""

from __future__ import annotations

from collections.abc import Iterable

from openpcs.catalog import V12_TABLE
from openpcs.frames.binary import read_binary_fields
from openpcs.frames.errors import BadLength, FrameError, TruncatedFrame
from openpcs.frames.layout import TINY_MAX
from openpcs.frames.model import Frame, FrameKind, Unread
from openpcs.frames.tables import BUILT_IN_TABLES, SensorTables

__all__ = ["decode_tiny", "looks_like_tiny", "reassemble_tiny"]


def looks_like_tiny(data: bytes) -> bool:
    """Return whether ``data`` has a tiny frame's shape: its byte 1 equals its length."""
    return 2 <= len(data) <= TINY_MAX and data[1] == len(data)


def decode_tiny(
    data: bytes | bytearray | memoryview,
    table: int = 6,
    *,
    tables: SensorTables = BUILT_IN_TABLES,
    partial: bool = False,
) -> Frame:
    """Decode one tiny frame whose fields follow sensor table ``table`` (6, 7 or 8).

    With ``partial``, an id the table does not define ends the fields instead of raising, and
    the frame's ``unread`` says where.
    """
    raw = bytes(data)
    if len(raw) < 2:
        raise TruncatedFrame(f"tiny frame needs at least 2 bytes, got {len(raw)}", len(raw))
    if raw[1] != len(raw):
        raise BadLength(f"tiny frame length byte says {raw[1]}, the frame has {len(raw)}", 1)
    try:
        layouts = tables.layouts(table) if table != V12_TABLE else None
    except KeyError:
        layouts = None
    if layouts is None:
        raise FrameError(f"there is no sensor table {table} for tiny frames (6, 7 or 8)")
    unread: list[Unread] | None = [] if partial else None
    fields = read_binary_fields(raw, 2, len(raw), layouts, unread=unread)
    return Frame(
        FrameKind.TINY, None, None, None, raw[0], tuple(fields), table, unread=tuple(unread or ())
    )


def reassemble_tiny(frames: Iterable[bytes | Frame], table: int = 6) -> list[Frame]:
    """Merge consecutive tiny frames that share a sequence byte into one reading set each.

    Input order is kept; a change of sequence byte starts a new set. Bytes are decoded with
    ``table``; each set is a ``TINY`` frame holding the fields of all its parts in order.
    """
    sets: list[Frame] = []
    for item in frames:
        frame = item if isinstance(item, Frame) else decode_tiny(item, table)
        if sets and sets[-1].sequence == frame.sequence:
            last = sets[-1]
            sets[-1] = last._replace(fields=last.fields + frame.fields)
        else:
            sets.append(frame)
    return sets
