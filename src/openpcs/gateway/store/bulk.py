"""Bulk writes for the write path, in each database's fastest way.

The pipeline writes thousands of rows per batch; going through the driver with plain tuples
costs a fraction of building ORM objects or Core parameter dictionaries. On SQLite that is
``executemany`` of a prepared statement; on PostgreSQL rows go in with ``COPY`` and many rows
change in one ``UPDATE … FROM unnest(…)``, which cost a round trip per batch instead of per
row. Values the driver cannot take as they are are converted here (SQLite has no time type:
UTC times are text, as SQLAlchemy writes them).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
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

    def insert_rows(
        self, connection: Connection, table: str, columns: Sequence[str], rows: Sequence[Any]
    ) -> None:
        """Insert ``rows`` (tuples in ``columns`` order) into ``table``."""
        if not rows:
            return
        if self.sqlite:
            connection.exec_driver_sql(self.insert(table, columns), rows)
            return
        names = ", ".join(self._quote(c) for c in columns)
        driver = connection.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def update_rows(
        self,
        connection: Connection,
        table: str,
        columns: Sequence[tuple[str, str]],
        key: tuple[str, str],
        rows: Sequence[Sequence[Any]],
    ) -> None:
        """Set ``columns`` (name, PostgreSQL type) of the rows whose ``key`` is each row's last
        value; ``rows`` hold the new values in ``columns`` order, then the key."""
        if not rows:
            return
        if self.sqlite:
            statement = self.update(table, [name for name, _ in columns], key[0])
            connection.exec_driver_sql(statement, rows)
            return
        every = (*columns, key)
        arrays = ", ".join(f"%s::{kind}[]" for _, kind in every)
        names = ", ".join(self._quote(name) for name, _ in every)
        sets = ", ".join(f"{self._quote(n)} = v.{self._quote(n)}" for n, _ in columns)
        quoted_key = self._quote(key[0])
        statement = (
            f"UPDATE {table} AS t SET {sets} FROM unnest({arrays}) AS v({names}) "
            f"WHERE t.{quoted_key} = v.{quoted_key}"
        )
        connection.exec_driver_sql(
            statement, tuple(list(column) for column in zip(*rows, strict=True))
        )

    def greatest(self, left: str, right: str) -> str:
        """The larger of two expressions, in this dialect."""
        return f"max({left}, {right})" if self.sqlite else f"greatest({left}, {right})"
