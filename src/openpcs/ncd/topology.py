"""The simulator's input: link settings, the radio medium, modules, links and attacks.

A topology is a pydantic model read by :func:`openpcs.config.loader.load_document`, so its
files get line numbers and the same limits as node configurations. Hex values (key, network ID,
addresses) stay text in the model, checked by the mesh layer's parsers, so a YAML
``network_id: 1234`` means hex 1234. Explicit modules come first, then the generated ones
(``gw1…``, ``rep1…``, ``node1…``); a module without an address gets 0013A200 41000000 plus
its place in that order.
"""

from __future__ import annotations

import random
import re
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, model_validator

from openpcs.catalog.ncd import ncd_sensor_types
from openpcs.ncd.api import BROADCAST
from openpcs.ncd.link import DEFAULT_KEY, DEFAULT_NETWORK_ID, parse_hex_bytes, parse_network_id
from openpcs.ncd.sealing import ADDRESS_SIZE

__all__ = ["Attacks", "Generate", "RadioModel", "Role", "SimModule", "Topology"]

_KEY_SIZE: Final = 16


def _hex_text(size: int) -> AfterValidator:
    def check(value: str) -> str:
        parse_hex_bytes(value, size)
        return value

    return AfterValidator(check)


def _network_id_text(value: str) -> str:
    parse_network_id(value)
    return value


_MODULE_ID: Final = re.compile(r"[\w.-]{1,40}")


def _module_id(value: str) -> str:
    if not _MODULE_ID.fullmatch(value):
        raise ValueError(f"{value!r} is not a module id (1 to 40 letters, digits, _ . or -)")
    return value


def _known_sensor_type(value: int) -> int:
    if value not in ncd_sensor_types():
        raise ValueError(f"no layout for NCD sensor type {value}")
    return value


# Hex stays text in the model, so a YAML ``network_id: 1234`` is read as typed (hex 1234).
KeyText = Annotated[str, _hex_text(_KEY_SIZE)]
AddressText = Annotated[str, _hex_text(ADDRESS_SIZE)]
NetworkIdText = Annotated[str, AfterValidator(_network_id_text)]
Whole = Annotated[int, Strict()]
Real = Annotated[float, Strict()]
Flag = Annotated[bool, Strict()]


Role = Literal["node", "repeater", "gateway"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class RadioModel(_Strict):
    """The medium: default range, loss probability, per-hop latency and bit rate."""

    range_m: Annotated[Real, Field(gt=0)] = 2000.0
    loss: Annotated[Real, Field(ge=0, le=1)] = 0.0
    latency_ms: Annotated[Real, Field(ge=0)] = 5.0
    bitrate_bps: Annotated[Real, Field(gt=0)] = 9600.0


class SimModule(_Strict):
    """One module of the topology."""

    id: Annotated[str, AfterValidator(_module_id)]
    role: Role
    x: Real = 0.0
    y: Real = 0.0
    range_m: Annotated[Real, Field(gt=0)] | None = None
    address: AddressText | None = None
    relay: Flag | None = None
    sends: Annotated[Whole, Field(ge=0)] = 0
    interval_s: Annotated[Real, Field(gt=0)] = 60.0
    start_s: Annotated[Real, Field(ge=0)] = 0.0
    to: str | None = None


class Generate(_Strict):
    """Random modules added to the topology (positions from the seed).

    They are named ``gw1…``, ``rep1…`` and ``node1…``; explicit modules may send to them.
    """

    nodes: Annotated[Whole, Field(ge=0)] = 0
    repeaters: Annotated[Whole, Field(ge=0)] = 0
    gateways: Annotated[Whole, Field(ge=0)] = 0
    area_m: tuple[Annotated[Real, Field(gt=0)], Annotated[Real, Field(gt=0)]] = (
        10_000.0,
        10_000.0,
    )
    sends: Annotated[Whole, Field(ge=0)] = 1
    interval_s: Annotated[Real, Field(gt=0)] = 300.0

    def members(self) -> list[tuple[str, Role]]:
        """The id and role of every generated module, gateways first."""
        return (
            [(f"gw{i + 1}", "gateway") for i in range(self.gateways)]
            + [(f"rep{i + 1}", "repeater") for i in range(self.repeaters)]
            + [(f"node{i + 1}", "node") for i in range(self.nodes)]
        )


class Attacks(_Strict):
    """An attacker in range of everyone: forged packets and replays of captured ones."""

    forged: Annotated[Whole, Field(ge=0)] = 0
    replays: Annotated[Whole, Field(ge=0)] = 0
    replay_delay_s: Annotated[Real, Field(ge=0)] = 3600.0


class Topology(_Strict):
    """A simulation: link settings, the medium, modules, optional explicit links and attacks."""

    seed: Whole = 1
    key: KeyText = DEFAULT_KEY.hex().upper()
    network_id: NetworkIdText = f"{DEFAULT_NETWORK_ID:04X}"
    profile: Literal["spec", "secure"] = "spec"
    radio: RadioModel = RadioModel()
    modules: list[SimModule] = []
    generate: Generate | None = None
    links: list[tuple[str, str]] | None = None
    attacks: Attacks = Attacks()
    sensor_type: Annotated[Whole, AfterValidator(_known_sensor_type)] = 24

    def expand(self, rng: random.Random) -> list[SimModule]:
        """The explicit modules, then the generated ones placed at random by ``rng``."""
        modules = list(self.modules)
        spec = self.generate
        if spec is None:
            return modules
        width, height = spec.area_m
        members = spec.members()
        gateways = [name for name, role in members if role == "gateway"]
        for name, role in members:
            x, y = rng.uniform(0, width), rng.uniform(0, height)
            if role != "node":
                modules.append(SimModule(id=name, role=role, x=x, y=y))
                continue
            modules.append(
                SimModule(
                    id=name,
                    role=role,
                    x=x,
                    y=y,
                    sends=spec.sends,
                    interval_s=spec.interval_s,
                    start_s=rng.uniform(0, spec.interval_s),
                    to=rng.choice(gateways) if gateways else "broadcast",
                )
            )
        return modules

    def module_ids(self) -> list[str]:
        """Every module id, explicit ones first, then the generated ones."""
        generated = [name for name, _ in self.generate.members()] if self.generate else []
        return [module.id for module in self.modules] + generated

    def addresses(self) -> dict[str, bytes]:
        """Every module's 64-bit address: the one given, or one numbered by its place."""
        given = {m.id: _parse_address(m.address) for m in self.modules if m.address is not None}
        return {
            name: given.get(name) or _address(index) for index, name in enumerate(self.module_ids())
        }

    @model_validator(mode="after")
    def _consistent(self) -> Topology:
        names = [m.id for m in self.modules]
        if len(names) != len(set(names)):
            raise ValueError("module ids must be unique")
        known = self.module_ids()
        clash = sorted(set(names) & set(known[len(names) :]))
        if clash:
            raise ValueError(f"module id {clash[0]} is also the name of a generated module")
        for module in self.modules:
            if module.to == module.id:
                raise ValueError(f"module {module.id} sends to itself")
            if module.to is not None and module.to != "broadcast" and module.to not in known:
                raise ValueError(f"module {module.id} sends to unknown module {module.to!r}")
        for a, b in self.links or []:
            if a not in known or b not in known:
                raise ValueError(f"link {a}-{b} names an unknown module")
            if a == b:
                raise ValueError(f"link {a}-{b} joins a module to itself")
        owners: dict[bytes, str] = {}
        for name, address in self.addresses().items():
            if address == BROADCAST:
                raise ValueError(f"module {name} has the broadcast address")
            if address in owners:
                raise ValueError(
                    f"modules {owners[address]} and {name} share address {address.hex().upper()}"
                )
            owners[address] = name
        return self


def _address(index: int) -> bytes:
    return bytes.fromhex("0013A200") + (0x41000000 + index).to_bytes(4, "big")


def _parse_address(text: str) -> bytes:
    return parse_hex_bytes(text, ADDRESS_SIZE)
