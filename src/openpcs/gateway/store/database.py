"""Opening the store: the engine for a URL, SQLite's settings, and migrations to the newest schema.

SQLite runs in WAL mode (readers never block the writer), with foreign keys on, a busy
timeout, and ``synchronous`` FULL (every commit survives a power loss) or NORMAL (a commit
survives a crash of the process; a power loss may undo the last ones). PostgreSQL is reached
through psycopg 3 (``postgresql+psycopg://…``).

Transactions on SQLite (the contract every caller relies on):

- ``with engine.begin()`` is a write transaction: it starts with ``BEGIN IMMEDIATE``, taking
  the write lock at once and waiting up to the busy timeout for it. A deferred transaction
  that reads and then writes would instead fail at its first write, at once, whenever
  another connection wrote meanwhile: SQLite cannot wait there without risking a deadlock;
- every other transaction (begun by a statement on ``engine.connect()``, or by
  ``connection.begin()``) is a read: a plain, deferred ``BEGIN``, so that readers never
  queue behind writers;
- the execution option :data:`IMMEDIATE` on a connection overrides both (``True``: write,
  ``False``: read).

Writers therefore use ``engine.begin()`` (or the option); a write through
``engine.connect()`` is safe only when its first statement writes. Past the busy timeout a
write fails with SQLite's "database is locked", which
:func:`openpcs.gateway.store.contention.is_contention` recognises (the HTTP layer answers it
503 with ``Retry-After``): waiting longer in the server would only hold its threads.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

__all__ = [
    "IMMEDIATE",
    "StoreError",
    "current_revision",
    "head_revision",
    "is_sqlite",
    "migrate",
    "open_engine",
    "store_failure",
]

_MIGRATIONS = "openpcs.gateway.store:migrations"
#: Execution option: ``True`` makes a SQLite transaction take the write lock when it begins
#: (``BEGIN IMMEDIATE``), ``False`` keeps it deferred; unset, only ``engine.begin()`` writes.
IMMEDIATE = "openpcs_immediate"
#: How long a SQLite write waits for the lock by default, in seconds.
BUSY_TIMEOUT_S = 30.0
_MAX_REASON = 200


class StoreError(Exception):
    """The store cannot be opened or migrated; the message says what to fix."""


def is_sqlite(engine: Engine) -> bool:
    """Whether the store is a SQLite file."""
    return engine.dialect.name == "sqlite"


def open_engine(
    url: str,
    *,
    synchronous: Literal["full", "normal"] = "full",
    cache_mb: int = 64,
    busy_timeout_s: float = BUSY_TIMEOUT_S,
) -> Engine:
    """An engine for ``url``; for SQLite its folder is created and its settings applied
    (``cache_mb`` of page cache per connection: the write path's indexes stay in memory;
    ``busy_timeout_s``: how long a write waits for another writer's lock), and its
    transactions begin as the module description says.

    Raises :class:`StoreError` for a URL SQLAlchemy cannot read, a database it has no
    driver for, or a SQLite file that cannot be created.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"{_shown(url)} is not a database URL") from None
    # Parameters are frame bytes, keys and tokens: never in logs or error messages.
    options: dict[str, Any] = {"hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            _private_file(Path(database))
        options["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout_s}
    else:
        options["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **options)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"no driver for {parsed.drivername} ({exc})") from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, synchronous, cache_mb, round(busy_timeout_s * 1000))
    return engine


def _private_file(path: Path) -> None:
    """Make ``path`` (and its folder) readable by its owner only when it does not exist yet:
    the store holds every frame, and SQLite gives its journal files the file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the store ({exc.strerror or exc})") from None


def _configure_sqlite(engine: Engine, synchronous: str, cache_mb: int, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling is switched off: the "begin" listener below
        # emits BEGIN itself, so that a write transaction can take the lock at once.
        connection.isolation_level = None
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = bool(connection.get_execution_options().get(IMMEDIATE, False))
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    # this engine's begin() writes: the same as SQLAlchemy's, with the write lock at BEGIN
    object.__setattr__(engine, "begin", partial(_begin_writing, engine))


@contextmanager
def _begin_writing(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction (``BEGIN IMMEDIATE``), committed at the end of
    the block, rolled back if it raises."""
    with engine.connect() as connection:
        connection.execution_options(**{IMMEDIATE: True})
        with connection.begin():
            yield connection


def _shown(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the database setting"


def store_failure(url: URL, exc: DBAPIError) -> StoreError:
    """A :class:`StoreError` naming the store (its password hidden) and the driver's reason
    in one line, without the password, the SQL or its parameters."""
    lines = str(exc.orig).strip().splitlines()
    reason = lines[0] if lines else type(exc.orig).__name__
    if url.password:
        reason = reason.replace(str(url.password), "***")
    reason = "".join(c if c.isprintable() else " " for c in reason)[:_MAX_REASON]
    return StoreError(f"{url.render_as_string(hide_password=True)}: {reason}")


def _alembic_config(engine: Engine, location: str = _MIGRATIONS) -> Config:
    config = Config()
    config.set_main_option("script_location", location)
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def head_revision(location: str = _MIGRATIONS) -> str:
    """The newest schema revision this version of openpcs knows (of the migrations at
    ``location``, the gateway's by default)."""
    head = ScriptDirectory.from_config(
        _alembic_config(create_engine("sqlite://"), location)
    ).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine, version_table: str = "alembic_version") -> str | None:
    """The schema revision the store is at, ``None`` for an empty database.

    Raises :class:`StoreError` naming the store and the reason when it cannot be reached.
    """
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": version_table})
            return context.get_current_revision()
    except DBAPIError as exc:
        raise store_failure(engine.url, exc) from None


def migrate(
    engine: Engine,
    revision: str = "head",
    *,
    location: str = _MIGRATIONS,
    version_table: str = "alembic_version",
) -> None:
    """Bring the store's schema to ``revision`` (the newest by default).

    ``location`` and ``version_table`` name another set of migrations sharing the database
    (the web application's tables keep their own history). Raises :class:`StoreError` when
    the store is at a revision this openpcs does not know (written by a newer version), or
    when it cannot be reached or written (naming the store and the reason).
    """
    config = _alembic_config(engine, location)
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    current = current_revision(engine, version_table)
    if current is not None and current not in known:
        raise StoreError(
            f"the store is at schema revision {current}, which this openpcs does not know: "
            "it was written by a newer version"
        )
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except DBAPIError as exc:
        raise store_failure(engine.url, exc) from None
