"""The Smart Water turbidity sensor (``twin/data/turbidity.yaml``): a Modbus RTU slave on
UART1's AUX1 setting. A new measurement (``0x001F`` written to its measurement register) puts
the turbidity and the temperature, as IEEE floats high word first, in the
registers the API reads; before one they read 0. :attr:`TurbiditySensor.measured` holds what
the program reads (``TURB``, NTU) once a measurement is done."""

from __future__ import annotations

import struct
from collections.abc import Mapping

from openpcs.twin.devices.mcu_float import single
from openpcs.twin.devices.modbus import ModbusSlave
from openpcs.twin.radios.module import Reply
from openpcs.twin.waspmote import twin_data

__all__ = ["TurbiditySensor"]


def _words(value: float) -> tuple[int, int]:
    high, low = struct.unpack(">HH", struct.pack(">f", value))
    return high, low


class TurbiditySensor(ModbusSlave):
    """The sensor, measuring ``values["TURB"]`` NTU."""

    def __init__(self, values: Mapping[str, float]) -> None:
        facts = twin_data("turbidity.yaml")
        block = facts["block"]
        registers = dict.fromkeys(range(block["first"], block["first"] + block["count"]), 0)
        registers[int(facts["new_measurement"]["register"])] = 0
        super().__init__(
            int(facts["address"]), registers, float(facts["answer_ms"]), int(facts["baud"])
        )
        self.name = "turbidity sensor"
        #: what the last measurement gave the program, by frame field
        self.measured: dict[str, float] = {}
        self._facts = facts
        self._ntu = float(values["TURB"])
        self._powered = False

    def power(self, on: bool, cycle: int) -> None:
        """Off: a half-received request is lost, and the last measurement."""
        self._powered = on
        self.clear()
        if not on:
            for register in self.registers:
                self.registers[register] = 0

    def received(self, data: bytes, cycle: int) -> list[Reply]:
        """Requests are answered while the sensor is powered."""
        return super().received(data, cycle) if self._powered else []

    def written(self, first: int, values: list[int], cycle: int) -> None:
        """The measurement command measures."""
        super().written(first, values, cycle)
        command = self._facts["new_measurement"]
        if first == command["register"] and values[:1] == [command["command"]]:
            floats = self._facts["floats"]
            measured = {
                "temperature": float(self._facts["water_celsius"]),
                "turbidity": self._ntu,
            }
            for name, register in floats.items():
                high, low = _words(measured[name])
                self.registers[register], self.registers[register + 1] = high, low
            self.measured = {"TURB": single(self._ntu)}
