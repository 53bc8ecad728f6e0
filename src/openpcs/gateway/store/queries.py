"""Reading the store for the query API: devices, readings, frames, reading sets, with pages.

Pages use keyset cursors (an opaque text naming the last row returned), so a page costs the
same however deep it is and rows stored meanwhile neither repeat nor go missing. Readings come
in storage order (frame, then field: the order of arrival); frames newest first by default.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, Select, func, select, tuple_

from openpcs.gateway.readings import shown, shown_values
from openpcs.gateway.storable import MAX_ID
from openpcs.gateway.store.schema import DEVICE_ALIASES, DEVICES, FRAMES, READING_SETS, READINGS
from openpcs.gateway.views import DeviceView, FrameView, ReadingSetView, ReadingView

__all__ = [
    "CursorError",
    "device",
    "devices",
    "frame",
    "frames",
    "reading_sets",
    "readings",
]

_SEP = "~"
_MAX_ID_DIGITS = 19
#: The columns of ``readings`` a reading shows, after who sent it and when.
_READING_FIELDS = ("sensor", "sensor_id", "value", "values", "text", "unit")


class CursorError(ValueError):
    """A page cursor that this API did not hand out."""


def _encode(*parts: Any) -> str:
    text = _SEP.join(p.isoformat() if isinstance(p, datetime) else str(p) for p in parts)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _decode(cursor: str, count: int) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8").split(_SEP)
    except (binascii.Error, UnicodeError, ValueError):
        raise CursorError("after: not a cursor this API handed out") from None
    if len(parts) != count or not all(part.isprintable() for part in parts):
        raise CursorError("after: not a cursor this API handed out")
    return parts


def _reading_cursor(cursor: str) -> tuple[int, int]:
    frame_id, position = _decode(cursor, 2)
    return _cursor_int(frame_id), _cursor_int(position)


def _id_cursor(cursor: str) -> int:
    (value,) = _decode(cursor, 1)
    return _cursor_int(value)


def _cursor_int(text: str) -> int:
    """A whole number of a cursor, in the range of a 64-bit column."""
    if not text.isascii() or not text.isdigit() or len(text) > _MAX_ID_DIGITS:
        raise CursorError("after: not a cursor this API handed out")
    value = int(text)
    if value > MAX_ID:
        raise CursorError("after: not a cursor this API handed out")
    return value


def _list(raw: Any) -> list[Any] | None:
    """A JSON list column's value (drivers give text or an already loaded list)."""
    if raw is None or isinstance(raw, list):
        return raw
    loaded = json.loads(raw)
    return loaded if isinstance(loaded, list) else None


def _values(raw: Any) -> list[Any] | None:
    """A reading's values as people read them (see :func:`shown`)."""
    loaded = _list(raw)
    return None if loaded is None else shown_values(loaded)


def _reading(row: Sequence[Any]) -> ReadingView:
    """A reading as the API shows it, from (frame id, position, received at, serial, node
    name, sensor, sensor id, value, values, text, unit): numbers as people read them."""
    frame_id, position, received_at, serial, node_name, sensor, sensor_id = row[:7]
    value, values, text, unit = row[7:]
    return ReadingView(
        frame_id=frame_id,
        position=position,
        received_at=received_at,
        serial=serial,
        node_name=node_name,
        sensor=sensor,
        sensor_id=sensor_id,
        value=shown(value),
        values=_values(values),
        text=text,
        unit=unit,
    )


def readings(
    engine: Engine,
    *,
    serial: str | None = None,
    sensor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: str | None = None,
    limit: int = 1000,
) -> tuple[list[ReadingView], str | None]:
    """Readings in the order they were stored, filtered; and the next page's cursor.

    Storage order is frame id order: one pipeline stores frames in the order it archived
    them, so a client following the ``next`` cursor sees every reading stored after its page
    (``received_at`` may step back: a network server's time, a request that read its body
    longer). Exceptions: a frame whose processing was retried after a store failure, and
    frames of several gateway instances sharing one PostgreSQL store, may land behind a cursor.
    """
    f, r = FRAMES.c, READINGS.c
    query: Any = (
        select(
            f.id,
            r.position,
            f.received_at,
            f.serial,
            f.node_name,
            r.sensor,
            r.sensor_id,
            r.value,
            r["values"],
            r.text,
            r.unit,
        )
        .select_from(READINGS.join(FRAMES, f.id == r.frame_id))
        .order_by(f.id, r.position)
        .limit(limit + 1)
    )
    if serial is not None:
        query = query.where(f.serial == serial)
    if sensor is not None:
        query = query.where(r.sensor == sensor)
    query = _time_range(query, f.received_at, since, until)
    if after is not None:
        frame_id, position = _reading_cursor(after)
        query = query.where(tuple_(r.frame_id, r.position) > tuple_(frame_id, position))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    items = [_reading(row) for row in rows[:limit]]
    following = None
    if len(rows) > limit:
        last = items[-1]
        following = _encode(last.frame_id, last.position)
    return items, following


def _time_range(
    query: Select[Any], column: Any, since: datetime | None, until: datetime | None
) -> Select[Any]:
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column < until)
    return query


def frames(
    engine: Engine,
    *,
    serial: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: str | None = None,
    limit: int = 100,
    order: Literal["asc", "desc"] = "desc",
) -> tuple[list[FrameView], str | None]:
    """Archived frames, newest first (or oldest first), filtered; and the next cursor."""
    f = FRAMES.c
    query = select(FRAMES).limit(limit + 1)
    query = query.order_by(f.id.desc() if order == "desc" else f.id)
    if serial is not None:
        query = query.where(f.serial == serial)
    if status is not None:
        query = query.where(f.status == status)
    query = _time_range(query, f.received_at, since, until)
    if after is not None:
        last_id = _id_cursor(after)
        query = query.where(f.id < last_id if order == "desc" else f.id > last_id)
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    items = [_frame_view(row) for row in rows[:limit]]
    following = _encode(items[-1].id) if len(rows) > limit else None
    return items, following


def _frame_view(row: Any, readings_of: list[ReadingView] | None = None) -> FrameView:
    meta = row["meta"]
    if isinstance(meta, str):
        meta = json.loads(meta)
    return FrameView(
        id=row["id"],
        received_at=row["received_at"],
        adapter=row["adapter"],
        remote=row["remote"],
        format=row["format"],
        data=bytes(row["data"]).hex().upper(),
        meta=meta,
        device=row["device"],
        counter=row["counter"],
        status=row["status"],
        error=row["error"],
        serial=row["serial"],
        node_name=row["node_name"],
        frame_type=row["frame_type"],
        sequence=row["sequence"],
        set_id=row["set_id"],
        readings=readings_of,
    )


def frame(engine: Engine, frame_id: int) -> FrameView | None:
    """One frame with its readings, or ``None``."""
    f, r = FRAMES.c, READINGS.c
    with engine.connect() as connection:
        row = connection.execute(select(FRAMES).where(f.id == frame_id)).mappings().first()
        if row is None:
            return None
        fields = (
            connection.execute(select(READINGS).where(r.frame_id == frame_id).order_by(r.position))
            .mappings()
            .all()
        )
    sender = (row["received_at"], row["serial"], row["node_name"])
    readings_of = [
        _reading((frame_id, item["position"], *sender, *(item[c] for c in _READING_FIELDS)))
        for item in fields
    ]
    return _frame_view(row, readings_of)


def _device_view(row: Any, aliases: Sequence[str]) -> DeviceView:
    return DeviceView(
        serial=row.serial,
        label=row.label,
        node_name=row.node_name,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        battery=row.battery,
        battery_unit=row.battery_unit,
        frames=row.frames,
        errors=row.errors,
        keys=_held_keys(row._mapping["keys"]),
        ingest_token=row.ingest_token_hash is not None,
        tiny_table=row.tiny_table,
        expected_sensors=row.expected_sensors,
        aliases=sorted(aliases),
    )


def _held_keys(sealed: str | None) -> dict[str, bool]:
    # The kinds held are stored in clear beside the sealed keys: "payload,bridge|<sealed>".
    if not sealed:
        return {"payload": False, "bridge": False}
    kinds = sealed.partition("|")[0].split(",")
    return {"payload": "payload" in kinds, "bridge": "bridge" in kinds}


def devices(
    engine: Engine, *, after: str | None = None, limit: int = 100
) -> tuple[list[DeviceView], str | None]:
    """Devices by serial; and the next cursor."""
    d = DEVICES.c
    query = select(DEVICES).order_by(d.serial).limit(limit + 1)
    if after is not None:
        (last,) = _decode(after, 1)
        query = query.where(d.serial > last)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        serials = [row.serial for row in rows[:limit]]
        aliases = _aliases(connection, serials)
    items = [_device_view(row, aliases.get(row.serial, [])) for row in rows[:limit]]
    following = _encode(items[-1].serial) if len(rows) > limit else None
    return items, following


def device(engine: Engine, serial: str) -> DeviceView | None:
    """One device, or ``None``."""
    with engine.connect() as connection:
        row = connection.execute(select(DEVICES).where(DEVICES.c.serial == serial)).first()
        if row is None:
            return None
        aliases = _aliases(connection, [serial])
    return _device_view(row, aliases.get(serial, []))


def _aliases(connection: Any, serials: list[str]) -> dict[str, list[str]]:
    if not serials:
        return {}
    a = DEVICE_ALIASES.c
    rows = connection.execute(select(a.alias, a.serial).where(a.serial.in_(serials))).all()
    found: dict[str, list[str]] = {}
    for alias, serial in rows:
        found.setdefault(serial, []).append(alias)
    return found


def reading_sets(
    engine: Engine,
    *,
    serial: str | None = None,
    status: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> tuple[list[ReadingSetView], str | None]:
    """Reading sets, newest first; and the next cursor."""
    s = READING_SETS.c
    query = select(READING_SETS).order_by(s.id.desc()).limit(limit + 1)
    if serial is not None:
        query = query.where(s.serial == serial)
    if status is not None:
        query = query.where(s.status == status)
    if after is not None:
        query = query.where(s.id < _id_cursor(after))
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    items = [
        ReadingSetView(
            id=row["id"],
            serial=row["serial"],
            sequence=row["sequence"],
            status=row["status"],
            parts=row["parts"],
            counters=_list(row["counters"]),
            missing=_list(row["missing"]),
            first_at=row["first_at"],
            last_at=row["last_at"],
        )
        for row in rows[:limit]
    ]
    following = _encode(items[-1].id) if len(rows) > limit else None
    return items, following


def frame_count(engine: Engine) -> int:
    """How many frames are archived."""
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(FRAMES)).scalar_one())
