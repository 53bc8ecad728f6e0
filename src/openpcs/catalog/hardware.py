"""Plug & Sense! models, their probes and the probes' calibration kinds, as data.

``node_models()`` is checked against the rest of the catalog when first loaded: every probe a
socket offers must exist, and every frame field it adds must be in the model's sensor table
for that socket. A mistake in the data files is a :class:`CatalogError` naming the file, the
model, the socket and the field.
"""

from __future__ import annotations

import fnmatch
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from openpcs.catalog.devices import _validated, load_validated, load_yaml_data
from openpcs.catalog.sensors import CatalogError, SensorSpec, SensorTable, sensor_table

__all__ = [
    "CalibrationKind",
    "CalibrationValue",
    "ModelSpec",
    "ProbeSpec",
    "calibrations",
    "model_id",
    "node_models",
    "probe_fields",
    "probes",
]

_SOCKET_MARK = "{socket}"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CalibrationValue(_Data):
    """One value of a calibration: unit, accepted range and what it is."""

    unit: str
    range: tuple[float, float]
    help: str = ""


class CalibrationKind(_Data):
    """How a probe is calibrated: named values, or a number of (ppm, volts) points."""

    api: str
    values: dict[str, CalibrationValue] = {}
    points: int | None = None
    optional: bool = False


class ProbeSpec(_Data):
    """A sensor probe: its name, the fields it adds and what it needs."""

    id: str = ""
    name: str
    fields: tuple[str, ...] | dict[int, tuple[str, ...]]
    family: str
    calibration: str | None = None
    events: bool = False
    xtreme_calibration: bool = False
    read_s: float = 1.0

    def field_keys(self, frame_type: int) -> tuple[str, ...]:
        """The field tags or constants for a board of ``frame_type``."""
        if isinstance(self.fields, dict):
            return self.fields.get(frame_type, ())
        return self.fields


class ModelSpec(_Data):
    """A Plug & Sense! model and what each of its sockets offers."""

    id: str = ""
    name: str
    frame_type: int
    board_library: str
    board_header: str
    sockets: dict[str, tuple[str, ...]]
    builtin: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()
    event_sockets: tuple[str, ...] = ()
    source: str

    @field_validator("sockets", mode="before")
    @classmethod
    def _flatten(cls, value: Any) -> Any:
        """Lists built from YAML anchors nest one level; flatten them."""
        if not isinstance(value, dict):
            return value
        flat: dict[str, list[Any]] = {}
        for socket, items in value.items():
            entries: list[Any] = []
            for item in items or []:
                entries.extend(item if isinstance(item, list) else [item])
            flat[socket] = entries
        return flat

    def is_unique(self, probe_id: str) -> bool:
        """Whether the probe may be chosen in one socket only (guide §2.16.1)."""
        return any(fnmatch.fnmatchcase(probe_id, pattern) for pattern in self.unique)

    def sockets_offering(self, probe_id: str) -> tuple[str, ...]:
        """The sockets whose list offers ``probe_id``."""
        return tuple(s for s, offered in self.sockets.items() if probe_id in offered)


@cache
def calibrations() -> dict[str, CalibrationKind]:
    """Calibration kinds by id."""
    return load_validated("calibrations.yaml", dict[str, CalibrationKind])


@cache
def probes() -> dict[str, ProbeSpec]:
    """Every probe by id, with calibration kinds checked."""
    name = "probes.yaml"
    data = load_validated(name, dict[str, ProbeSpec])
    known = calibrations()
    result: dict[str, ProbeSpec] = {}
    for probe_id, spec in data.items():
        if spec.calibration is not None and spec.calibration not in known:
            raise CatalogError(f"{name}: {probe_id}: unknown calibration '{spec.calibration}'")
        result[probe_id] = spec.model_copy(update={"id": probe_id})
    return result


def _resolve(table: SensorTable, key: str) -> SensorSpec | None:
    if key in table.tags_with_several_ids:
        return None
    return table.find_tag(key) or table.find_constant(key)


def probe_fields(model: ModelSpec, probe: ProbeSpec, socket: str | None) -> list[SensorSpec]:
    """The sensor rows a probe adds on ``model`` in ``socket`` (``None`` for built-in probes).

    Raises :class:`KeyError` naming the field when the model's table lacks one; the catalog
    check at load time guarantees this cannot happen for offered combinations.
    """
    table = sensor_table(model.frame_type)
    rows = []
    for key in probe.field_keys(model.frame_type):
        text = key.replace(_SOCKET_MARK, socket or "")
        spec = _resolve(table, text)
        if spec is None:
            raise KeyError(text)
        rows.append(spec)
    return rows


def _check_model(name: str, model: ModelSpec, known: dict[str, ProbeSpec]) -> None:
    placements: list[tuple[str | None, str]] = [
        (s, p) for s, offered in model.sockets.items() for p in offered
    ]
    placements += [(None, p) for p in model.builtin]
    for socket, probe_id in placements:
        where = f"{name}: {model.id}: {'builtin' if socket is None else 'socket ' + socket}"
        if socket is not None and socket not in "ABCDEF":
            raise CatalogError(f"{where}: sockets are A-F")
        probe = known.get(probe_id)
        if probe is None:
            raise CatalogError(f"{where}: unknown probe '{probe_id}'")
        if not probe.field_keys(model.frame_type):
            raise CatalogError(
                f"{where}: {probe_id} has no fields for frame type {model.frame_type}"
            )
        try:
            probe_fields(model, probe, socket)
        except KeyError as exc:
            raise CatalogError(
                f"{where}: {probe_id} field {exc.args[0]} is not in sensor table {model.frame_type}"
            ) from None
    for pattern in model.unique:
        if not any(fnmatch.fnmatchcase(p, pattern) for _, p in placements):
            raise CatalogError(f"{name}: {model.id}: unique pattern '{pattern}' matches no probe")


@cache
def node_models() -> dict[str, ModelSpec]:
    """Every Plug & Sense! model by id, checked against the probes and sensor tables."""
    name = "models.yaml"
    raw = load_yaml_data(name)
    if not isinstance(raw, dict) or not isinstance(raw.get("models"), dict):
        raise CatalogError(f"{name}: expected a 'models' mapping")
    data = _validated(name, dict[str, ModelSpec], raw["models"])
    known = probes()
    result: dict[str, ModelSpec] = {}
    for model_id, spec in data.items():
        model = spec.model_copy(update={"id": model_id})
        _check_model(name, model, known)
        result[model_id] = model
    return result


def model_id(text: str) -> str:
    """The id of the model ``text`` names: its id (``smart_water``) or its name as the pages
    show it (``Smart Water``, any case). :class:`ValueError` listing the names otherwise."""
    wanted = " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()
    models = node_models()
    for found, spec in models.items():
        if wanted in (found.replace("_", " ").casefold(), spec.name.casefold()):
            return found
    names = ", ".join(spec.name for spec in models.values())
    raise ValueError(f"unknown model {text.strip()!r}: one of {names}")
