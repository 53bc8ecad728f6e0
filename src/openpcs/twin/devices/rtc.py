"""The real-time clock the Waspmote API drives at I2C address 0x68 (DS3231/DS1337 register
map): the time and date in BCD, two alarms, control and status, temperature.

The clock runs on the MCU's time: what it reads is the time it was set to plus the MCU
seconds since, so a program that sleeps or waits sees its clock move as a node's would. A
write to the time registers sets the clock when the transaction ends (as the chip does), and
reading latches the time at the read's start, so the seconds never change under a read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from openpcs.twin.harness import CLOCK_HZ

__all__ = ["RTC_ADDRESS", "RealTimeClock"]

RTC_ADDRESS: Final = 0x68
_REGISTERS: Final = 0x13
_TIME: Final = range(0, 7)
_STATUS: Final = 0x0F
_TEMPERATURE: Final = 0x11


def _bcd(value: int) -> int:
    return (value // 10) << 4 | value % 10


def _from_bcd(value: int) -> int:
    return (value >> 4) * 10 + (value & 0x0F)


class RealTimeClock:
    """A DS3231-compatible chip (see the module docstring); ``now`` the time at cycle 0."""

    def __init__(self, now: datetime | None = None, temperature_c: int = 22) -> None:
        self._base = (now or datetime(2026, 1, 1, tzinfo=UTC)).replace(microsecond=0)
        self._base_cycle = 0
        self.registers = bytearray(_REGISTERS)
        self.registers[_TEMPERATURE] = temperature_c & 0xFF
        self._pointer = 0
        self._expect_pointer = False
        self._time_written = False
        #: what the program did that the chip would not take
        self.problems: list[str] = []

    def time_at(self, cycle: int) -> datetime:
        """The clock's time at an MCU cycle."""
        return self._base + timedelta(seconds=(cycle - self._base_cycle) // CLOCK_HZ)

    def _latch(self, cycle: int) -> None:
        moment = self.time_at(cycle)
        self.registers[0] = _bcd(moment.second)
        self.registers[1] = _bcd(moment.minute)
        self.registers[2] = _bcd(moment.hour)  # 24-hour mode
        self.registers[3] = moment.isoweekday() % 7 + 1
        self.registers[4] = _bcd(moment.day)
        self.registers[5] = _bcd(moment.month)
        self.registers[6] = _bcd(moment.year % 100)

    def start(self, read: bool, cycle: int) -> None:
        """Addressed: a read latches the time; a write's first byte moves the pointer."""
        if read:
            self._latch(cycle)
        self._expect_pointer = not read

    def write(self, byte: int, cycle: int) -> None:
        """The pointer first, then registers from it on (the pointer wraps at the end)."""
        if self._expect_pointer:
            self._pointer = byte % _REGISTERS
            self._expect_pointer = False
            return
        if self._pointer in _TIME:
            if not self._time_written:
                self._latch(cycle)  # the registers not written keep the running time
            self._time_written = True
        if self._pointer == _STATUS:
            byte &= self.registers[_STATUS] | 0xFC  # alarm flags are only cleared by writes
        self.registers[self._pointer] = byte & 0xFF
        self._pointer = (self._pointer + 1) % _REGISTERS

    def read(self, cycle: int) -> int:
        """The register at the pointer; the pointer moves on."""
        value = self.registers[self._pointer]
        self._pointer = (self._pointer + 1) % _REGISTERS
        return value

    def stop(self, cycle: int) -> None:
        """A write to the time registers sets the clock now."""
        if self._time_written:
            r = self.registers
            self._time_written = False
            try:
                base = datetime(
                    2000 + _from_bcd(r[6]),
                    _from_bcd(r[5] & 0x1F),
                    _from_bcd(r[4] & 0x3F),
                    _from_bcd(r[2] & 0x3F),
                    _from_bcd(r[1] & 0x7F),
                    _from_bcd(r[0] & 0x7F),
                    tzinfo=UTC,
                )
            except ValueError:  # no such date: the chip would count from nonsense
                self.problems.append(f"the program set the clock to no valid date: {r[:7].hex()}")
                return
            self._base, self._base_cycle = base, cycle
