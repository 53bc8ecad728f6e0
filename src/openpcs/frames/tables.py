"""The sensor tables a decoder reads frames with: the built-in ones, some perhaps extended.

Decoders take a :class:`SensorTables` (``BUILT_IN_TABLES`` by default), so that a gateway whose
nodes send custom sensor ids reads them with its own tables while every other caller keeps the
built-in ones, and no table is ever changed in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from openpcs.catalog import SensorTable, sensor_table
from openpcs.frames.binary_plans import PlanCache
from openpcs.frames.layout import FieldLayout, field_layout, layouts_for_table

__all__ = ["BUILT_IN_TABLES", "SensorTables"]


class SensorTables:
    """Sensor tables by table number (6, 7, 8), with ``replaced`` standing in for built-in ones.

    The layouts of a replaced table are built once, here; the built-in ones come from the
    shared cache. ``plans`` holds the compiled readers of the binary frames read with these
    tables (see :mod:`openpcs.frames.binary_plans`).
    """

    def __init__(self, replaced: Mapping[int, SensorTable] | None = None) -> None:
        self.replaced: Mapping[int, SensorTable] = MappingProxyType(dict(replaced or {}))
        self._layouts = {
            number: tuple(None if spec is None else field_layout(spec) for spec in table.by_id)
            for number, table in self.replaced.items()
        }
        self.plans = PlanCache()

    def table(self, number: int) -> SensorTable:
        """The table ``number``; :class:`KeyError` when there is none."""
        found = self.replaced.get(number)
        return found if found is not None else sensor_table(number)

    def layouts(self, number: int) -> tuple[FieldLayout | None, ...]:
        """The 256 field layouts of table ``number``, indexed by sensor id."""
        found = self._layouts.get(number)
        return found if found is not None else layouts_for_table(number)


#: The tables openpcs ships, unchanged.
BUILT_IN_TABLES: Final = SensorTables()
