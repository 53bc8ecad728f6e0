"""Archiving into a SQLite store through the driver alone: the front's one frequent write.

Under a load of one frame per request, the front archives a small batch (tens of frames)
hundreds of times a second, and each batch is one write transaction under the store's write
lock, shared with the processing process. Through SQLAlchemy's connection, transaction and
event layers that transaction ran about 600 Python calls a batch, all while holding the write
lock (the processing process waited) and the interpreter lock (the event loop waited).

:func:`archive_rows` takes one of the engine's pooled connections (opened with the store's
settings: WAL, ``synchronous``, the busy timeout) and speaks to the driver directly:
``BEGIN IMMEDIATE``, the highest id, one ``executemany``, ``COMMIT``. The rows are built
before the lock is taken. Ids are ``max(id) + 1 …`` read under the write lock, as the rest of
the write path assumes (one gateway process writes frames into a SQLite file).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlalchemy import Engine

from openpcs.gateway.store.archive_reads import HIGHEST_ID

__all__ = ["archive_rows"]


def archive_rows(
    engine: Engine,
    insert: str,
    rows: Sequence[tuple[Any, ...]],
    turn: Callable[[], AbstractContextManager[None]] | None = None,
) -> list[int]:
    """Insert ``rows`` (every column of ``insert`` but the first, the id) as new frames in
    one committed transaction, inside ``turn`` when given; their ids, in order.

    Raises the driver's :class:`sqlite3.Error` when the store refuses (busy past the
    timeout, which :func:`~openpcs.gateway.store.contention.is_contention` recognises; disk
    full; a row the table refuses) and what binding a value raises (a type the driver cannot
    store); nothing of the batch is then stored. A connection that could not be brought back
    out of its transaction is discarded, not returned to the pool.
    """
    pooled = engine.raw_connection()
    driver = pooled.driver_connection
    if not isinstance(driver, sqlite3.Connection):
        pooled.close()
        raise TypeError(f"{engine.dialect.name} is not a SQLite store")
    try:
        with turn() if turn is not None else nullcontext():
            return _insert(driver, insert, rows)
    except BaseException:
        if _left_in_transaction(driver):
            pooled.invalidate()
        raise
    finally:
        pooled.close()


def _insert(driver: sqlite3.Connection, insert: str, rows: Sequence[tuple[Any, ...]]) -> list[int]:
    driver.execute("BEGIN IMMEDIATE")
    try:
        (top,) = driver.execute(HIGHEST_ID).fetchone()
        first = int(top) + 1
        driver.executemany(insert, [(first + n, *row) for n, row in enumerate(rows)])
        driver.execute("COMMIT")
    except BaseException:
        if driver.in_transaction:
            driver.execute("ROLLBACK")
        raise
    return list(range(first, first + len(rows)))


def _left_in_transaction(driver: sqlite3.Connection) -> bool:
    """Whether the connection is still inside a transaction (its rollback failed too)."""
    try:
        return driver.in_transaction
    except sqlite3.Error:  # closed or broken: not fit to go back either
        return True
