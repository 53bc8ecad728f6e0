"""A busy store is a 503 with ``Retry-After``, whatever the database: SQLite's "database is
locked", PostgreSQL's lock timeout and serialization failure. Other database errors stay
server errors, and nothing of the database's message reaches the client."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError

from openpcs.gateway.api.app import create_app
from openpcs.gateway.runtime import Gateway
from openpcs.gateway.store.contention import contention_code, is_contention
from tests.gateway.conftest import make_settings
from tests.gateway.running import RunningGateway


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_url, hide_parameters=True)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE busy (x integer)")
    yield engine
    engine.dispose()


def _lock_timeout(engine: Engine) -> OperationalError:
    with engine.connect() as holder, engine.connect() as waiter:
        holder.exec_driver_sql("LOCK TABLE busy IN ACCESS EXCLUSIVE MODE")
        waiter.exec_driver_sql("SET lock_timeout = '50ms'")
        with pytest.raises(OperationalError) as caught:
            waiter.exec_driver_sql("SELECT count(*) FROM busy")
    return caught.value


def _serialization_failure(engine: Engine) -> OperationalError:
    first = engine.connect().execution_options(isolation_level="SERIALIZABLE")
    second = engine.connect().execution_options(isolation_level="SERIALIZABLE")
    try:
        for connection, value in ((first, 1), (second, 2)):
            connection.exec_driver_sql("SELECT count(*) FROM busy").scalar()
            connection.exec_driver_sql(f"INSERT INTO busy VALUES ({value})")
        first.commit()
        with pytest.raises(OperationalError) as caught:
            second.commit()
    finally:
        first.close()
        second.close()
    return caught.value


def _sqlite_locked(tmp_path: Path) -> OperationalError:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
    try:
        with pytest.raises(OperationalError) as caught, engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x integer)")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        engine.dispose()
    return caught.value


def _not_contention(tmp_path: Path) -> OperationalError:
    engine = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with pytest.raises(OperationalError) as caught, engine.connect() as connection:
            connection.exec_driver_sql("SELECT * FROM no_such_table")
    finally:
        engine.dispose()
    return caught.value


def test_contention_is_told_apart_by_code(pg_engine: Engine, tmp_path: Path) -> None:
    assert contention_code(_lock_timeout(pg_engine)) == "55P03"
    assert contention_code(_serialization_failure(pg_engine)) == "40001"
    assert contention_code(_sqlite_locked(tmp_path)) == "SQLITE_BUSY"
    assert contention_code(_sqlite_locked(tmp_path).orig) == "SQLITE_BUSY"  # the driver's own
    assert not is_contention(_not_contention(tmp_path))
    assert not is_contention(_not_contention(tmp_path).orig)
    assert not is_contention(ValueError("database is locked"))


def _raising(error: OperationalError) -> Callable[[Gateway], FastAPI]:
    def factory(gateway: Gateway) -> FastAPI:
        app = create_app(gateway)

        @app.get("/raise")
        async def raise_it() -> None:
            raise error

        return app

    return factory


def test_the_api_answers_contention_503_and_other_errors_500(
    pg_engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cases = [
        (_lock_timeout(pg_engine), 503),
        (_serialization_failure(pg_engine), 503),
        (_sqlite_locked(tmp_path), 503),
        (_not_contention(tmp_path), 500),
    ]
    for number, (error, expected) in enumerate(cases):
        running = RunningGateway(make_settings(tmp_path / str(number)), _raising(error))
        try:
            answer = httpx.get(f"{running.url}/raise", timeout=30)
        finally:
            running.stop()
        assert answer.status_code == expected, answer.text
        if expected == 503:
            assert answer.headers["retry-after"] == "1"
            assert answer.json() == {"error": "the store is busy; try again shortly"}
    busy_lines = [r.getMessage() for r in caplog.records if "the store was busy" in r.getMessage()]
    assert busy_lines == [
        "GET /raise: the store was busy (55P03)",
        "GET /raise: the store was busy (40001)",
        "GET /raise: the store was busy (SQLITE_BUSY)",
    ]
