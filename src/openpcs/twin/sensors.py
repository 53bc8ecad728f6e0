"""What the twin's node measures: the values (defaults in ``twin/data/sensor_values.yaml``,
overridden by a values file), and the chips and analog inputs that make the program read
them.

A values file is YAML: a mapping of frame field tags to numbers (``TC: 21.5``). A tag the twin
does not measure, a value that is not a number or lies outside its range is a
:class:`ValuesError` naming the file and the tag.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from openpcs.catalog.hardware import node_models
from openpcs.catalog.hardware import probes as catalog_probes
from openpcs.config.model import NodeConfig
from openpcs.twin.bus import I2cDevice
from openpcs.twin.devices.ambient_ldr import LDR_CHANNEL, ldr_reading
from openpcs.twin.devices.battery import BATTERY_CHANNEL, battery_millivolts
from openpcs.twin.devices.bme280 import BME280, BME280_ADDRESS
from openpcs.twin.devices.gas_pro import GasProbe, GasProBoard, gas_probe_names
from openpcs.twin.devices.noise import NoiseSensor
from openpcs.twin.devices.particle_matter import ParticleMatterSensor
from openpcs.twin.devices.tsl2561 import TSL2561, TSL2561_ADDRESS
from openpcs.twin.devices.turbidity import TurbiditySensor
from openpcs.twin.lines import PortLevels
from openpcs.twin.radios.module import SerialDevice
from openpcs.twin.waspmote import twin_data

__all__ = ["NodeSensors", "ValuesError", "load_values", "sensors_for"]

#: the probes whose readings come from a BME280 at 0x77 (frame-type-6 boards)
_BME280_PROBES: Final = frozenset({"bme280", "ambient_bme280"})
#: the probes whose readings come from a TSL2561 at 0x39
_LUXES_PROBES: Final = frozenset({"luxes", "ambient_luxes"})
#: the catalog's family of the Gases PRO probes (one board of chips per socket)
_GAS_PRO_FAMILY: Final = "gas_pro"


class ValuesError(ValueError):
    """A values file the twin cannot take; the message names the file and the tag."""


def _ranges() -> dict[str, dict[str, Any]]:
    return twin_data("sensor_values.yaml")


def load_values(path: Path | None) -> dict[str, float]:
    """The values the sensors measure: the defaults, with the file's (if any) over them."""
    ranges = _ranges()
    values = {tag: float(spec["default"]) for tag, spec in ranges.items()}
    if path is None:
        return values
    try:
        given = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValuesError(f"{path}: cannot be read ({exc})") from None
    except yaml.YAMLError as exc:
        raise ValuesError(f"{path}: is not YAML ({exc})") from None
    if given is None:
        return values
    if not isinstance(given, Mapping):
        raise ValuesError(f"{path}: a mapping of field tags to numbers is expected")
    for tag, value in given.items():
        spec = ranges.get(str(tag))
        if spec is None:
            raise ValuesError(
                f"{path}: {tag!r}: the twin measures {', '.join(ranges)}, not this field"
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (isinstance(value, float) and math.isnan(value))
        ):
            raise ValuesError(f"{path}: {tag}: {value!r} is not a number")
        if not spec["low"] <= value <= spec["high"]:
            raise ValuesError(f"{path}: {tag}: {value} is outside {spec['low']}..{spec['high']}")
        if spec.get("whole") and value != int(value):
            raise ValuesError(f"{path}: {tag}: {value} is not a whole number")
        values[str(tag)] = float(value)
    return values


@dataclass
class NodeSensors:
    """The chips (by I2C address), analog inputs (mV by channel) and devices on the UARTs (by
    place) of one node."""

    chips: dict[int, I2cDevice] = field(default_factory=dict)
    analog: dict[int, int] = field(default_factory=dict)
    uart_devices: dict[str, SerialDevice] = field(default_factory=dict)
    bme280: BME280 | None = None
    luxes: TSL2561 | None = None
    particle_matter: ParticleMatterSensor | None = None
    noise: NoiseSensor | None = None
    turbidity: TurbiditySensor | None = None
    gases: GasProBoard | None = None
    battery: float = 0.0
    #: what the API reads from the Ambient Control's LDR (V), when the node has one
    ldr_volts: float | None = None
    #: the MCU's output lines, which the gas probes' enable lines are
    levels: PortLevels = field(default_factory=PortLevels)

    def measured(self) -> dict[str, float]:
        """The values the program should have read, by field tag: the battery level, and
        what the BME280's and the particle matter sensor's last measurements gave (once
        they measured)."""
        said = {"BAT": self.battery}
        if self.ldr_volts is not None:
            said["LUM"] = self.ldr_volts
        if self.bme280 is not None:
            said |= self.bme280.measured
        if self.luxes is not None:
            said |= self.luxes.measured
        if self.particle_matter is not None:
            said |= self.particle_matter.measured
        if self.noise is not None:
            said |= self.noise.measured
        if self.turbidity is not None:
            said |= self.turbidity.measured
        for probe in self.gases.probes.values() if self.gases is not None else ():
            said |= probe.measured
        return said

    def unmodelled(self) -> dict[int, int]:
        """The chips of probes without a model the program addressed (address: times)."""
        return dict(self.gases.unmodelled) if self.gases is not None else {}

    def problems(self) -> list[str]:
        """What the program did that a sensor would refuse or not understand."""
        said = [f"TSL2561: {p}" for p in self.luxes.problems] if self.luxes is not None else []
        if self.particle_matter is not None:
            said += [f"{self.particle_matter.name}: {p}" for p in self.particle_matter.problems]
        if self.gases is not None:
            said += [f"Gases PRO: {p}" for p in self.gases.problems]
        if self.turbidity is not None:
            said += [f"{self.turbidity.name}: {p}" for p in self.turbidity.problems]
        return said


def sensors_for(config: NodeConfig, values: Mapping[str, float]) -> NodeSensors:
    """The sensors of ``config``'s node (its sockets' probes and its model's built-in ones)
    measuring ``values``."""
    sensors = NodeSensors(battery=values["BAT"])
    sensors.analog[BATTERY_CHANNEL] = battery_millivolts(int(values["BAT"]))
    probes = {socket.probe for socket in config.sockets.values()}
    probes |= set(node_models()[config.model].builtin)
    if probes & _BME280_PROBES:
        sensors.bme280 = BME280(values)
        sensors.chips[BME280_ADDRESS] = sensors.bme280
    if probes & _LUXES_PROBES:
        sensors.luxes = TSL2561(values)
        sensors.chips[TSL2561_ADDRESS] = sensors.luxes
    if "ambient_ldr" in probes:
        sensors.analog[LDR_CHANNEL], sensors.ldr_volts = ldr_reading(values["LUM"])
    gas_probes = {
        str(letter): socket.probe
        for letter, socket in config.sockets.items()
        if catalog_probes()[socket.probe].family == _GAS_PRO_FAMILY
    }
    if gas_probes:
        bme = sensors.bme280
        air = (lambda: bme.measured.get("TC")) if bme is not None else (lambda: None)
        modelled = gas_probe_names()
        board = {
            letter: GasProbe(kind, values, air)
            for letter, kind in gas_probes.items()
            if kind in modelled
        }
        others = frozenset(letter for letter in gas_probes if letter not in board)
        sensors.gases = GasProBoard(board, sensors.levels, others)
        sensors.chips |= sensors.gases.chips
    if "particle_matter" in probes:
        sensors.particle_matter = ParticleMatterSensor(values)
        sensors.uart_devices["particle_matter"] = sensors.particle_matter
    if "noise" in probes:
        sensors.noise = NoiseSensor(values)
        sensors.uart_devices["noise"] = sensors.noise
    if "turbidity" in probes:
        sensors.turbidity = TurbiditySensor(values)
        sensors.uart_devices["turbidity"] = sensors.turbidity
    return sensors
