"""A configured node run in the twin: built against the user's Waspmote API, run for a number
of cycles among its devices, what it sent delivered to a gateway, and judged.

:func:`build_for_twin` builds the program and keeps what the twin needs from it (the ``.hex``,
the end of its variables for the stack guard, the address of ``loop()`` that marks each
cycle). :func:`run_twin` runs it and gives a :class:`TwinReport`: per cycle, the console's
lines, what each radio sent, the frames decoded and what the gateway stored. A cycle is
good when its frames decode and carry every field the configuration plans.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from contextlib import closing, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from pydantic import SecretStr

from openpcs.catalog.devices import lorawan
from openpcs.catalog.hardware import node_models
from openpcs.catalog.sensors import sensor_table
from openpcs.config.check import CheckResult
from openpcs.config.model import NodeConfig
from openpcs.config.plan import plan_frame
from openpcs.frames.codec import decode_any
from openpcs.frames.errors import FrameError
from openpcs.gateway.node_keys import keys_of
from openpcs.program.generator import generate_checked
from openpcs.program.pipeline import BuilderChoice
from openpcs.twin.console import ConsoleLine
from openpcs.twin.gateway_link import GatewayClient, Stored
from openpcs.twin.harness import (
    CLOCK_HZ,
    HarnessError,
    RunResult,
    Stop,
    StopReason,
    run_program,
)
from openpcs.twin.internet import Internet
from openpcs.twin.node import NodeWorld
from openpcs.twin.radios.le910 import Cellular4GModule
from openpcs.twin.radios.lorawan import LoRaWANModule, modelled_region
from openpcs.twin.radios.lorawan_abz import AbzModule
from openpcs.twin.radios.lorawan_network import LoRaNetwork, Registration
from openpcs.twin.radios.module import Delivery, SocketModule
from openpcs.twin.radios.sigfox import SigfoxModule
from openpcs.twin.radios.wifi_pro import WifiProModule
from openpcs.twin.radios.xbee import KINDS as XBEE_KINDS
from openpcs.twin.radios.xbee import XBeeModule
from openpcs.twin.sensors import NodeSensors, load_values, sensors_for
from openpcs.twin.waspmote import factory_eeprom

__all__ = ["BuiltNode", "CycleReport", "TwinReport", "build_for_twin", "run_twin"]

#: the first RAM address of an ATmega1281
RAM_START: Final = 0x200
#: the names avr-gcc gives the sketch's loop() (C++, or C)
_LOOP_SYMBOLS: Final = ("_Z4loopv", "loop")
#: what the gateway answers for a frame it kept: decoded, or (device-to-cloud) as sent
_STORED: Final = frozenset({"ok", "encrypted"})
#: the radios whose modules reach servers on the Internet themselves
_ON_THE_INTERNET: Final = frozenset({"4g", "wifi"})
#: the longest a run may take in node time: a day per cycle
_NODE_SECONDS_PER_CYCLE: Final = 86_400


class TwinError(Exception):
    """The twin cannot run this node; the message says why."""


@dataclass(frozen=True)
class BuiltNode:
    """A program built for the twin."""

    hex_path: Path
    stack_limit: int
    loop_address: int


def _loop_address(elf: Path, compiler: Path) -> int:
    """Where ``loop()`` starts (0 when the symbols cannot be read): avr-nm beside the
    compiler that built the program, else on the PATH."""
    beside = compiler.with_name(compiler.name.replace("gcc", "nm"))
    nm = str(beside) if beside.is_file() else shutil.which("avr-nm")
    if nm is None:
        return 0
    listing = subprocess.run([nm, str(elf)], capture_output=True, text=True, check=False).stdout
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] in _LOOP_SYMBOLS and parts[1] in "Tt":
            return int(parts[0], 16)
    return 0


def build_for_twin(result: CheckResult, choice: BuilderChoice, work: Path) -> BuiltNode:
    """Build the checked node's program into ``work``; :class:`TwinError` without a builder."""
    if choice.builder is None:
        raise TwinError(f"the twin runs a built program, and none can be built: {choice.reason}")
    program = generate_checked(result)
    build = choice.builder.build(program, work, hex_name="node.hex")
    loop = _loop_address(build.elf_path, choice.builder.toolchain.gcc)
    return BuiltNode(build.hex_path, RAM_START + build.ram_bytes, loop)


@dataclass
class CycleReport:
    """One cycle of the node: what it printed, sent, and what became of it."""

    number: int
    console: list[ConsoleLine] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    frames: list[dict[str, Any]] = field(default_factory=list)
    stored: list[Stored] = field(default_factory=list)
    problem: str | None = None


@dataclass
class TwinReport:
    """A whole run."""

    serial: str
    radio: str
    stop: Stop
    setup: list[ConsoleLine]
    cycles: list[CycleReport]
    problems: list[str]
    unmodelled_chips: dict[int, int]
    #: what a 4G or WiFi module reached on the Internet, in order (a request made over TLS
    #: says that it reached the twin's gateway in plain HTTP)
    reached: list[str] = field(default_factory=list)
    #: the socket the radio sits in
    socket: int = 0

    @property
    def ok(self) -> bool:
        """Every cycle asked for ran and delivered its fields, and nothing went wrong."""
        return not self.failures

    @property
    def failures(self) -> list[str]:
        """What went wrong, each naming its cycle or peripheral."""
        said = [f"cycle {c.number}: {c.problem}" for c in self.cycles if c.problem]
        if self.stop.reason is not StopReason.ASKED:
            said.append(f"the run ended early: {self.stop.text} (PC 0x{self.stop.pc:05X})")
        return said + self.problems


def _revealed(value: Any) -> Any:
    """The configuration's data with its secrets as they are (the keys the gateway needs)."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {key: _revealed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_revealed(item) for item in value]
    return value


def _module(result: CheckResult, internet: Internet | None) -> SocketModule | None:
    config = result.config
    if config is None or config.radio is None:
        return None
    kind = config.radio.type
    serial = config.serial or "00" * 8
    if kind in XBEE_KINDS:
        return XBeeModule(kind, bytes.fromhex("0013A200" + serial[-8:]))
    radio = _revealed(config.radio.model_dump(mode="python"))
    certificate = getattr(config.destination, "certificate", None)
    if kind == "4g" and internet is not None:
        return Cellular4GModule(
            internet, apn=radio["apn"], pin=radio.get("pin"), certificate=certificate
        )
    if kind == "wifi" and internet is not None:
        return WifiProModule(
            internet,
            essid=radio["essid"],
            security=radio["security"],
            password=radio.get("password"),
            certificate=certificate,
        )
    if kind == "lorawan" and modelled_region(radio["region"]):
        names = ("dev_eui", "app_eui", "app_key", "dev_addr", "nwk_skey", "app_skey")
        network = LoRaNetwork(Registration(**{n: radio.get(n) for n in names}))
        if lorawan().regions[radio["region"]].module == "ABZ":
            # its EUI cannot be set: the configuration's DevEUI is the module's own
            return AbzModule(radio["region"], network, radio["dev_eui"], radio["band"])
        return LoRaWANModule(radio["region"], network, "0004A30B00" + serial[-6:])
    if kind == "sigfox":
        return SigfoxModule(serial[-8:])
    return None


def run_twin(
    result: CheckResult,
    built: BuiltNode,
    *,
    cycles: int,
    gateway: GatewayClient | None,
    values: Mapping[str, float] | None = None,
    cache_root: Path | None = None,
) -> TwinReport:
    """Run the built node for ``cycles`` cycles, its sensors measuring ``values`` (field
    tag to value; the defaults when ``None``), deliver to ``gateway`` and judge: a frame
    field the sensors measured must carry their value, to its frame decimals."""
    config = result.config
    if config is None or config.serial is None:
        raise TwinError("the configuration has no serial ID")
    radio = config.radio.type if config.radio is not None else "none"
    on_the_internet = radio in _ON_THE_INTERNET
    if on_the_internet and gateway is None:
        raise TwinError(f"a {radio} node reaches a server: the twin needs a gateway")
    internet = gateway.internet() if gateway is not None and on_the_internet else None
    module = _module(result, internet)
    if module is None:
        if internet is not None:
            internet.close()
        raise TwinError(f"the twin has no model of the {radio} radio yet")
    with closing(internet) if internet is not None else nullcontext():
        report = _run(
            config,
            config.serial,
            built,
            module,
            cycles=cycles,
            gateway=gateway,
            values=values,
            cache_root=cache_root,
        )
    report.reached = list(internet.log) if internet is not None else []
    return report


def _run(
    config: NodeConfig,
    serial: str,
    built: BuiltNode,
    module: SocketModule,
    *,
    cycles: int,
    gateway: GatewayClient | None,
    values: Mapping[str, float] | None,
    cache_root: Path | None,
) -> TwinReport:
    """:func:`run_twin` once the module is there, for the node ``serial`` of ``config``."""
    keys, aliases = keys_of(_revealed(config.model_dump(mode="python")))
    # the sensor table of the node's tiny frames, which do not carry their frame type
    table = node_models()[config.model].frame_type
    if gateway is not None:
        # before the run: a module on the Internet reaches the gateway while the node runs
        gateway.register(serial, keys, aliases + module.aliases, tiny_table=table)
    sensors = sensors_for(config, values if values is not None else load_values(None))
    world = NodeWorld(
        bytes.fromhex(serial),
        module,
        cycles=cycles,
        chips=sensors.chips,
        analog=sensors.analog,
        uart_devices=sensors.uart_devices,
        levels=sensors.levels,
        marked_loop=bool(built.loop_address),
    )
    run: RunResult | None = None
    try:
        run = run_program(
            built.hex_path,
            cycles=(cycles + 1) * _NODE_SECONDS_PER_CYCLE * CLOCK_HZ,
            stack_limit=built.stack_limit,
            world=world,
            mark=built.loop_address,
            eeprom=factory_eeprom(),
            cache_root=cache_root,
        )
    except HarnessError as exc:
        raise TwinError(str(exc)) from None
    finally:
        # the run is over: what the module still held open (a TCP connection) is closed
        module.power(False, run.stop.cycle if run is not None else 0)
    world.console.finish(run.stop.cycle)
    reports = [CycleReport(number) for number in range(1, cycles + 1)]
    setup = []
    for line in world.console.lines:
        number = world.cycle_of(line.cycle)
        if number == 0:
            setup.append(line)
        elif number <= cycles:
            reports[number - 1].console.append(line)
    for delivery in module.deliveries:
        number = world.cycle_of(delivery.cycle)
        if 1 <= number <= cycles:
            reports[number - 1].deliveries.append(delivery)
    plan = plan_frame(config)
    wanted = {f.sensor.tag for f in plan.fields if not f.occasional} if plan else set()
    destination = getattr(config.radio, "mac", None)
    for report in reports:
        _judge(report, list(keys.values()), wanted, gateway, table)
        _compare(report, sensors)
        wrong = [d.to for d in report.deliveries if destination and d.to != destination.upper()]
        if wrong and report.problem is None:
            report.problem = f"the radio sent to {wrong[0]}, not to {destination}"
    return TwinReport(
        serial=serial,
        radio=module.name,
        socket=module.socket,
        stop=run.stop,
        setup=setup,
        cycles=reports,
        problems=[f"{module.name}: {p}" for p in module.problems]
        + [f"RTC: {p}" for p in world.clock.problems]
        + [f"crypto EEPROM: {p}" for p in world.crypto.problems]
        + sensors.problems(),
        unmodelled_chips=dict(world.bus.unmodelled) | sensors.unmodelled(),
    )


def _compare(report: CycleReport, sensors: NodeSensors) -> None:
    """The cycle's frames must carry what the sensors measured, to each field's decimals."""
    measured = sensors.measured()
    for frame in report.frames:
        table = sensor_table(frame.get("sensor_table") or 6)
        for item in frame.get("fields", []):
            tag, read = item.get("tag"), item.get("values", [None])[0]
            spec = table.find_tag(tag) if isinstance(tag, str) else None
            if tag not in measured or spec is None or not isinstance(read, int | float):
                continue
            differs = round(read, spec.decimals) != round(measured[tag], spec.decimals)
            if differs and report.problem is None:
                report.problem = f"{tag} read {read}, where the sensor measured {measured[tag]}"


def _judge(
    report: CycleReport,
    keys: list[str],
    wanted: set[str],
    gateway: GatewayClient | None,
    table: int,
) -> None:
    """The cycle's frames decoded (tiny ones with sensor table ``table``), delivered, and
    checked for the ``wanted`` fields."""
    last = report.console[-1].text if report.console else "(nothing printed)"
    if not report.deliveries:
        report.problem = f"the radio sent nothing; the console's last line: {last}"
        return
    seen: set[str] = set()
    for delivery in report.deliveries:
        try:
            frame = decode_any(delivery.payload, keys or None, tiny_table=table)
        except FrameError as exc:
            report.problem = f"a frame that does not decode ({exc}); last line: {last}"
            return
        report.frames.append(frame.to_dict())
        seen |= {f.tag for f in frame.fields}
        if delivery.stored is not None:
            report.stored.append(delivery.stored)
        elif gateway is not None and delivery.via != "internet":
            report.stored.append(gateway.deliver(delivery))
    missing = sorted(wanted - seen)
    if missing:
        report.problem = f"the frames lack {', '.join(missing)}; last line: {last}"
    refused = [s for s in report.stored if s.status not in _STORED]
    if refused:
        said = refused[0].error or "no reason given"
        report.problem = f"the gateway did not store a frame: {refused[0].status} ({said})"
