"""Statements for the write path, in the driver's own dialect, for ``executemany``.

The pipeline writes thousands of rows per batch; going through the DB-API with prepared
statements and plain tuples costs a fraction of building ORM objects or Core parameter
dictionaries. This module only builds statement text and converts values the driver cannot
take as they are (SQLite has no time type: UTC times are text, as SQLAlchemy writes them).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Dialect

__all__ = ["Dialected"]


class Dialected:
    """Statement text and value conversion for one database dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.sqlite = dialect.name == "sqlite"
        self.placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
        self._quote = dialect.identifier_preparer.quote

    def insert(self, table: str, columns: Sequence[str]) -> str:
        """``INSERT INTO table (columns) VALUES (placeholders)``."""
        names = ", ".join(self._quote(c) for c in columns)
        marks = ", ".join(self.placeholder for _ in columns)
        return f"INSERT INTO {table} ({names}) VALUES ({marks})"

    def update(self, table: str, columns: Sequence[str], key: str) -> str:
        """``UPDATE table SET column = placeholder, … WHERE key = placeholder``."""
        sets = ", ".join(f"{self._quote(c)} = {self.placeholder}" for c in columns)
        return f"UPDATE {table} SET {sets} WHERE {self._quote(key)} = {self.placeholder}"

    def in_list(self, count: int) -> str:
        """``(placeholder, …)`` for ``count`` values."""
        return "(" + ", ".join(self.placeholder for _ in range(count)) + ")"

    def text(self, sql: str) -> str:
        """``sql`` written with ``?`` placeholders, in this driver's style."""
        return sql if self.placeholder == "?" else sql.replace("?", "%s")

    def time(self, value: datetime | None) -> Any:
        """A UTC time as the driver takes it."""
        if value is None or not self.sqlite:
            return value
        if value.tzinfo is UTC:  # the common case, cheaply: drop the "+00:00"
            return value.isoformat(" ", "microseconds")[:26]
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(" ", "microseconds")

    @staticmethod
    def json(value: Any) -> str | None:
        """A JSON column's value as text (both drivers take text for JSON)."""
        return None if value is None else json.dumps(value, separators=(",", ":"))

    def greatest(self, left: str, right: str) -> str:
        """The larger of two expressions, in this dialect."""
        return f"max({left}, {right})" if self.sqlite else f"greatest({left}, {right})"
