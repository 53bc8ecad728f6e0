"""The options of a node besides its probes: industrial protocol, GPS and timing.

Modbus over RS-232/RS-485 or CAN bus (guide §2.6; ``IndustrialConfig`` is the union the node
configuration's ``industrial`` key takes, told apart by ``protocol``), the GPS fix (§2.7), the
deep sleep between cycles (§2.8), the RTC watchdog (§2.9) and the low-battery warnings (§2.10).
The models check structure and types only; limits and how the options fit together (a watchdog
longer than the sleep, thresholds in order) are rules in :mod:`openpcs.config.rules`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from openpcs.config.model_base import StrictModel

__all__ = [
    "BatteryWarning",
    "CanBusConfig",
    "GpsConfig",
    "IndustrialConfig",
    "ModbusConfig",
    "ModbusRead",
    "SleepConfig",
    "WatchdogConfig",
]


class ModbusRead(StrictModel):
    """One "read input registers" operation."""

    slave: int
    start_register: int
    count: int = 1


class ModbusConfig(StrictModel):
    """Modbus master over RS-232 or RS-485."""

    protocol: Literal["modbus_rs232", "modbus_rs485"]
    baud_rate: int = 9600
    reads: list[ModbusRead]


class CanBusConfig(StrictModel):
    """CAN bus (OBD-II) readings."""

    protocol: Literal["canbus"]
    speed_kbps: int = 500
    operations: list[str]


IndustrialConfig = Annotated[ModbusConfig | CanBusConfig, Field(discriminator="protocol")]


class GpsConfig(StrictModel):
    """GPS fix with a timeout and the fields to add to the frame."""

    enabled: bool = True
    timeout_s: int = 60
    fields: list[str] = ["location"]  # noqa: RUF012  (pydantic copies it)


class SleepConfig(StrictModel):
    """Deep-sleep time between cycles, as the four fields of the form (unset parts are 0)."""

    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0

    def total_seconds(self) -> int:
        """The whole sleep in seconds."""
        return ((self.days * 24 + self.hours) * 60 + self.minutes) * 60 + self.seconds


class WatchdogConfig(StrictModel):
    """RTC watchdog: reset the node if a cycle hangs for this many minutes."""

    enabled: bool = True
    minutes: int


class BatteryWarning(StrictModel):
    """Low-battery warnings LOW1/LOW2/LOW3 at three thresholds (%), T1 > T2 > T3."""

    enabled: bool = True
    thresholds: list[int]
