"""NCD wireless sensor types as data (``ncd_sensor_types.yaml``), compiled into decoders.

Each type lists its fields in order (big-endian integers of 1-4 bytes, signed or not, with an
optional scale and unit), bytes to skip, and values derived from a field. The loader checks
names, types and scales when first used and raises :class:`CatalogError` naming the type.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import Any, Final

from openpcs.catalog.devices import load_yaml_data
from openpcs.catalog.sensors import CatalogError

__all__ = ["NcdField", "NcdSensorType", "ncd_sensor_types"]

_SOURCE: Final = "ncd_sensor_types.yaml"
_WIDTHS: Final = {"u8": 1, "s8": 1, "u16": 2, "s16": 2, "u24": 3, "s24": 3, "u32": 4, "s32": 4}


@dataclass(frozen=True, slots=True)
class NcdField:
    """One value in a sensor's data: where it is, how wide, signed or not, scale and unit."""

    name: str
    offset: int
    size: int
    signed: bool
    scale: float | None
    unit: str


@dataclass(frozen=True, slots=True)
class NcdDerived:
    """A value computed from a field: ``field * scale``."""

    name: str
    source: str
    scale: float
    unit: str


@dataclass(frozen=True, slots=True)
class NcdStatus:
    """A status a sensor type reports in the header's reserved byte, as a label.

    The byte is shifted right by ``shift`` and masked with ``mask``; the result is looked up
    in ``values``, then (masked with ``detail_mask``) in ``detail``, then is ``other``. Only
    firmware ``min_firmware`` and later reports it.
    """

    name: str
    min_firmware: int
    shift: int
    mask: int
    values: dict[int, str]
    detail_mask: int
    detail: dict[int, str]
    other: str | None

    def label(self, reserved: int, firmware: int) -> str | None:
        """The label of ``reserved`` from a node running ``firmware``; ``None`` if none."""
        if firmware < self.min_firmware:
            return None
        code = (reserved >> self.shift) & self.mask
        found = self.values.get(code)
        if found is None:
            found = self.detail.get(code & self.detail_mask)
        return found if found is not None else self.other


@dataclass(frozen=True, slots=True)
class NcdSensorType:
    """A sensor type: its name, fields and derived values, and the data length they need;
    ``status`` when its reserved byte carries one."""

    type_id: int
    name: str
    fields: tuple[NcdField, ...]
    derived: tuple[NcdDerived, ...]
    length: int
    status: NcdStatus | None = None


def _scale(where: str, raw: Any) -> float | None:
    if raw is None:
        return None
    try:
        value = float(Fraction(str(raw)))
    except (ValueError, ZeroDivisionError):
        raise CatalogError(f"{where}: scale {raw!r} is not a number or a fraction") from None
    if value == 0:
        raise CatalogError(f"{where}: scale cannot be 0")
    return value


def _compile(type_id: int, entry: Any) -> NcdSensorType:
    where = f"{_SOURCE}: type {type_id}"
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise CatalogError(f"{where}: needs a name and fields")
    fields: list[NcdField] = []
    offset = 0
    for index, item in enumerate(entry.get("fields") or []):
        if not isinstance(item, dict):
            raise CatalogError(f"{where}: field {index} is not a mapping")
        if "skip" in item:
            offset += int(item["skip"])
            continue
        kind = item.get("type")
        if kind not in _WIDTHS:
            raise CatalogError(f"{where}: field {item.get('name')!r} has unknown type {kind!r}")
        name = item.get("name")
        if not isinstance(name, str) or any(f.name == name for f in fields):
            raise CatalogError(f"{where}: field {index} needs a unique name")
        size = _WIDTHS[kind]
        fields.append(
            NcdField(
                name,
                offset,
                size,
                kind.startswith("s"),
                _scale(where, item.get("scale")),
                item.get("unit", ""),
            )
        )
        offset += size
    if not fields:
        raise CatalogError(f"{where}: has no fields")
    derived = []
    for item in entry.get("derived") or []:
        source = item.get("from")
        if not any(f.name == source for f in fields):
            raise CatalogError(
                f"{where}: derived {item.get('name')!r} reads unknown field {source!r}"
            )
        scale = _scale(where, item.get("scale"))
        derived.append(
            NcdDerived(str(item["name"]), str(source), scale or 1.0, item.get("unit", ""))
        )
    status = _status(where, entry.get("status"))
    return NcdSensorType(type_id, entry["name"], tuple(fields), tuple(derived), offset, status)


def _labels(where: str, raw: Any) -> dict[int, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, int) and 0 <= k <= 255 and isinstance(v, str) and v for k, v in raw.items()
    ):
        raise CatalogError(f"{where}: status labels map codes 0..255 to names")
    return dict(raw)


def _status(where: str, raw: Any) -> NcdStatus | None:
    if raw is None:
        return None
    known = {"name", "min_firmware", "shift", "mask", "values", "detail_mask", "detail", "other"}
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or set(raw) - known:
        raise CatalogError(f"{where}: status needs a name and takes {', '.join(sorted(known))}")
    numbers = {k: raw.get(k, d) for k, d in (("min_firmware", 0), ("shift", 0), ("mask", 0xFF))}
    numbers["detail_mask"] = raw.get("detail_mask", 0xFF)
    if not all(isinstance(v, int) and 0 <= v <= 255 for v in numbers.values()):
        raise CatalogError(f"{where}: status firmware, shift and masks are whole numbers 0..255")
    other = raw.get("other")
    if other is not None and not isinstance(other, str):
        raise CatalogError(f"{where}: status other is a name")
    return NcdStatus(
        raw["name"],
        numbers["min_firmware"],
        numbers["shift"],
        numbers["mask"],
        _labels(where, raw.get("values")),
        numbers["detail_mask"],
        _labels(where, raw.get("detail")),
        other,
    )


@cache
def ncd_sensor_types() -> dict[int, NcdSensorType]:
    """Every NCD sensor type with a data layout, by type id."""
    data = load_yaml_data(_SOURCE)
    if not isinstance(data, dict):
        raise CatalogError(f"{_SOURCE}: expected a mapping of type ids")
    types = {}
    for key, entry in data.items():
        if not isinstance(key, int) or not 0 <= key <= 0xFFFF:
            raise CatalogError(f"{_SOURCE}: type id {key!r} is not 0..65535")
        types[key] = _compile(key, entry)
    return types
