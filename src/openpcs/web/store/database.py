"""Bringing the web application's tables to the newest schema in the gateway's database."""

from __future__ import annotations

from typing import Final

from sqlalchemy import Engine

from openpcs.gateway.store.database import current_revision, head_revision, migrate
from openpcs.web.store.schema import VERSION_TABLE

__all__ = ["migrate_web", "web_head", "web_revision"]

_MIGRATIONS: Final = "openpcs.web.store:migrations"


def migrate_web(engine: Engine) -> None:
    """Create or upgrade the web tables (:class:`StoreError` for a newer, unknown schema)."""
    migrate(engine, location=_MIGRATIONS, version_table=VERSION_TABLE)


def web_head() -> str:
    """The newest web schema revision this openpcs knows."""
    return head_revision(_MIGRATIONS)


def web_revision(engine: Engine) -> str | None:
    """The web schema revision the store is at (``None``: no web tables yet)."""
    return current_revision(engine, VERSION_TABLE)
