"""Firmware bundles and batch zips sealed at rest: they hold nodes' AES and link keys.

Each is stored sealed with the gateway's secret key (:class:`SecretBox`), as saved
configurations are. A file stored before sealing began (a plain zip) is still read, and
:func:`seal_stored_files` seals every such file when the server starts.
"""

from __future__ import annotations

import logging
from typing import Final

from sqlalchemy import Engine, LargeBinary, func, literal, select, update
from sqlalchemy.sql.schema import Table

from openpcs.gateway.secret_box import SecretBox
from openpcs.web.store.schema import BATCHES, PROGRAMS

__all__ = ["open_file", "seal_file", "seal_stored_files"]

_ZIP_MAGIC: Final = b"PK"
_log = logging.getLogger("openpcs.web")


def seal_file(box: SecretBox, data: bytes) -> bytes:
    """What is stored for ``data``."""
    return box.seal_bytes(data)


def open_file(box: SecretBox, stored: bytes) -> bytes:
    """The file ``stored`` holds (a plain zip stored before sealing began, as it is)."""
    if stored.startswith(_ZIP_MAGIC):
        return stored
    return box.open_bytes(stored)


def _seal_column(engine: Engine, box: SecretBox, table: Table, column: str) -> int:
    """Seal every plain zip in ``table.column``, one row per transaction; how many."""
    target = table.c[column]
    plain = func.substr(target, 1, len(_ZIP_MAGIC)) == literal(_ZIP_MAGIC, LargeBinary)
    with engine.connect() as connection:
        ids = list(connection.execute(select(table.c.id).where(plain)).scalars())
    for row_id in ids:
        with engine.begin() as connection:
            stored = connection.execute(select(target).where(table.c.id == row_id)).scalar()
            if stored is not None and bytes(stored).startswith(_ZIP_MAGIC):
                sealed = seal_file(box, bytes(stored))
                connection.execute(
                    update(table).where(table.c.id == row_id).values({column: sealed})
                )
    return len(ids)


def seal_stored_files(engine: Engine, box: SecretBox) -> int:
    """Seal the bundles and batch zips stored before sealing began; how many (logged)."""
    count = _seal_column(engine, box, PROGRAMS, "bundle") + _seal_column(
        engine, box, BATCHES, "archive"
    )
    if count:
        _log.warning("sealed %d firmware file(s) stored before files were sealed at rest", count)
    return count
