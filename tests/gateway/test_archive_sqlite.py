"""Archiving into SQLite through the driver: ids, the write turn, and what a refusal leaves."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from openpcs.gateway.records import Arrival
from openpcs.gateway.store import archive_sqlite
from openpcs.gateway.store.archive_sqlite import archive_rows
from openpcs.gateway.store.contention import is_contention
from openpcs.gateway.store.database import migrate, open_engine
from openpcs.gateway.store.writer import StoreWriter
from tests.gateway import frames as f

T0 = datetime(2026, 12, 7, 18, 0, 0, 250000, tzinfo=UTC)


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM frames").scalar_one())


def _rows(writer: StoreWriter, count: int, *, bad_at: int | None = None) -> list[tuple[Any, ...]]:
    """Rows as the writer makes them (all but the id); ``bad_at`` has no adapter, which the
    table refuses."""
    rows = []
    for n in range(count):
        adapter = None if n == bad_at else "http"
        when = writer.sql.time(T0)
        serial = "3F5A1C0B7E2D4A91"
        rows.append(
            (
                when,
                adapter,
                "10.0.0.7",
                "waspmote",
                f.binary(n),
                None,
                None,
                None,
                serial,
                "pending",
            )
        )
    return rows


def test_ids_follow_the_highest_stored_and_the_rows_read_back(sqlite_engine: Engine) -> None:
    writer = StoreWriter(sqlite_engine)
    first = writer.archive([Arrival(f.binary(0), "tcp", received_at=T0)])
    ids = archive_rows(sqlite_engine, writer._insert_frame, _rows(writer, 3))
    assert ids == [first[0] + 1, first[0] + 2, first[0] + 3]
    stored = writer.pending_ids(ids)
    assert [a.data for _, a in stored] == [f.binary(n) for n in range(3)]
    assert {a.received_at for _, a in stored} == {T0}
    assert {a.remote for _, a in stored} == {"10.0.0.7"}


def test_the_commit_happens_inside_the_turn(sqlite_engine: Engine) -> None:
    writer = StoreWriter(sqlite_engine)
    seen: list[tuple[str, int]] = []

    @contextmanager
    def turn() -> Iterator[None]:
        seen.append(("taken", _count(sqlite_engine)))
        yield
        seen.append(("given back", _count(sqlite_engine)))

    archive_rows(sqlite_engine, writer._insert_frame, _rows(writer, 4), turn)
    assert seen == [("taken", 0), ("given back", 4)]


def test_a_refused_row_leaves_nothing_of_its_batch_and_the_next_batch_goes_in(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = StoreWriter(sqlite_engine)
    (before,) = writer.archive([Arrival(f.binary(9), "tcp", received_at=T0)])
    used: list[sqlite3.Connection] = []
    insert = archive_sqlite._insert

    def recorded(driver: sqlite3.Connection, *rest: Any) -> list[int]:
        used.append(driver)
        return insert(driver, *rest)

    monkeypatch.setattr(archive_sqlite, "_insert", recorded)
    with pytest.raises(sqlite3.IntegrityError):
        archive_rows(sqlite_engine, writer._insert_frame, _rows(writer, 5, bad_at=3))
    assert _count(sqlite_engine) == 1
    ids = archive_rows(sqlite_engine, writer._insert_frame, _rows(writer, 2))
    assert ids == [before + 1, before + 2]
    assert _count(sqlite_engine) == 3
    # rolled back, the connection went back to the pool and served the next batch
    assert used[0] is used[1]


def test_a_busy_store_refuses_after_its_timeout_and_stores_nothing(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'busy.db'}", busy_timeout_s=0.1)
    try:
        migrate(engine)
        writer = StoreWriter(engine)
        holder = sqlite3.connect(tmp_path / "busy.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked") as caught:
                writer.archive([Arrival(f.binary(1), "tcp", received_at=T0)])
            assert is_contention(caught.value)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert _count(engine) == 0
        assert writer.archive([Arrival(f.binary(2), "tcp", received_at=T0)]) == [1]
    finally:
        engine.dispose()


def test_a_connection_left_in_its_transaction_is_not_pooled_again(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = StoreWriter(sqlite_engine)
    used: list[sqlite3.Connection] = []

    def fails_inside(driver: sqlite3.Connection, *_: Any) -> list[int]:
        used.append(driver)
        driver.execute("BEGIN IMMEDIATE")
        raise sqlite3.OperationalError("disk I/O error")  # and no rollback came after it

    monkeypatch.setattr(archive_sqlite, "_insert", fails_inside)
    with pytest.raises(sqlite3.OperationalError):
        archive_rows(sqlite_engine, writer._insert_frame, _rows(writer, 1))
    monkeypatch.undo()
    (lost,) = used
    with pytest.raises(sqlite3.ProgrammingError):  # discarded: closed, not handed out again
        lost.execute("SELECT 1")
    assert archive_rows(sqlite_engine, writer._insert_frame, _rows(writer, 1)) == [1]
