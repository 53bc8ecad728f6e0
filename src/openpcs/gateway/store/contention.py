"""Telling "the store is busy, try again" apart from other database errors.

Contention is not a defect: another writer held the lock longer than the busy timeout
(SQLite's ``SQLITE_BUSY``/``SQLITE_LOCKED``, "database is locked"), or PostgreSQL rolled a
transaction back to resolve a conflict (serialization failure ``40001``, deadlock ``40P01``)
or gave up waiting for a lock (``lock_timeout``: ``55P03``). Nothing of the failed
transaction was written, so the whole request may be sent again: the HTTP layer answers 503
with ``Retry-After``, never 500.
"""

from __future__ import annotations

import sqlite3
from typing import Final

from sqlalchemy.exc import DBAPIError

__all__ = ["BUSY_MESSAGE", "CONFLICT_MESSAGE", "RETRY_AFTER_S", "contention_code", "is_contention"]

#: Seconds a client is asked to wait before sending a request the busy store refused.
RETRY_AFTER_S: Final = 1
#: What a client is told (one line; never the database's own message, which holds SQL).
BUSY_MESSAGE: Final = "the store is busy; try again shortly"
#: What a client is told when a constraint refused its write because of another one.
CONFLICT_MESSAGE: Final = "another change to the same thing was made at the same moment; try again"

_SQLITE_NAMES: Final = ("SQLITE_BUSY", "SQLITE_LOCKED")
_SQLITE_TEXTS: Final = ("database is locked", "database table is locked", "database is busy")
_POSTGRES_STATES: Final = frozenset({"40001", "40P01", "55P03"})


def contention_code(exc: BaseException) -> str | None:
    """The driver's code for a contention error (``SQLITE_BUSY``, ``40001`` …), for logs;
    ``None`` when ``exc`` is not one. ``exc`` is SQLAlchemy's wrapping of the driver's error,
    or :mod:`sqlite3`'s own (the archive speaks to the driver directly, see
    :mod:`openpcs.gateway.store.archive_sqlite`). Only codes are returned, never messages or
    SQL."""
    original: BaseException | None
    if isinstance(exc, DBAPIError):
        original = exc.orig
    elif isinstance(exc, sqlite3.Error):
        original = exc
    else:
        return None
    state = getattr(original, "sqlstate", None)
    if isinstance(state, str):
        return state if state in _POSTGRES_STATES else None
    name = getattr(original, "sqlite_errorname", None)
    if isinstance(name, str):
        return name if name.startswith(_SQLITE_NAMES) else None
    text = str(original).lower()
    return "locked" if any(part in text for part in _SQLITE_TEXTS) else None


def is_contention(exc: BaseException) -> bool:
    """Whether ``exc`` says the store was busy (see the module description), so that the
    same work may simply be tried again later."""
    return contention_code(exc) is not None
