"""Gateway test fixtures: stores on SQLite and PostgreSQL, and a gateway on real sockets.

PostgreSQL and Mosquitto are read from ``OPENPCS_TEST_POSTGRES`` (a SQLAlchemy URL, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) and ``OPENPCS_TEST_MQTT`` (default
``127.0.0.1:1883``). Tests that need them skip, saying why, only when they are unreachable;
with ``OPENPCS_REQUIRE_SERVICES=1`` (set by CI) an unreachable service fails them instead.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine

from openpcs.gateway.settings import GatewaySettings, resolve_settings
from openpcs.gateway.store.database import migrate, open_engine
from tests.gateway.running import RunningGateway
from tests.requirements import skip_or_fail

POSTGRES_URL = os.environ.get(
    "OPENPCS_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MQTT_ADDRESS = os.environ.get("OPENPCS_TEST_MQTT", "127.0.0.1:1883")


def unavailable(what: str, reason: str) -> None:
    """Skip (or, on CI, fail) a test whose service cannot be reached."""
    skip_or_fail(f"{what} is unreachable ({reason})")


def mqtt_address() -> tuple[str, int]:
    """The test broker's host and port, after checking that it answers."""
    host, _, port = MQTT_ADDRESS.rpartition(":")
    try:
        socket.create_connection((host, int(port)), 2).close()
    except OSError as exc:
        unavailable(f"the MQTT broker at {MQTT_ADDRESS}", str(exc))
    return host, int(port)


def _postgres_schema() -> Iterator[str]:
    try:
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as connection:
            schema = f"t_{uuid.uuid4().hex[:12]}"
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except Exception as exc:  # any failure to reach the server
        unavailable(f"PostgreSQL at {POSTGRES_URL}", type(exc).__name__)
    try:
        separator = "&" if "?" in POSTGRES_URL else "?"
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store's URL, on each database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield from _postgres_schema()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty PostgreSQL schema's URL."""
    yield from _postgres_schema()


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """A migrated store on each database."""
    opened = open_engine(store_url, synchronous="normal")
    migrate(opened)
    yield opened
    opened.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated store on SQLite alone (tests of the pipeline's threads and hand-overs)."""
    opened = open_engine(f"sqlite:///{tmp_path / 's.db'}", synchronous="normal")
    migrate(opened)
    yield opened
    opened.dispose()


def make_settings(tmp_path: Path, **values: Any) -> GatewaySettings:
    """Settings for a test gateway: its own data folder, any free ports, fast timers."""
    base: dict[str, Any] = {
        "data_dir": str(tmp_path / "data"),
        "sqlite_synchronous": "normal",
        "http": {"port": 0},
        "tcp": {"port": 0},
        # these tests read each frame's status in its answer, and run processing in a thread
        # (tests/gateway/test_processing_process.py runs the defaults: archived, a process)
        "pipeline": {
            "tiny_timeout_s": 0.3,
            "recovery_interval_s": 0.5,
            "acknowledge": "processed",
            "processing": "thread",
        },
        "forwarders": {"poll_interval_s": 0.1, "retry": {"initial_s": 0.1, "max_s": 0.5}},
    }
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return resolve_settings(base, environ={})


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[RunningGateway]:
    """A gateway with default settings on SQLite, listening on loopback."""
    running = RunningGateway(make_settings(tmp_path))
    yield running
    running.stop()
