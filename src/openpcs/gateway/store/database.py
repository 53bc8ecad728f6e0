"""Opening the store: the engine for a URL, SQLite's settings, and migrations to the newest schema.

SQLite runs in WAL mode (readers never block the writer), with foreign keys on, a busy
timeout, and ``synchronous`` FULL (every commit survives a power loss) or NORMAL (a commit
survives a crash of the process; a power loss may undo the last ones). PostgreSQL is reached
through psycopg 3 (``postgresql+psycopg://…``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

__all__ = [
    "IMMEDIATE",
    "StoreError",
    "current_revision",
    "head_revision",
    "is_sqlite",
    "migrate",
    "open_engine",
]

_MIGRATIONS = "openpcs.gateway.store:migrations"
#: Execution option: a SQLite transaction that takes the write lock when it begins.
IMMEDIATE = "openpcs_immediate"
_BUSY_TIMEOUT_MS = 30_000


class StoreError(Exception):
    """The store cannot be opened or migrated; the message says what to fix."""


def is_sqlite(engine: Engine) -> bool:
    """Whether the store is a SQLite file."""
    return engine.dialect.name == "sqlite"


def open_engine(
    url: str, *, synchronous: Literal["full", "normal"] = "full", cache_mb: int = 64
) -> Engine:
    """An engine for ``url``; for SQLite its folder is created and its settings applied
    (``cache_mb`` of page cache per connection: the write path's indexes stay in memory).

    Raises :class:`StoreError` for a URL SQLAlchemy cannot read or a database it has no
    driver for.
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
        options["connect_args"] = {"check_same_thread": False, "timeout": _BUSY_TIMEOUT_MS / 1000}
    else:
        options["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **options)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"no driver for {parsed.drivername} ({exc})") from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, synchronous, cache_mb)
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


def _configure_sqlite(engine: Engine, synchronous: str, cache_mb: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling is switched off: SQLAlchemy emits BEGIN itself,
        # so that a write transaction can take the lock at once (BEGIN IMMEDIATE).
        connection.isolation_level = None
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer asks for the write lock at BEGIN (execution option ``immediate``), so that
        # what it reads before writing (the next frame id) cannot change under it.
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _shown(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the database setting"


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
    """The schema revision the store is at, ``None`` for an empty database."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": version_table})
        return context.get_current_revision()


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
    the store is at a revision this openpcs does not know (written by a newer version).
    """
    config = _alembic_config(engine, location)
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    current = current_revision(engine, version_table)
    if current is not None and current not in known:
        raise StoreError(
            f"the store is at schema revision {current}, which this openpcs does not know: "
            "it was written by a newer version"
        )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
