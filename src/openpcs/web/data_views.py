"""What the device page shows of the gateway's store: latest readings, series, raw frames."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, Final

import yaml
from sqlalchemy import Engine, func, select

from openpcs.catalog.sensors import SensorSpec, sensor_tables
from openpcs.gateway.readings import shown
from openpcs.gateway.store.schema import FRAMES, READINGS

__all__ = ["Latest", "Sender", "Series", "latest_readings", "sensor_series", "unregistered_senders"]

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
    """A sensor's newest reading: its tag, the name and unit of the sensor tables, and the
    value as people read it (a timestamp as a time, a position as latitude and longitude)."""

    sensor: str
    value: float | int | None
    text: str | None
    unit: str | None
    received_at: datetime
    values: tuple[Any, ...] = ()
    name: str = ""
    kind: str = ""
    decimals: int | None = None

    @property
    def plottable(self) -> bool:
        """Whether the reading is a measurement to plot over time."""
        return self.value is not None and not self.kind

    @property
    def shown(self) -> str:
        """The value as a page shows it."""
        numbers = [v for v in self.values if isinstance(v, int | float)]
        if self.kind == "timestamp" and isinstance(self.value, int | float):
            moment = datetime.fromtimestamp(self.value, UTC)
            return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
        if self.kind == "date" and len(numbers) == 3:
            year, month, day = (int(n) for n in numbers)
            return f"{2000 + year if year < 100 else year:04d}-{month:02d}-{day:02d}"
        if self.kind == "time" and len(numbers) == 3:
            return ":".join(f"{int(n):02d}" for n in numbers)
        if self.values:
            return ", ".join(self._number(v) for v in self.values)
        if self.value is not None:
            return str(self.value)
        return self.text or ""

    def _number(self, value: Any) -> str:
        """A value of a multi-value field at the table's decimals (stored floats carry the
        node's float32 noise: 41.65620803833008 for 41.656208)."""
        if isinstance(value, float) and self.decimals is not None:
            return f"{value:.{self.decimals}f}"
        return str(value)


@cache
def _shown_as() -> dict[str, str]:
    data = yaml.safe_load(
        resources.files("openpcs.web").joinpath("data/readings.yaml").read_text("utf-8")
    )
    return dict(data["shown_as"])


@cache
def _sensor(tag: str) -> SensorSpec | None:
    """The sensor tables' row of ``tag`` (the first table that knows it)."""
    for table in sensor_tables():
        spec = table.find_tag(tag)
        if spec is not None:
            return spec
    return None


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
        select(r.sensor, r.value, r.text, r.unit, f.received_at, r.position, r["values"])
        .select_from(READINGS.join(FRAMES, f.id == r.frame_id))
        .join(newest, (newest.c.sensor == r.sensor) & (newest.c.frame_id == r.frame_id))
        .order_by(r.sensor, r.position)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    found: dict[str, Latest] = {}
    for row in rows:
        spec = _sensor(row.sensor)
        found.setdefault(
            row.sensor,
            Latest(
                row.sensor,
                shown(row.value),
                row.text,
                row.unit,
                row.received_at,
                tuple(row[6] or ()),
                spec.name if spec else "",
                _shown_as().get(row.sensor, ""),
                spec.decimals if spec else None,
            ),
        )
    return list(found.values())


@dataclass(frozen=True, slots=True)
class Series:
    """One measured sensor over a time range: the sensor tables' name, unit and decimals, and
    its readings as ``(seconds since 1970 UTC, value)``, oldest first; ``truncated`` when the
    range held more than the points kept (the newest are kept)."""

    sensor: str
    name: str
    unit: str
    decimals: int | None
    points: list[tuple[float, float]]
    truncated: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "sensor": self.sensor,
            "name": self.name or self.sensor,
            "unit": self.unit,
            "decimals": self.decimals,
            "points": self.points,
            "truncated": self.truncated,
        }


def sensor_series(
    engine: Engine,
    serial: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = _MAX_POINTS,
) -> list[Series]:
    """Every measured sensor of ``serial`` received in ``[since, until)``, by tag, each with
    its newest ``limit`` numeric readings (timestamps, dates, times and positions are not
    measurements and are left out)."""
    f, r = FRAMES.c, READINGS.c
    keep = max(1, min(limit, _MAX_POINTS))
    rank = (
        func.row_number()
        .over(partition_by=r.sensor, order_by=(r.frame_id.desc(), r.position.desc()))
        .label("rank")
    )
    conditions = [f.serial == serial, r.value.is_not(None)]
    if since is not None:
        conditions.append(f.received_at >= since)
    if until is not None:
        conditions.append(f.received_at < until)
    ranked = (
        select(r.sensor, f.received_at, r.value, r.unit, r.frame_id, r.position, rank)
        .select_from(READINGS.join(FRAMES, f.id == r.frame_id))
        .where(*conditions)
        .subquery()
    )
    query = (
        select(ranked)
        .where(ranked.c.rank <= keep + 1)
        .order_by(ranked.c.sensor, ranked.c.frame_id, ranked.c.position)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    by_sensor: dict[str, list[Any]] = {}
    for row in rows:
        if row.sensor not in _shown_as():
            by_sensor.setdefault(row.sensor, []).append(row)
    found: list[Series] = []
    for sensor, sensor_rows in by_sensor.items():
        spec = _sensor(sensor)
        truncated = len(sensor_rows) > keep
        kept = sensor_rows[-keep:]
        found.append(
            Series(
                sensor,
                spec.name if spec else "",
                next((row.unit for row in reversed(kept) if row.unit), ""),
                spec.decimals if spec else None,
                [(row.received_at.timestamp(), float(row.value)) for row in kept],
                truncated,
            )
        )
    return found


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
