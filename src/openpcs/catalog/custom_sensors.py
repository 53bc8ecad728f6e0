"""Sensor ids a deployment adds to a built-in table, as nodes with custom firmware send them.

A custom file has the built-in tables' columns (``id,tag,type,count,decimals,api_constants,
name,unit,note``) and is checked as they are, row by row. Its ids and tags must be ones the
table it extends leaves free: a custom row that reuses a built-in id or tag would change what
every other node's frames mean, so it is refused, naming the file and line.
"""

from __future__ import annotations

from openpcs.catalog.sensors import (
    CatalogError,
    SensorTable,
    assemble_table,
    checked_rows,
    sensor_table,
)

__all__ = ["extend_sensor_table"]


def extend_sensor_table(base: SensorTable, text: str, *, source: str) -> SensorTable:
    """Return ``base`` with the rows of the custom CSV ``text`` added.

    Raises :class:`CatalogError` naming ``source`` and the line: a malformed row, an id or a tag
    the table already defines, an id given twice, or a file without rows.
    """
    added = checked_rows(text.removeprefix("\ufeff"), source=source)
    if not added:
        raise CatalogError(f"{source}: the file has no sensor rows")
    table = base.frame_type
    built_in = sensor_table(table)
    tags: dict[str, int] = {}
    for line, spec in added:
        taken = base.get(spec.id)
        if taken is not None:
            where = "built-in" if built_in.get(spec.id) is not None else "an earlier custom file's"
            raise CatalogError(
                f"{source} line {line}: id {spec.id} is {where} {taken.tag} in sensor table "
                f"{table}; custom sensors take ids the table leaves free"
            )
        owner = base.find_tag(spec.tag)
        if owner is not None or spec.tag in tags:
            first = f"id {owner.id} in sensor table {table}" if owner else f"line {tags[spec.tag]}"
            raise CatalogError(
                f"{source} line {line}: tag {spec.tag} is already {first}; "
                "ASCII frames name fields by tag, so each must be new"
            )
        tags[spec.tag] = line
    rows = [(base.source_file, 0, spec) for spec in base.sensors]
    rows += [(source, line, spec) for line, spec in added]
    return assemble_table(
        rows, frame_type=table, title=f"{base.title} + {source}", constant=base.constant
    )
