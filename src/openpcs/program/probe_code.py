"""How a program drives each Xtreme probe, as data (``program/data/xtreme.yaml``).

Loaded once and checked: every Xtreme probe of the catalog has an entry (by id, or by family
for the weather stations), and every entry gives one value expression per frame field.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from openpcs.catalog.hardware import node_models, probes
from openpcs.catalog.sensors import CatalogError

__all__ = ["XtremeProbe", "family_template", "xtreme_probe", "xtreme_probes"]

_SOURCE = "xtreme.yaml"
_FAMILIES = "families.yaml"
_BOARD = "SensorXtr"


class XtremeProbe(BaseModel):
    """One Xtreme probe: class, constructor argument, how it reads, and its value expressions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    class_name: str
    socket: bool | str
    read: Literal["read", "value", "getters"]
    values: tuple[str, ...] = ()
    by_tag: dict[str, str] = {}
    warmup_ms: int = 0
    calibration: tuple[str, ...] = ()
    helpers: tuple[str, ...] = ()

    def expressions(self, tags: list[str], obj: str) -> list[str]:
        """The value expressions for fields with these tags, for an object named ``obj``."""
        if self.by_tag:
            return [self.by_tag[tag].format(obj=obj) for tag in tags]
        return [value.format(obj=obj) for value in self.values]


def _data_text(name: str) -> str:
    return resources.files("openpcs.program.data").joinpath(name).read_text(encoding="utf-8")


@cache
def _families() -> dict[str, dict[str, str]]:
    try:
        result: dict[str, dict[str, str]] = TypeAdapter(dict[str, dict[str, str]]).validate_python(
            yaml.safe_load(_data_text(_FAMILIES))
        )
    except ValidationError as exc:
        raise CatalogError(f"{_FAMILIES}: {exc.errors()[0]['msg']}") from None
    return result


def family_template(family: str) -> tuple[str, dict[str, str]]:
    """The probe template of a family and the values it passes (``families.yaml``)."""
    entry = dict(_families().get(family, {}))
    template = entry.pop("template", family)
    return f"probes/{template}.j2", entry


@cache
def xtreme_probes() -> dict[str, XtremeProbe]:
    """Every entry of the data file, by probe id (or family), checked against the catalog."""
    raw = yaml.safe_load(_data_text(_SOURCE))
    try:
        entries = TypeAdapter(dict[str, dict[str, object]]).validate_python(raw)
        data = {
            key: XtremeProbe.model_validate(
                {("class_name" if k == "class" else k): v for k, v in value.items()}
            )
            for key, value in entries.items()
        }
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CatalogError(f"{_SOURCE}: {where}: {first['msg']}") from None
    _check(data)
    return data


def xtreme_probe(probe_id: str, family: str) -> XtremeProbe:
    """The entry for a probe (its own id first, then its family)."""
    known = xtreme_probes()
    return known.get(probe_id) or known[family]


def _check(data: dict[str, XtremeProbe]) -> None:
    known = probes()
    for model in node_models().values():
        if model.board_library != _BOARD:
            continue
        for offered in model.sockets.values():
            for probe_id in offered:
                probe = known[probe_id]
                entry = data.get(probe_id) or data.get(probe.family)
                if entry is None:
                    raise CatalogError(f"{_SOURCE}: no entry for Xtreme probe {probe_id}")
                tags = probe.field_keys(model.frame_type)
                if entry.by_tag:
                    missing = [t for t in tags if t not in entry.by_tag]
                    if missing:
                        raise CatalogError(f"{_SOURCE}: {probe_id}: no value for {missing[0]}")
                elif len(entry.values) != len(tags):
                    raise CatalogError(
                        f"{_SOURCE}: {probe_id}: {len(entry.values)} values for {len(tags)} fields"
                    )
