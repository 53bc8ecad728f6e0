"""Reading archived frames back: what processing needs from the archive.

:class:`ArchiveReads` is the reading half of :class:`openpcs.gateway.store.writer.StoreWriter`:
pending frames in id order (recovery and the processing side), archived arrivals by id
(processing again), stored statuses, and the dedup keys of recent frames.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Engine

from openpcs.gateway.records import Arrival, Format, utc_now
from openpcs.gateway.store.bulk import Dialected

__all__ = ["HIGHEST_ID", "ArchiveReads"]

#: The highest frame id archived so far (0 for an empty store).
HIGHEST_ID: Final = "SELECT coalesce(max(id), 0) FROM frames"

_ARCHIVED: Final = "id, received_at, adapter, remote, format, data, meta, device, counter, serial"
#: Above every frame id (a 63-bit integer column).
_NO_CEILING: Final = 2**63 - 1


class ArchiveReads:
    """Reads of the archive; ``engine`` and ``sql`` are set by the writer that uses them."""

    engine: Engine
    sql: Dialected

    def pending(
        self,
        after_id: int,
        limit: int,
        *,
        before: datetime | None = None,
        up_to: int | None = None,
    ) -> list[tuple[int, Arrival]]:
        """Frames still ``pending`` with ids above ``after_id`` (and at most ``up_to``),
        archived before ``before``, in id order."""
        sql = self.sql
        statement = sql.text(
            f"SELECT {_ARCHIVED} FROM frames WHERE status = 'pending' AND id > ? AND id <= ? "
            "AND received_at <= ? ORDER BY id LIMIT ?"
        )
        limit_time = sql.time(before or utc_now())
        top = _NO_CEILING if up_to is None else up_to
        with self.engine.connect() as connection:
            rows = connection.exec_driver_sql(statement, (after_id, top, limit_time, limit)).all()
        arrival = _ArrivalRows()
        return [(int(row[0]), arrival(row)) for row in rows]

    def pending_ids(self, frame_ids: Sequence[int]) -> list[tuple[int, Arrival]]:
        """Those of these frames still ``pending``, in id order."""
        frame_ids = sorted(set(frame_ids))
        if not frame_ids:
            return []
        sql = self.sql
        first, last = frame_ids[0], frame_ids[-1]
        found: list[tuple[int, Arrival]] = []
        arrival = _ArrivalRows()
        with self.engine.connect() as connection:
            if last - first + 1 == len(frame_ids):  # one run of ids (one SQLite writer)
                statement = sql.text(
                    f"SELECT {_ARCHIVED} FROM frames WHERE status = 'pending' "
                    "AND id >= ? AND id <= ? ORDER BY id"
                )
                rows = connection.exec_driver_sql(statement, (first, last)).all()
                return [(int(row[0]), arrival(row)) for row in rows]
            for start in range(0, len(frame_ids), 500):
                chunk = tuple(frame_ids[start : start + 500])
                rows = connection.exec_driver_sql(
                    f"SELECT {_ARCHIVED} FROM frames WHERE status = 'pending' "
                    f"AND id IN {sql.in_list(len(chunk))} ORDER BY id",
                    chunk,
                ).all()
                found.extend((int(row[0]), arrival(row)) for row in rows)
        return found

    def pending_in_parts(
        self, after_id: int, limit: int, parts: Sequence[int], partitions: int
    ) -> list[tuple[int, Arrival]]:
        """PostgreSQL: frames still ``pending`` with ids above ``after_id`` whose sender falls
        in one of ``parts`` (of ``partitions``, a power of two), in id order. The sender is the
        serial the frame claims, else the network's name for the device."""
        statement = (
            f"SELECT {_ARCHIVED} FROM frames WHERE status = 'pending' AND id > %s "
            f"AND (hashtext(coalesce(serial, device, '')) & {partitions - 1}) = ANY(%s) "
            "ORDER BY id LIMIT %s"
        )
        with self.engine.connect() as connection:
            rows = connection.exec_driver_sql(statement, (after_id, list(parts), limit)).all()
        arrival = _ArrivalRows()
        return [(int(row[0]), arrival(row)) for row in rows]

    def last_id(self) -> int:
        """The highest frame id archived so far (0 for an empty store)."""
        with self.engine.connect() as connection:
            top = connection.exec_driver_sql(HIGHEST_ID).scalar()
        return int(top or 0)

    def statuses(self, frame_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
        """The stored status and error of these frames, by id (missing ids left out)."""
        sql = self.sql
        found: dict[int, tuple[str, str | None]] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(frame_ids), 500):
                chunk = list(frame_ids[start : start + 500])
                rows = connection.exec_driver_sql(
                    f"SELECT id, status, error FROM frames WHERE id IN {sql.in_list(len(chunk))}",
                    tuple(chunk),
                ).all()
                found.update((int(row[0]), (str(row[1]), row[2])) for row in rows)
        return found

    def arrivals(self, frame_ids: Sequence[int]) -> list[tuple[int, Arrival, bytes | None, Any]]:
        """The archived arrivals of these frames, their dedup keys and reading sets, by id."""
        sql = self.sql
        found: list[tuple[int, Arrival, bytes | None, Any]] = []
        arrival = _ArrivalRows()
        with self.engine.connect() as connection:
            for start in range(0, len(frame_ids), 500):
                chunk = list(frame_ids[start : start + 500])
                rows = connection.exec_driver_sql(
                    f"SELECT {_ARCHIVED}, dedup_key, set_id FROM frames "
                    f"WHERE id IN {sql.in_list(len(chunk))} ORDER BY id",
                    tuple(chunk),
                ).all()
                found.extend(
                    (int(row[0]), arrival(row), row[10] and bytes(row[10]), row[11]) for row in rows
                )
        return found

    def recent_keys(self, now: datetime, window_s: float) -> list[tuple[bytes, float]]:
        """Dedup keys of frames stored within the window, with their age in seconds."""
        if window_s <= 0:
            return []
        sql = self.sql
        since = now - timedelta(seconds=window_s)
        statement = sql.text(
            "SELECT dedup_key, received_at FROM frames WHERE received_at >= ? "
            "AND dedup_key IS NOT NULL ORDER BY received_at"
        )
        with self.engine.connect() as connection:
            rows = connection.exec_driver_sql(statement, (sql.time(since),)).all()
        return [(bytes(key), (now - _utc(when)).total_seconds()) for key, when in rows]

    def stored_keys(self, keys: Iterable[bytes], since: datetime) -> set[bytes]:
        """Which of ``keys`` frames stored since ``since`` already carry (other instances)."""
        wanted = list(keys)
        found: set[bytes] = set()
        sql = self.sql
        with self.engine.connect() as connection:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = connection.exec_driver_sql(
                    "SELECT dedup_key FROM frames WHERE dedup_key IN "
                    f"{sql.in_list(len(chunk))} AND received_at >= {sql.placeholder} "
                    f"AND status IN ('ok', 'partial', 'duplicate', 'encrypted')",
                    (*chunk, sql.time(since)),
                ).all()
                found.update(bytes(row[0]) for row in rows)
        return found


def _utc(value: Any) -> datetime:
    """A time read with a driver-level statement, in UTC: SQLite gives text without a zone,
    PostgreSQL datetimes in the session's zone (which need not be UTC)."""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when if when.tzinfo is UTC else when.astimezone(UTC)


#: The arrival formats by their stored names (an enum's own lookup costs more, per row).
_FORMATS: Final = {kind.value: kind for kind in Format}


class _ArrivalRows:
    """Archived rows (:data:`_ARCHIVED`'s columns first) back into arrivals.

    The frames of one request share one arrival time, and a batch is read back in id order:
    the last time SQLite gave as text is remembered, so a run of frames parses it once. Only
    text is: PostgreSQL gives datetimes in the session's zone, and two of them an hour apart
    around a fall-back compare equal on their wall clock (``fold`` is not compared).
    """

    __slots__ = ("_stored", "_time")

    def __init__(self) -> None:
        self._stored: str | None = None  # equal to no text: the first row is always parsed
        self._time = datetime.min

    def __call__(self, row: Any) -> Arrival:
        """The arrival a row holds."""
        stored, meta, kind = row[1], row[6], row[4]
        if stored.__class__ is not str:
            when = _utc(stored)
        elif stored == self._stored:
            when = self._time
        else:
            self._stored = stored
            when = self._time = _utc(stored)
        if isinstance(meta, str):
            meta = json.loads(meta)
        return Arrival(
            data=bytes(row[5]),
            adapter=row[2],
            format=_FORMATS.get(kind) or Format(kind),
            remote=row[3],
            meta=meta,
            received_at=when,
            device=row[7],
            counter=row[8],
            serial=row[9],
        )
