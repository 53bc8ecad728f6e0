"""The Smart Cities PRO's noise level sensor on UART1's AUX1 setting (``twin/data/noise.yaml``):
it answers ``ATSLOW`` and ``ATFAST`` (sent with no line end, as ``WaspUART::sendCommand``
sends them) with ``OK`` and the A-weighted sound level after the measurement's time;
:attr:`NoiseSensor.measured` holds what the program reads from it (``NOISE``, dBA)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from openpcs.twin.devices.mcu_float import single
from openpcs.twin.radios.module import Reply, cycles_after
from openpcs.twin.waspmote import twin_data

__all__ = ["NoiseSensor"]

#: how much of what came the sensor keeps while it waits for a whole command
_KEPT: Final = 32


class NoiseSensor:
    """The sensor, hearing ``values["NOISE"]`` dBA."""

    def __init__(self, values: Mapping[str, float]) -> None:
        facts = twin_data("noise.yaml")
        self.name = "noise sensor"
        self.problems: list[str] = []
        #: what the last measurement gave the program, by frame field
        self.measured: dict[str, float] = {}
        self._commands: dict[str, str] = facts["commands"]
        self._measure_ms: dict[str, float] = facts["measure_ms"]
        self._text = f"{float(values['NOISE']):.{int(facts['decimals'])}f}"
        self._heard = ""
        self._powered = False

    def power(self, on: bool, cycle: int) -> None:
        """Off: what it was hearing is lost."""
        self._powered = on
        self._heard = ""

    def received(self, data: bytes, cycle: int) -> list[Reply]:
        """A command at the end of what came is answered once measured; other bytes wait."""
        if not self._powered:
            return []
        self._heard = (self._heard + data.decode("ascii", "replace"))[-_KEPT:]
        for command, mode in self._commands.items():
            if self._heard.endswith(command):
                self._heard = ""
                self.measured = {"NOISE": single(float(self._text))}
                answer = f"OK\r\n{self._text}\r\n".encode("ascii")
                return [Reply(cycles_after(cycle, self._measure_ms[mode]), answer)]
        return []
