"""The Gases PRO probes of the Smart Environment PRO and Smart Cities PRO boards
(``twin/data/gas_pro.yaml``): in each socket an EEPROM with the sensor's data, an LMP91000
front end and an MCP3421 ADC, all on the same I2C addresses; the program talks to the probe
whose socket's enable line is high.

Facts from the API's sources (WaspSensorGas_Pro.cpp, LMP91000.cpp, MCP3421.cpp): ``ON()``
reads the EEPROM (version, sensor type, sensitivity and baseline as little-endian floats, from
version 3 an XOR checksum at 0x06) and sets the front end up (its status bit 0 must be set);
``getConc()`` averages four 16-bit one-shot conversions (a config byte written, three bytes
read: the code big-endian, read as ``code / 16`` mV), reads back the front end's reference
and gain as it set them for the sensor type, and computes ``((V - Vref) / Rgain - baseline
/ 1000) * S(T) * 1000 / sensitivity - B(T)`` ppm, with the temperature the BME280 gave (no
compensation when it gave none: the API's -1000, ``None`` here); for the sensors whose
current flows the other way (Cl2, NO2, O2: ``reducing`` in the data) the current's sign is
turned before it becomes ppm.

The ADC's codes are chosen so that this computation, in the MCU's single precision, comes as
near the wanted value as four codes can; :attr:`GasProbe.measured` holds what it gives.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from typing import Any, Final

from openpcs.twin.bus import I2cDevice
from openpcs.twin.devices.mcu_float import single
from openpcs.twin.lines import PortLevels
from openpcs.twin.waspmote import twin_data

__all__ = ["GasProBoard", "GasProbe", "gas_probe_names"]

_STATUS, _LOCK, _TIACN, _REFCN, _MODECN = 0x00, 0x01, 0x10, 0x11, 0x12
#: what the API's LMP91000 library reads back: gain by TIACN bits 4:2 (kΩ), reference
_GAINS_KOHM: Final = (1000.0, 2.75, 3.5, 7.0, 14.0, 35.0, 120.0, 350.0)
_ZERO_FRACTIONS: Final = (0.2, 0.5, 0.67, 1.0)


def _facts() -> dict[str, Any]:
    return twin_data("gas_pro.yaml")


def gas_probe_names() -> frozenset[str]:
    """The configuration's probe names the twin has a Gases PRO model of."""
    return frozenset(_facts()["probes"])


class GasProbe:
    """A probe ``kind`` (a name of ``gas_pro.yaml``'s probes) measuring its field's value in
    ``values`` (ppm), the air's temperature told by ``temperature`` (``None``: the program
    gets none)."""

    def __init__(
        self,
        kind: str,
        values: Mapping[str, float],
        temperature: Callable[[], float | None],
    ) -> None:
        facts = _facts()
        spec = facts["probes"][kind]
        self.field = str(spec["field"])
        self.value = float(values[self.field])
        #: what the program's reading computes to, by field (once it converted)
        self.measured: dict[str, float] = {}
        self._spec = spec
        self._temperature = temperature
        self._samples = int(facts["samples"])
        self._largest = int(facts["largest_code"])
        self.eeprom = _eeprom_image(int(facts["eeprom_version"]), spec)
        self.front_end = bytearray(0x20)
        self.front_end[_STATUS] = int(facts["front_end_status"])
        self._codes: list[int] = []

    def convert(self) -> int:
        """The next conversion's code: a new reading's four codes planned at its first."""
        if not self._codes:
            self._codes = self._plan()
        return self._codes.pop(0)

    def _compensation(self) -> tuple[float, float]:
        """S(T) and B(T) as the API computes them from the temperature it read."""
        temperature = self._temperature()
        if temperature is None:
            return 1.0, 0.0
        t = single(temperature)
        # the API reads each table entry as a float (pgm_read_float) before it computes
        sens = [single(float(v)) for v in self._spec["sensitivity_by_temperature"]]
        base = [single(float(v)) for v in self._spec["baseline_by_temperature"]]
        # the API's segments: sensitivity from -20 (<0), 0 (but measured from 20), 20, 40
        if t < 0:
            s = single(sens[0] + single(single(single(sens[1] - sens[0]) / 40) * single(t + 20)))
        elif t < 20:
            s = single(sens[1] + single(single(single(sens[2] - sens[1]) / 20) * single(t - 20)))
        elif t < 40:
            s = single(sens[2] + single(single(single(sens[3] - sens[2]) / 20) * single(t - 20)))
        else:
            s = single(sens[3] + single(single(single(sens[4] - sens[3]) / 10) * single(t - 40)))
        if t < 20:
            b = single(base[0] + single(single(single(base[1] - base[0]) / 40) * single(t + 20)))
        elif t < 40:
            b = single(base[1] + single(single(single(base[2] - base[1]) / 20) * single(t - 20)))
        else:
            b = single(base[2] + single(single(single(base[3] - base[2]) / 10) * single(t - 40)))
        return single(1 / s), b

    def _reference(self) -> tuple[float, float]:
        """The reference (mV) and gain (kΩ) the API reads back from the front end."""
        refcn, tiacn = self.front_end[_REFCN], self.front_end[_TIACN]
        source = 2048.0 if refcn & 0x80 else 3300.0
        return single(source * _ZERO_FRACTIONS[(refcn >> 5) & 3]), _GAINS_KOHM[(tiacn >> 2) & 7]

    def compute(self, codes: list[int]) -> float:
        """What the API makes of ``codes``, in single precision."""
        total = 0.0
        for code in codes:
            total = single(total + single(code / 16))
        volts = single(total / len(codes))
        zero, gain = self._reference()
        sensitivity, baseline = self._spec["sensitivity"], self._spec["baseline"]
        scale, offset = self._compensation()
        conc = single(single(volts - zero) / gain)
        conc = single(conc - single(single(baseline) / 1000))
        conc = single(conc * scale)
        if self._spec.get("reducing"):
            conc = -conc
        conc = single(single(conc * 1000) / single(sensitivity))
        conc = single(conc - offset)
        return max(conc, 0.0)

    def _plan(self) -> list[int]:
        """Four codes whose reading comes nearest the value (quarter codes apart)."""
        zero, gain = self._reference()
        scale, offset = self._compensation()
        spec = self._spec
        current = (self.value + offset) * spec["sensitivity"] / (1000 * scale)
        if spec.get("reducing"):
            current = -current
        volts = zero + gain * (current + spec["baseline"] / 1000)
        quarters = round(volts * 16 * self._samples)
        best: list[int] = []
        for candidate in (quarters - 1, quarters, quarters + 1):
            base, extra = divmod(candidate, self._samples)
            codes = [min(max(base + (i < extra), 0), self._largest) for i in range(4)]
            if not best or abs(self.compute(codes) - self.value) < abs(
                self.compute(best) - self.value
            ):
                best = codes
        self.measured = {self.field: self.compute(best)}
        return best


def _eeprom_image(version: int, spec: Mapping[str, Any]) -> bytearray:
    """The EEPROM as the API reads it: version, sensor type, sensitivity, the checksum
    (version ^ type ^ the sensitivity's bytes), baseline; the rest erased."""
    image = bytearray(b"\xff" * 256)
    sensitivity = struct.pack("<f", float(spec["sensitivity"]))
    image[0] = version
    image[1] = int(spec["sensor_type"])
    image[2:6] = sensitivity
    image[6] = (
        version ^ image[1] ^ sensitivity[0] ^ sensitivity[1] ^ sensitivity[2] ^ sensitivity[3]
    )
    image[8:12] = struct.pack("<f", float(spec["baseline"]))
    return image


class _SelectedChip:
    """One of the probes' chips (``role``: eeprom, front_end, adc) on the bus: the one of the
    socket whose enable line is high."""

    def __init__(self, board: GasProBoard, role: str, address: int) -> None:
        self._board = board
        self._role = role
        self._address = address
        self._pointer = 0
        self._writes = 0
        self._code = 0
        self._config = 0

    def start(self, read: bool, cycle: int) -> None:
        """A write begins with the register address (the ADC's with its configuration)."""
        self._writes = 0 if not read else self._writes

    def write(self, byte: int, cycle: int) -> None:
        """The front end's and the EEPROM's first byte is the register address, the next are
        written from there on; the ADC's byte is its configuration (bit 7: convert)."""
        probe = self._board.selected(self._address)
        if probe is None:
            return
        if self._role == "adc":
            self._config = byte
            if byte & 0x80:
                self._code = probe.convert()
        elif self._writes == 0:
            self._pointer = byte
        elif self._role == "front_end":
            probe.front_end[self._pointer & 0x1F] = byte
            self._pointer += 1
        self._writes += 1

    def read(self, cycle: int) -> int:
        """The register at the pointer (the pointer moves on); the ADC's code, high byte
        first, then its configuration with the conversion done."""
        probe = self._board.selected(self._address)
        if probe is None:
            return 0
        if self._role == "adc":
            data = (self._code >> 8, self._code & 0xFF, self._config & 0x7F)
            value = data[min(self._pointer, 2)]
            self._pointer += 1
            return value
        memory = probe.eeprom if self._role == "eeprom" else probe.front_end
        value = memory[self._pointer % len(memory)]
        self._pointer += 1
        return value

    def stop(self, cycle: int) -> None:
        """The next write starts with an address again; the ADC's next read from its top."""
        self._writes = 0
        if self._role == "adc":
            self._pointer = 0


class GasProBoard:
    """The Gases PRO probes of a node by socket letter, the enable lines read from
    ``levels``; the probes in ``unmodelled`` sockets answer as chips the twin only pretends
    to have (ACK, zeros), counted by address in :attr:`unmodelled`."""

    def __init__(
        self,
        probes: Mapping[str, GasProbe],
        levels: PortLevels,
        unmodelled: frozenset[str] = frozenset(),
    ) -> None:
        facts = _facts()
        self.probes = dict(probes)
        self.problems: list[str] = []
        #: the chips of probes without a model the program addressed, and how many times
        self.unmodelled: dict[int, int] = {}
        self._levels = levels
        self._unmodelled_sockets = unmodelled
        self._lines = {
            socket: (str(port), int(pin))
            for socket, (port, pin) in facts["enable_lines"].items()
            if socket in self.probes or socket in unmodelled
        }
        addresses = facts["addresses"]
        self.chips: dict[int, I2cDevice] = {
            int(addresses[role]): _SelectedChip(self, role, int(addresses[role]))
            for role in ("eeprom", "front_end", "adc")
        }

    def selected(self, address: int) -> GasProbe | None:
        """The probe whose socket's enable line is high (none: the chip at ``address``
        answers zeros)."""
        enabled = [s for s, (port, pin) in self._lines.items() if self._levels.high(port, pin)]
        if len(enabled) == 1 and enabled[0] in self._unmodelled_sockets:
            self.unmodelled[address] = self.unmodelled.get(address, 0) + 1
            return None
        if len(enabled) != 1:
            said = "no Gases PRO socket" if not enabled else f"sockets {', '.join(enabled)}"
            problem = f"the program addressed a probe's chip with {said} enabled"
            if problem not in self.problems:
                self.problems.append(problem)
            return None
        return self.probes[enabled[0]]
