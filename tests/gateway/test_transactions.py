"""How SQLite transactions begin: explicit begins write (BEGIN IMMEDIATE), statements on a
plain connection read (deferred BEGIN), and the execution option overrides both."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

from openpcs.gateway.store.contention import is_contention
from openpcs.gateway.store.database import IMMEDIATE, migrate, open_engine


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.db'}", busy_timeout_s=0.1)
    migrate(engine)
    yield engine
    engine.dispose()


def _begins(engine: Engine) -> list[str]:
    """A list that fills with every BEGIN the engine sends."""
    seen: list[str] = []

    def record(_c: object, _cur: object, statement: str, *_: object) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen


def test_engine_begin_writes_and_other_transactions_read(sqlite_engine: Engine) -> None:
    seen = _begins(sqlite_engine)
    with sqlite_engine.begin() as connection:
        connection.execute(text("SELECT 1"))
    with sqlite_engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        connection.commit()
        connection.exec_driver_sql("SELECT 1")
        connection.commit()
        with connection.begin():
            connection.execute(text("SELECT 1"))
    with sqlite_engine.connect() as connection:
        connection.execution_options(**{IMMEDIATE: True})
        connection.exec_driver_sql("SELECT 1")
    with sqlite_engine.begin() as connection:  # the option did not stay with the pool
        connection.execution_options(**{IMMEDIATE: False})
    with sqlite_engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert seen == [
        "BEGIN IMMEDIATE",
        "BEGIN",
        "BEGIN",
        "BEGIN",
        "BEGIN IMMEDIATE",
        "BEGIN IMMEDIATE",
        "BEGIN",
    ]


def test_a_failed_write_block_rolls_back(sqlite_engine: Engine) -> None:
    def insert_then_fail() -> None:
        with sqlite_engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO api_tokens (name, scope, token_hash, "
                "created_at) VALUES ('a', 'read', 'h', '2026-01-01')"
            )
            raise RuntimeError("undo")

    with pytest.raises(RuntimeError):
        insert_then_fail()
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM api_tokens").scalar() == 0


def test_readers_go_on_while_a_writer_holds_the_lock(sqlite_engine: Engine, tmp_path: Path) -> None:
    holder = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with sqlite_engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM frames")).scalar() == 0
        with pytest.raises(OperationalError) as refused, sqlite_engine.begin() as connection:
            connection.execute(text("SELECT count(*) FROM frames"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert is_contention(refused.value)
    with sqlite_engine.begin() as connection:  # free again
        connection.execute(text("DELETE FROM frames"))
