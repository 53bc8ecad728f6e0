"""Device knowledge beyond the sensor tables: radios, LoRaWAN regions, licences, industrial
protocols, energy and memory figures. Each lives in a YAML file under ``catalog/data`` and is
checked against a pydantic model when first loaded; a malformed file raises
:class:`CatalogError` naming the file and the entry.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from openpcs.catalog.sensors import CatalogError

__all__ = [
    "CanBusSpec",
    "EnergySpec",
    "GpsFieldSpec",
    "IndustrialSpec",
    "LicenceSpec",
    "LoRaRegionSpec",
    "LoRaWANSpec",
    "MemorySpec",
    "RadioEnergy",
    "RadioRegionSpec",
    "RadioSpec",
    "energy",
    "industrial",
    "licences",
    "load_validated",
    "load_yaml_data",
    "lorawan",
    "memory",
    "radios",
]

_DATA_PACKAGE = "openpcs.catalog.data"
T = TypeVar("T")


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def load_yaml_data(name: str) -> Any:
    """Read one YAML data file of the catalog."""
    try:
        text = resources.files(_DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError(f"{name}: catalog data file is missing") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{name}: invalid YAML ({exc})") from None


def _validated(name: str, shape: Any, data: Any) -> Any:
    try:
        return TypeAdapter(shape).validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CatalogError(f"{name}: {where}: {first['msg']}") from None


def load_validated(name: str, shape: type[T]) -> T:
    """Read the catalog data file ``name`` and validate it as ``shape``."""
    result: T = _validated(name, shape, load_yaml_data(name))
    return result


# --- radios -----------------------------------------------------------------------------------


class RadioRegionSpec(_Data):
    """One regional version of a radio."""

    name: str
    channels: tuple[int, int] | None = None
    gps: bool = True
    source: str = ""


class MaskSpec(_Data):
    """A channel mask: how many hex digits and its allowed range."""

    digits: int
    min: str
    max: str


class FrameLimit(_Data):
    """The largest binary frame the node builds, without and with XBee link encryption."""

    plain: int
    link_encryption: int


class RadioSpec(_Data):
    """A communication module and what the form allows with it."""

    id: str = ""
    name: str
    api_constant: str | None
    library: str
    regions: dict[str, RadioRegionSpec]
    channel_mask: MaskSpec | None = None
    preamble: tuple[int, int] | None = None
    max_frame: FrameLimit | None = None
    url_budget: int | None = None
    resource_budget: int | None = None
    fragments: bool = False
    tiny_frames: bool = False
    payload_encryption: bool
    destinations: tuple[str, ...]


@cache
def radios() -> dict[str, RadioSpec]:
    """Every radio, by id (``xbee_802_15_4``, ``lorawan`` …)."""
    name = "radios.yaml"
    data = load_validated(name, dict[str, RadioSpec])
    return {key: spec.model_copy(update={"id": key}) for key, spec in data.items()}


# --- LoRaWAN ----------------------------------------------------------------------------------


class LoRaRegionSpec(_Data):
    """A LoRaWAN region as the node's module handles it."""

    module: str
    max_payload: dict[int, int]
    modulation: dict[int, tuple[int, int]]
    default_data_rate: int
    duty_cycle: float | None
    dwell_time_ms: int | None = None
    #: band choices of a module that serves several countries, and the API constant of each
    bands: dict[str, str] = {}
    #: sub-bands of 8 + 1 channels a hopping module is told to use, and the usual one
    sub_bands: int | None = None
    default_sub_band: int | None = None
    #: how a program keeps its session: resume a saved one, or (OTAA) join every cycle
    session: Literal["resume", "rejoin"] = "resume"


class LoRaWANSpec(_Data):
    """All LoRaWAN regions and the constants of the air-time formula."""

    regions: dict[str, LoRaRegionSpec]
    ttn_fair_use_s_per_day: float
    phy_overhead: int
    join_answer_wait_s: float
    preamble_symbols: int
    coding_rate: int


@cache
def lorawan() -> LoRaWANSpec:
    """The LoRaWAN regions and constants."""
    name = "lorawan.yaml"
    data = load_yaml_data(name)
    constants = {k: data.pop(k) for k in list(data) if not isinstance(data[k], dict)}
    spec: LoRaWANSpec = _validated(name, LoRaWANSpec, {"regions": data, **constants})
    for region_id, region in spec.regions.items():
        if set(region.max_payload) != set(region.modulation):
            raise CatalogError(f"{name}: {region_id}: max_payload and modulation list other rates")
        if region.default_data_rate not in region.max_payload:
            raise CatalogError(f"{name}: {region_id}: default_data_rate is not a listed rate")
        if (region.sub_bands is None) != (region.default_sub_band is None) or (
            region.sub_bands is not None
            and not 1 <= (region.default_sub_band or 0) <= region.sub_bands
        ):
            raise CatalogError(f"{name}: {region_id}: default_sub_band is not one of sub_bands")
    return spec


# --- licences, industrial ---------------------------------------------------------------------


class LicenceSpec(_Data):
    """A PCS licence tier."""

    name: str
    nodes: int
    industrial_protocols: bool
    batch_programming: bool
    https: bool
    payload_encryption: bool


@cache
def licences() -> dict[str, LicenceSpec]:
    """The licence tiers, by id (``basic``, ``pro``, ``elite``)."""
    return load_validated("licences.yaml", dict[str, LicenceSpec])


class ModbusSpec(_Data):
    """What the Modbus reads may use."""

    baud_rates: tuple[int, ...]
    max_reads: int
    slave_address: tuple[int, int]
    start_register: tuple[int, int]
    registers_per_read: tuple[int, int]
    field: str


class CanOperation(_Data):
    """One CAN bus operation, its frame field and the CAN library call that reads it."""

    name: str
    field: str
    call: str


class CanBusSpec(_Data):
    """CAN bus speeds and operations."""

    speeds_kbps: tuple[int, ...]
    operations: dict[str, CanOperation]


class GpsFieldSpec(_Data):
    """A GPS field of the form, its frame field and, for text, its longest length."""

    name: str
    field: str
    max_length: int | None = None


class GpsSpec(_Data):
    """GPS timeout range and fields."""

    timeout_s: tuple[int, int]
    fields: dict[str, GpsFieldSpec]


class IndustrialSpec(_Data):
    """Industrial protocols and GPS, as the form offers them."""

    modbus: ModbusSpec
    canbus: CanBusSpec
    gps: GpsSpec


@cache
def industrial() -> IndustrialSpec:
    """Modbus, CAN bus and GPS options."""
    return load_validated("industrial.yaml", IndustrialSpec)


# --- energy and memory ------------------------------------------------------------------------


class RadioEnergy(_Data):
    """Currents and times of a radio per cycle."""

    on_ma: float = 0.0
    on_s: float = 0.0
    on_s_per_frame: float = 0.0
    tx_ma: float
    tx_s_per_frame: float | None = None


class EnergySpec(_Data):
    """Figures for the battery-life estimate."""

    battery_mah: float
    usable_fraction: float = Field(gt=0, le=1)
    node_on_ma: float
    deep_sleep_ua: float
    awake_base_s: float
    gps_on_ma: float
    radios: dict[str, RadioEnergy]


@cache
def energy() -> EnergySpec:
    """The energy figures."""
    return load_validated("energy.yaml", EnergySpec)


class MemoryCost(_Data):
    """Flash and RAM bytes of a program part, and the worst stack a program with it needs."""

    flash: int
    ram: int
    stack: int = 0


class MemorySpec(_Data):
    """Flash/RAM limits, the estimated cost of each program part, the RAM to spare."""

    limits: MemoryCost
    warn_fraction: float
    stack_margin: int
    #: parts with buffers sized for the largest frame sent, and how many
    frame_sized: dict[str, int] = {}
    base: MemoryCost
    components: dict[str, MemoryCost]


@cache
def memory() -> MemorySpec:
    """The memory estimate's figures."""
    return load_validated("memory.yaml", MemorySpec)
