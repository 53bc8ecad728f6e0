"""What the device page shows of the gateway's store: latest readings, series, raw frames."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import Engine, func, select

from openpcs.gateway.readings import shown
from openpcs.gateway.store.schema import FRAMES, READINGS

__all__ = ["Latest", "Point", "Sender", "latest_readings", "sensor_series", "unregistered_senders"]

_MAX_POINTS: Final = 2000
_SERIAL: Final = re.compile(r"[0-9A-F]{16}")


@dataclass(frozen=True, slots=True)
class Sender:
    """A node the gateway received frames from: its serial, the node name it last sent, how
    many frames and when the last one came."""

    serial: str
    node_name: str
    frames: int
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class Latest:
    """A sensor's newest reading."""

    sensor: str
    value: float | int | None
    text: str | None
    unit: str | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Point:
    """One reading of a series."""

    at: datetime
    value: float


def latest_readings(engine: Engine, serial: str) -> list[Latest]:
    """Each sensor's newest reading from ``serial``, by sensor tag."""
    f, r = FRAMES.c, READINGS.c
    newest = (
        select(r.sensor, func.max(r.frame_id).label("frame_id"))
        .select_from(READINGS.join(FRAMES, f.id == r.frame_id))
        .where(f.serial == serial)
        .group_by(r.sensor)
        .subquery()
    )
    query = (
        select(r.sensor, r.value, r.text, r.unit, f.received_at, r.position)
        .select_from(READINGS.join(FRAMES, f.id == r.frame_id))
        .join(newest, (newest.c.sensor == r.sensor) & (newest.c.frame_id == r.frame_id))
        .order_by(r.sensor, r.position)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    found: dict[str, Latest] = {}
    for row in rows:
        found.setdefault(
            row.sensor, Latest(row.sensor, shown(row.value), row.text, row.unit, row.received_at)
        )
    return list(found.values())


def sensor_series(engine: Engine, serial: str, sensor: str, *, limit: int = 500) -> list[Point]:
    """The newest ``limit`` numeric readings of one sensor, oldest first."""
    f, r = FRAMES.c, READINGS.c
    query = (
        select(f.received_at, r.value)
        .select_from(READINGS.join(FRAMES, f.id == r.frame_id))
        .where(f.serial == serial, r.sensor == sensor, r.value.is_not(None))
        .order_by(r.frame_id.desc(), r.position.desc())
        .limit(max(1, min(limit, _MAX_POINTS)))
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [Point(row.received_at, float(row.value)) for row in reversed(rows)]


def unregistered_senders(engine: Engine, registered: set[str], *, limit: int = 50) -> list[Sender]:
    """The nodes that sent frames but are not in the registry (``registered``), the most
    recently heard first, at most ``limit`` of them."""
    f = FRAMES.c
    last = func.max(f.received_at)
    query = (
        select(f.serial, func.max(f.node_name), func.count(), last)
        .where(f.serial.is_not(None))
        .group_by(f.serial)
        .order_by(last.desc())
        .limit(limit + len(registered))
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    found = [
        Sender(serial, node_name or "", int(count), seen)
        for serial, node_name, count, seen in rows
        if serial not in registered and _SERIAL.fullmatch(serial)
    ]
    return found[:limit]
