"""The write path: archive arrivals, then store what processing made of them, in batches.

Two transactions per batch, in this order:

1. :meth:`StoreWriter.archive` inserts the raw frames with status ``pending`` and commits; from
   then on nothing can lose them, and the adapters may acknowledge.
2. :meth:`StoreWriter.save` stores the results: reading rows, reading sets, each frame's status,
   the devices' counters, and the forwarders' outbox rows — all in one transaction, so a frame
   is either still pending (and will be processed again) or stored with everything it implies.

Frame ids are handed out by the writer so that results can refer to them without reading
them back: on SQLite from ``max(id)`` under the write lock (one gateway process per SQLite
file), on PostgreSQL from the table's sequence (any number of instances).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, Engine

from openpcs.gateway.records import Arrival, Processed
from openpcs.gateway.store.archive_reads import ArchiveReads
from openpcs.gateway.store.archive_sqlite import archive_rows
from openpcs.gateway.store.bulk import Dialected
from openpcs.gateway.store.database import IMMEDIATE
from openpcs.gateway.store.schema import FrameStatus
from openpcs.gateway.store.write_turn import WriteTurn
from openpcs.gateway.tiny_sets import TinySet

__all__ = ["OutboxRow", "StoreWriter"]

_FRAME_COLUMNS: Final = (
    "id",
    "received_at",
    "adapter",
    "remote",
    "format",
    "data",
    "meta",
    "device",
    "counter",
    "serial",
    "status",
)
#: What processing sets (with each column's PostgreSQL type, for bulk updates); the serial
#: only where it differs from the one archived, because changing an indexed column costs
#: more than the rest of the row.
_RESULT_COLUMNS: Final = (
    ("status", "text"),
    ("error", "text"),
    ("node_name", "text"),
    ("frame_type", "smallint"),
    ("sequence", "smallint"),
    ("dedup_key", "bytea"),
    ("set_id", "bigint"),
)
_SERIAL_COLUMN: Final = ("serial", "text")
_FRAME_ID: Final = ("id", "bigint")
_READING_COLUMNS: Final = (
    "frame_id",
    "position",
    "sensor",
    "sensor_id",
    "value",
    "values",
    "text",
    "unit",
)
_OUTBOX_COLUMNS: Final = ("forwarder", "frame_id", "topic", "payload", "next_attempt_at")
_SET_COLUMNS: Final = ("status", "parts", "counters", "missing", "last_at")


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A frame's JSON for one forwarder."""

    forwarder: str
    frame_id: int
    topic: str
    payload: str


@dataclass(slots=True)
class _DeviceTally:
    node_name: str | None
    first_seen: datetime
    last_seen: datetime
    battery: tuple[float, str] | None
    frames: int = 0
    errors: int = 0


class StoreWriter(ArchiveReads):
    """Batched writes to the store; used by one thread (the pipeline's worker) at a time."""

    def __init__(self, engine: Engine, turn: WriteTurn | None = None) -> None:
        """``turn``: taken around every write transaction (SQLite stores shared by the
        gateway's processes, see :mod:`openpcs.gateway.store.write_turn`)."""
        self.engine = engine
        self.turn = turn
        self.sql = sql = Dialected(engine.dialect)
        self._update_set = sql.update("reading_sets", _SET_COLUMNS, "id")
        self._insert_frame = sql.insert("frames", _FRAME_COLUMNS)
        self._upsert_device = self._device_upsert()

    # --- 1. archive ----------------------------------------------------------------------

    def archive(self, arrivals: Sequence[Arrival]) -> list[int]:
        """Insert the arrivals as pending frames and commit; return their ids, in order.

        The rows are made before the write lock is taken; on SQLite the transaction goes
        through the driver alone (:mod:`openpcs.gateway.store.archive_sqlite`), whose
        :class:`sqlite3.Error` is then what a refusal raises."""
        if not arrivals:
            return []
        sql = self.sql
        time = _MemoTime(sql)
        rows = [
            (
                time(a.received_at),
                a.adapter,
                a.remote,
                a.format.value,
                a.data,
                sql.json(a.meta),
                a.device,
                a.counter,
                a.serial,
                FrameStatus.PENDING,
            )
            for a in arrivals
        ]
        if sql.sqlite:
            return archive_rows(self.engine, self._insert_frame, rows, self.turn)
        with self._write() as connection:
            result = connection.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('frames', 'id')) "
                "FROM generate_series(1, %s)",
                (len(rows),),
            )
            ids = [int(row[0]) for row in result]
            numbered = [(frame_id, *row) for frame_id, row in zip(ids, rows, strict=True)]
            sql.insert_rows(connection, "frames", _FRAME_COLUMNS, numbered)
        return ids

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A connection in a write transaction (committed at the end, rolled back on error)."""
        with self.turn() if self.turn else nullcontext(), self.engine.connect() as plain:
            connection = plain.execution_options(**{IMMEDIATE: True})
            with connection.begin():
                yield connection

    # --- 2. results ----------------------------------------------------------------------

    def save(
        self,
        results: Sequence[tuple[Arrival, Processed]],
        sets: Sequence[TinySet] = (),
        outbox: Sequence[OutboxRow] = (),
        *,
        set_links: Sequence[tuple[Processed, TinySet]] = (),
        replace: bool = False,
    ) -> None:
        """Store processing results, the reading sets they touched, and outbox rows.

        ``sets`` are stored first, so that new ones have their ids before the frames that
        joined them are linked (``Processed.set_id`` is read after that, through
        ``set_links``). With ``replace`` the frames' earlier readings are deleted first (frames
        processed again).
        """
        new_sets = [s for s in sets if s.id is None]
        try:
            self._save(results, sets, outbox, set_links, replace)
        except Exception:
            for tiny_set in new_sets:  # their rows were rolled back with the rest
                tiny_set.id = None
            raise

    def _save(
        self,
        results: Sequence[tuple[Arrival, Processed]],
        sets: Sequence[TinySet],
        outbox: Sequence[OutboxRow],
        set_links: Sequence[tuple[Processed, TinySet]],
        replace: bool,
    ) -> None:
        sql = self.sql
        with self._write() as connection:
            if not replace and results and not sql.sqlite:
                # several processes on a shared store: store only what no other one stored
                # meanwhile (its rows are locked until it commits, then found not pending)
                kept = self._still_pending(connection, [p.frame_id for _, p in results])
                if len(kept) < len(results):
                    results = [(a, p) for a, p in results if p.frame_id in kept]
                    outbox = [o for o in outbox if o.frame_id in kept]
                    set_links = [(p, t) for p, t in set_links if p.frame_id in kept]
            self._save_sets(connection, sets)
            for processed, tiny_set in set_links:
                processed.set_id = tiny_set.id
            if replace and results:
                ids = [p.frame_id for _, p in results]
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    connection.exec_driver_sql(
                        f"DELETE FROM readings WHERE frame_id IN {sql.in_list(len(chunk))}",
                        tuple(chunk),
                    )
            readings = [row for _, p in results if p.readings for row in p.readings]
            sql.insert_rows(connection, "readings", _READING_COLUMNS, readings)
            updates, corrected = [], []
            for a, p in results:
                row = (p.status, p.error, p.node_name, p.frame_type, p.sequence, p.dedup_key)
                if p.serial == a.serial:
                    updates.append((*row, p.set_id, p.frame_id))
                else:
                    corrected.append((*row, p.set_id, p.serial, p.frame_id))
            sql.update_rows(connection, "frames", _RESULT_COLUMNS, _FRAME_ID, updates)
            sql.update_rows(
                connection, "frames", (*_RESULT_COLUMNS, _SERIAL_COLUMN), _FRAME_ID, corrected
            )
            tallies = _tally(results)
            if replace:
                self._recount(connection, list(tallies))
            elif tallies:
                connection.exec_driver_sql(
                    self._upsert_device,
                    [
                        (
                            serial,
                            t.node_name,
                            sql.time(t.first_seen),
                            sql.time(t.last_seen),
                            t.battery[0] if t.battery else None,
                            t.battery[1] if t.battery else None,
                            t.frames,
                            t.errors,
                        )
                        for serial, t in tallies.items()
                    ],
                )
            if outbox:
                now = sql.time(results[0][0].received_at if results else None)
                rows = [(o.forwarder, o.frame_id, o.topic, o.payload, now) for o in outbox]
                sql.insert_rows(connection, "outbox", _OUTBOX_COLUMNS, rows)

    @staticmethod
    def _still_pending(connection: Connection, frame_ids: list[int]) -> set[int]:
        """PostgreSQL: those of these frames still pending, locked until the commit."""
        rows = connection.exec_driver_sql(
            "SELECT id FROM frames WHERE id = ANY(%s) AND status = 'pending' FOR UPDATE",
            (frame_ids,),
        ).all()
        return {int(row[0]) for row in rows}

    def _recount(self, connection: Connection, serials: list[str]) -> None:
        """Count the devices' frames and errors afresh (frames processed again change them)."""
        sql = self.sql
        for start in range(0, len(serials), 500):
            chunk = serials[start : start + 500]
            connection.exec_driver_sql(
                "UPDATE devices SET "
                "frames = (SELECT count(*) FROM frames f WHERE f.serial = devices.serial), "
                "errors = (SELECT count(*) FROM frames f WHERE f.serial = devices.serial "
                "AND f.status = 'error') "
                f"WHERE serial IN {sql.in_list(len(chunk))}",
                tuple(chunk),
            )

    def mark_error(self, frame_id: int, message: str) -> None:
        """Mark one frame an error without storing anything else (its results were refused)."""
        sql = self.sql
        with self._write() as connection:
            connection.exec_driver_sql(
                sql.text("UPDATE frames SET status = 'error', error = ? WHERE id = ?"),
                (message[:2000], frame_id),
            )

    def _save_sets(self, connection: Connection, sets: Sequence[TinySet]) -> None:
        sql = self.sql
        for tiny_set in sets:
            values = (
                tiny_set.status,
                tiny_set.parts,
                sql.json(tiny_set.counters or None),
                sql.json(tiny_set.missing),
                sql.time(tiny_set.last_at),
            )
            if tiny_set.id is None:
                tiny_set.id = self._insert_set(connection, tiny_set, values)
            else:
                connection.exec_driver_sql(self._update_set, (*values, tiny_set.id))

    def _insert_set(
        self, connection: Connection, tiny_set: TinySet, values: tuple[Any, ...]
    ) -> int:
        sql = self.sql
        statement = sql.insert("reading_sets", ("serial", "sequence", "first_at", *_SET_COLUMNS))
        parameters = (tiny_set.serial, tiny_set.sequence, sql.time(tiny_set.first_at), *values)
        if sql.sqlite:
            result = connection.exec_driver_sql(statement, parameters)
            return int(result.lastrowid)
        row = connection.exec_driver_sql(statement + " RETURNING id", parameters).one()
        return int(row[0])

    def _device_upsert(self) -> str:
        sql = self.sql
        columns = (
            "serial",
            "node_name",
            "first_seen",
            "last_seen",
            "battery",
            "battery_unit",
            "frames",
            "errors",
        )
        last_seen = sql.greatest(
            "coalesce(devices.last_seen, excluded.last_seen)", "excluded.last_seen"
        )
        return (
            sql.insert("devices", columns) + " ON CONFLICT (serial) DO UPDATE SET"
            " node_name = coalesce(excluded.node_name, devices.node_name),"
            " first_seen = coalesce(devices.first_seen, excluded.first_seen),"
            f" last_seen = {last_seen},"
            " battery = coalesce(excluded.battery, devices.battery),"
            " battery_unit = coalesce(excluded.battery_unit, devices.battery_unit),"
            " frames = devices.frames + excluded.frames,"
            " errors = devices.errors + excluded.errors"
        )


class _MemoTime:
    """``Dialected.time`` remembering its last answer: a request's frames share one time."""

    def __init__(self, sql: Dialected) -> None:
        self._sql = sql
        self._last: datetime | None = None
        self._text: Any = None

    def __call__(self, value: datetime) -> Any:
        if value is not self._last:
            self._last, self._text = value, self._sql.time(value)
        return self._text


def _tally(results: Sequence[tuple[Arrival, Processed]]) -> dict[str, _DeviceTally]:
    tallies: dict[str, _DeviceTally] = {}
    for arrival, processed in results:
        serial = processed.serial
        if serial is None:
            continue
        when = arrival.received_at
        tally = tallies.get(serial)
        if tally is None:
            tally = tallies[serial] = _DeviceTally(processed.node_name, when, when, None)
        tally.frames += 1
        if processed.status == FrameStatus.ERROR:
            tally.errors += 1
        if when >= tally.last_seen:
            tally.last_seen = when
            tally.node_name = processed.node_name or tally.node_name
            tally.battery = processed.battery or tally.battery
        tally.first_seen = min(tally.first_seen, when)
    return tallies
