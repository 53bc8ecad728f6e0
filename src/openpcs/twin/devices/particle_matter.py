"""The particle matter sensor (an OPC-N3 behind its UART adapter) on UART1's AUX2 setting, as
the Waspmote API drives it by default (``twin/data/particle_matter.yaml``).

Facts from the API's sources (WaspPM.cpp, WaspUART.cpp): ``PM.ON()`` powers the sensor
(DUST_SENSOR_POWER, PE3), waits 5 s, opens UART1 at 9,600 baud on the multiplexer's AUX2
setting and sends ``AT`` up to five times, waiting 3 s each for ``OK``. ``PM.getPM(a, b)``
sends ``AT$200=<a>,<b>,2`` and waits ``a + b + 8`` s for ``$200``, then 2 s for ``OK``; it
reads the values after the one byte that follows ``$200`` with ``strtod``, PM1, PM2.5 and
PM10 first, and tells the adapter's format by its commas (fewer than 26: the OPC-N2's).
``PM.OFF()`` closes the UART and switches the sensor off.

:attr:`ParticleMatterSensor.measured` holds what the last sample gave the program, by frame
field (``PM1``, ``PM2_5``, ``PM10``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from openpcs.twin.devices.mcu_float import single
from openpcs.twin.radios.module import Reply, cycles_after, take_commands
from openpcs.twin.waspmote import twin_data

__all__ = ["PM_FIELDS", "ParticleMatterSensor"]

#: the frame fields a sample gives, in the order of its line
PM_FIELDS: Final = ("PM1", "PM2_5", "PM10")
_SAMPLE: Final = re.compile(r"AT\$200=(\d{1,7}),(\d{1,7}),(\d)")
#: the decimals the sensor's line carries (the frame's for these fields)
_DECIMALS: Final = 4


class ParticleMatterSensor:
    """The sensor measuring ``values`` (µg/m³ by frame field)."""

    def __init__(self, values: Mapping[str, float]) -> None:
        facts = twin_data("particle_matter.yaml")
        self.name = "particle matter sensor"
        self.problems: list[str] = []
        #: what the last sample gave the program, by frame field
        self.measured: dict[str, float] = {}
        self._values = {tag: float(values[tag]) for tag in PM_FIELDS}
        #: the air the sensor's own temperature and humidity fields report
        self._air = (float(values.get("TC", 22.5)), float(values.get("HUM", 45.0)))
        self._facts = facts
        self._timing: dict[str, float] = facts["timing_ms"]
        self._powered = False
        self._ready_at = 0
        self._line = bytearray()

    def power(self, on: bool, cycle: int) -> None:
        """On: the sensor answers once started. Off: a half-received command is lost."""
        if on and not self._powered:
            self._ready_at = cycles_after(cycle, self._timing["start"])
        self._powered = on
        self._line.clear()

    def received(self, data: bytes, cycle: int) -> list[Reply]:
        """Each whole command (up to its CR) is answered; nothing while off or starting."""
        if not self._powered or cycle < self._ready_at:
            return []
        return [self._answer(c, cycle) for c in take_commands(self._line, data)]

    def _say(self, cycle: int, text: str, after_ms: float | None = None) -> Reply:
        wait = self._timing["answer"] if after_ms is None else after_ms
        return Reply(cycles_after(cycle, wait), text.encode("ascii"))

    def _answer(self, command: str, cycle: int) -> Reply:
        if command == "AT":
            return self._say(cycle, "OK\r\n")
        sample = _SAMPLE.fullmatch(command)
        if sample is None:
            self.problems.append(f"the {self.name} has no command {command[:40]!r}")
            return self._say(cycle, "ERROR\r\n")
        line = self._sample_line()
        answer = f"$200\r\n{line}\r\nOK\r\n"
        # the API keeps what follows "$200" up to and including "OK"
        if len(answer) - len("$200") - len("\r\n") > int(self._facts["largest_answer"]):
            self.problems.append(f"a sample line of {len(line)} characters is too long")
        sampling = float(sample.group(1)) + float(sample.group(2))
        return self._say(cycle, answer, sampling)

    def _sample_line(self) -> str:
        """The adapter's second format, the values to the frame's decimals."""
        facts = self._facts
        readings = [round(self._values[tag], _DECIMALS) for tag in PM_FIELDS]
        # the API reads them with strtod into floats (single precision), which the frame carries
        floats = [single(value) for value in readings]
        self.measured = dict(zip(PM_FIELDS, floats, strict=True))
        fields = [f"{value:.{_DECIMALS}f}".rstrip("0").rstrip(".") for value in readings]
        fields += ["0"] * (int(facts["bins"]) + int(facts["times_of_flight"]))
        fields += [
            f"{self._air[0]:.1f}",
            f"{self._air[1]:.1f}",
            str(facts["period_count"]),
            str(facts["model"]),
        ]
        return ",".join(fields)
