"""Custom sensor ids in the gateway's settings: which CSV files extend which sensor table.

Nodes with custom firmware send sensor ids the built-in tables leave free. Each file named
here (the built-in tables' columns) adds rows to table 6, 7 or 8; the files are read and
checked when the settings are, so a bad row stops the start naming its file and line.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import FilePath, model_validator

from openpcs.catalog import (
    V12_TABLE,
    CatalogError,
    SensorTable,
    extend_sensor_table,
    sensor_table,
    sensor_tables,
)
from openpcs.frames import SensorTables
from openpcs.gateway.settings_section import SettingsSection as _Section

__all__ = ["CustomSensorFile", "SensorTablesSettings", "tables_fingerprint"]


class CustomSensorFile(_Section):
    """One CSV file of custom sensor rows and the table (6, 7 or 8) it extends."""

    table: Literal[6, 7, 8] = 6
    file: FilePath


class SensorTablesSettings(_Section):
    """The sensor tables frames are read with: the built-in ones, extended by ``custom`` files.

    A frame with an id no table defines is stored ``partial``; when the tables change, the
    gateway processes its partial frames again at the next start.
    """

    custom: tuple[CustomSensorFile, ...] = ()

    @model_validator(mode="after")
    def _files_read(self) -> SensorTablesSettings:
        self.tables()  # raises, naming the file and line, for a row that cannot be used
        return self

    def tables(self) -> SensorTables:
        """The tables, read from the files now; ``ValueError`` names a bad file's line."""
        extended: dict[int, SensorTable] = {}
        for item in self.custom:
            base = extended.get(item.table) or sensor_table(item.table)
            try:
                text = item.file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"{item.file}: cannot be read ({exc})") from None
            try:
                extended[item.table] = extend_sensor_table(base, text, source=str(item.file))
            except CatalogError as exc:
                raise ValueError(str(exc)) from None
        return SensorTables(extended)


def tables_fingerprint(tables: SensorTables) -> str:
    """A digest of every row of every table frames are read with (built-in and custom):
    equal digests read frames alike, and an openpcs that adds ids changes it too."""
    digest = hashlib.sha256()
    for number in (V12_TABLE, *(table.frame_type for table in sensor_tables())):
        for spec in tables.table(number).sensors:
            digest.update(f"{number}|{spec!r}\n".encode())
    return digest.hexdigest()
