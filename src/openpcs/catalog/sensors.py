"""The Waspmote v15 sensor tables, loaded from the CSV files in ``catalog/data``.

One table per information frame type (6 standard, 7 Smart Agriculture Xtreme, 8 Smart Water
Xtreme). The encoder, the decoder, the frame plan and the code generator all read these tables;
nothing else in openpcs spells a sensor id.

The loader checks every row as it reads it and raises :class:`CatalogError` naming the file and
line at the first problem, so a bad edit to a data file fails at import of the table, not later
inside a decoder.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Final

__all__ = [
    "ALLOWED_COUNTS",
    "V12_TABLE",
    "CatalogError",
    "SensorSpec",
    "SensorTable",
    "ValueType",
    "sensor_table",
    "sensor_tables",
    "table_for_frame_type",
]

_DATA_PACKAGE: Final = "openpcs.catalog.data"
_INDEX_FILE: Final = "sensor_tables.json"
#: The table number of the Waspmote v12 table (frame type 0, ``INFORMATION_FRAME_V12``).
V12_TABLE: Final = 0
_V12_FILE: Final = "sensors_v12.csv"
_COLUMNS: Final = (
    "id",
    "tag",
    "type",
    "count",
    "decimals",
    "api_constants",
    "name",
    "unit",
    "note",
)


class CatalogError(Exception):
    """A catalog data file is malformed. The message names the file and the line."""


class ValueType(StrEnum):
    """How one value of a sensor field is stored in a binary frame."""

    UINT8 = "uint8"
    INT16 = "int16"
    UINT16 = "uint16"
    FLOAT = "float"
    ULONG32 = "ulong32"
    STRING = "string"


#: Number of values a field of each type may carry. uint8 x3 is DATE/TIME; uint16 arrays are the
#: particle-matter bins (PM_BIN 24, PM_BINL 16, PM_BINH 8).
ALLOWED_COUNTS: Final[dict[ValueType, frozenset[int]]] = {
    ValueType.UINT8: frozenset({1, 3}),
    ValueType.INT16: frozenset({1, 2, 3}),
    ValueType.UINT16: frozenset({8, 16, 24}),
    ValueType.FLOAT: frozenset({1, 2, 3}),
    ValueType.ULONG32: frozenset({1, 2, 3}),
    ValueType.STRING: frozenset({1}),
}

_MAX_DECIMALS: Final = 9


@dataclass(frozen=True, slots=True)
class SensorSpec:
    """One row of a sensor table: what a field with this id carries."""

    id: int
    tag: str
    type: ValueType
    count: int
    decimals: int
    api_constants: tuple[str, ...]
    name: str
    unit: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class SensorTable:
    """A complete sensor table for one frame type, indexed by id and by ASCII tag."""

    frame_type: int
    title: str
    constant: str
    source_file: str
    sensors: tuple[SensorSpec, ...]
    by_id: tuple[SensorSpec | None, ...] = field(repr=False)
    by_tag: dict[str, SensorSpec] = field(repr=False)
    tags_with_several_ids: dict[str, tuple[int, ...]] = field(repr=False)

    def get(self, sensor_id: int) -> SensorSpec | None:
        """Return the sensor with this id, or ``None`` when the id is reserved or out of range."""
        if 0 <= sensor_id < len(self.by_id):
            return self.by_id[sensor_id]
        return None

    def find_tag(self, tag: str) -> SensorSpec | None:
        """Return the sensor with this ASCII tag (the lowest id when a tag is used twice)."""
        return self.by_tag.get(tag)

    def find_constant(self, constant: str) -> SensorSpec | None:
        """Return the sensor whose API constant (e.g. ``SENSOR_BAT``) is ``constant``."""
        for spec in self.sensors:
            if constant in spec.api_constants:
                return spec
        return None


def _fail(source: str, line: int, message: str) -> CatalogError:
    return CatalogError(f"{source} line {line}: {message}")


def _int_cell(source: str, line: int, column: str, text: str, *, low: int, high: int) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise _fail(source, line, f"{column} {text!r} is not a whole number") from None
    if not low <= value <= high:
        raise _fail(source, line, f"{column} {value} is outside {low}..{high}")
    return value


def _parse_row(source: str, line: int, row: dict[str, str]) -> SensorSpec:
    sensor_id = _int_cell(source, line, "id", row["id"], low=0, high=255)
    tag = row["tag"].strip()
    if not tag or not tag.isascii() or any(c in tag for c in "#:; "):
        raise _fail(source, line, f"tag {tag!r} must be non-empty ASCII without '#', ':', ';'")
    try:
        value_type = ValueType(row["type"].strip())
    except ValueError:
        known = ", ".join(t.value for t in ValueType)
        raise _fail(source, line, f"unknown type {row['type']!r} (known: {known})") from None
    count = _int_cell(source, line, "count", row["count"], low=1, high=255)
    if count not in ALLOWED_COUNTS[value_type]:
        allowed = ", ".join(str(n) for n in sorted(ALLOWED_COUNTS[value_type]))
        raise _fail(source, line, f"a {value_type} field cannot carry {count} values ({allowed})")
    decimals = _int_cell(source, line, "decimals", row["decimals"], low=0, high=_MAX_DECIMALS)
    return SensorSpec(
        id=sensor_id,
        tag=tag,
        type=value_type,
        count=count,
        decimals=decimals,
        api_constants=tuple(row["api_constants"].split()),
        name=row["name"].strip() or tag,
        unit=row["unit"].strip(),
        note=row["note"].strip(),
    )


def _read_rows(source: str, text: str) -> list[tuple[int, dict[str, str]]]:
    """Return ``(line number, row)`` pairs, skipping ``#`` comment lines and blank lines."""
    numbered = [
        (number, raw)
        for number, raw in enumerate(text.splitlines(), start=1)
        if raw.strip() and not raw.lstrip().startswith("#")
    ]
    if not numbered:
        raise CatalogError(f"{source}: the file has no header row")
    header_line, header = numbered[0]
    columns = next(csv.reader([header]))
    if tuple(columns) != _COLUMNS:
        raise _fail(source, header_line, f"header must be {','.join(_COLUMNS)}")
    rows = []
    for number, raw in numbered[1:]:
        cells = next(csv.reader([raw]))
        if len(cells) != len(_COLUMNS):
            raise _fail(source, number, f"expected {len(_COLUMNS)} cells, found {len(cells)}")
        rows.append((number, dict(zip(_COLUMNS, cells, strict=True))))
    return rows


def checked_rows(text: str, *, source: str) -> list[tuple[int, SensorSpec]]:
    """Parse and check the rows of a sensor-table CSV: ``(line number, row)`` pairs.

    Raises :class:`CatalogError` naming ``source`` and the line of the first bad row.
    """
    return [(line, _parse_row(source, line, row)) for line, row in _read_rows(source, text)]


def assemble_table(
    rows: list[tuple[str, int, SensorSpec]], *, frame_type: int, title: str = "", constant: str = ""
) -> SensorTable:
    """Index checked rows (each with its file and line) as one table; a repeated id is an error
    naming both places. A tag used twice is kept, the lowest id answering to it."""
    by_id: list[SensorSpec | None] = [None] * 256
    first: dict[int, tuple[str, int]] = {}
    by_tag: dict[str, SensorSpec] = {}
    several: dict[str, list[int]] = {}
    sensors = []
    for source, line, spec in rows:
        if spec.id in first:
            where, at = first[spec.id]
            place = f"line {at}" if where == source else f"{where} line {at}"
            raise _fail(source, line, f"duplicate id {spec.id} (first on {place})")
        first[spec.id] = (source, line)
        by_id[spec.id] = spec
        sensors.append(spec)
        if spec.tag in by_tag:
            several.setdefault(spec.tag, [by_tag[spec.tag].id]).append(spec.id)
            if spec.id < by_tag[spec.tag].id:
                by_tag[spec.tag] = spec
        else:
            by_tag[spec.tag] = spec
    if not sensors:
        raise CatalogError("the table has no rows")
    return SensorTable(
        frame_type=frame_type,
        title=title,
        constant=constant,
        source_file=rows[0][0],
        sensors=tuple(sensors),
        by_id=tuple(by_id),
        by_tag=by_tag,
        tags_with_several_ids={tag: tuple(ids) for tag, ids in several.items()},
    )


def parse_sensor_table(
    text: str, *, source: str, frame_type: int, title: str = "", constant: str = ""
) -> SensorTable:
    """Parse and check one sensor table from CSV text; ``source`` names it in errors."""
    rows = [(source, line, spec) for line, spec in checked_rows(text, source=source)]
    if not rows:
        raise CatalogError(f"{source}: the table has no rows")
    return assemble_table(rows, frame_type=frame_type, title=title, constant=constant)


def _read_data_file(name: str) -> str:
    try:
        return resources.files(_DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError(f"{name}: catalog data file is missing") from None


@cache
def _index() -> dict[int, dict[str, object]]:
    try:
        raw = json.loads(_read_data_file(_INDEX_FILE))
        entries = raw["tables"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise CatalogError(f"{_INDEX_FILE}: malformed table index ({exc})") from None
    index: dict[int, dict[str, object]] = {}
    for entry in entries:
        index[int(entry["frame_type"])] = entry
    return index


@cache
def sensor_table(frame_type: int) -> SensorTable:
    """Return the checked sensor table of a table frame type (6, 7 or 8); cached after first use.

    Raises :class:`KeyError` for a frame type without a table and :class:`CatalogError` when its
    data file is malformed. Table 0 is the v12 table (:data:`V12_TABLE`), which boards before
    v15 use; :func:`sensor_tables` and :func:`table_for_frame_type` know the v15 ones only.
    """
    if frame_type == V12_TABLE:
        return parse_sensor_table(
            _read_data_file(_V12_FILE),
            source=_V12_FILE,
            frame_type=V12_TABLE,
            title="Waspmote v12 (boards before v15)",
            constant="INFORMATION_FRAME_V12",
        )
    entry = _index()[frame_type]
    source = str(entry["file"])
    return parse_sensor_table(
        _read_data_file(source),
        source=source,
        frame_type=frame_type,
        title=str(entry.get("title", "")),
        constant=str(entry.get("constant", "")),
    )


def sensor_tables() -> tuple[SensorTable, ...]:
    """Return every v15 sensor table, in frame-type order."""
    return tuple(sensor_table(frame_type) for frame_type in sorted(_index()))


@cache
def _table_of_type() -> dict[int, int]:
    mapping: dict[int, int] = {}
    for frame_type, entry in _index().items():
        mapping[frame_type] = frame_type
        also = entry.get("also_for", [])
        if isinstance(also, list):
            for other in also:
                mapping[int(other)] = frame_type
    return mapping


def table_for_frame_type(frame_type: int) -> int | None:
    """Map an information frame type (low 6 bits of byte 3) to the table it reads, if any."""
    return _table_of_type().get(frame_type)
