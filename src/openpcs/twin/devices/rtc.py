"""The real-time clock the Waspmote API drives at I2C address 0x68 (DS3231/DS1337 register
map): the time and date in BCD (24- or 12-hour, as the program set it), the alarm, control
and status registers as the chip keeps them, temperature. An alarm whose time comes raises
its flag (A1F, A2F); with its interrupt enabled (A1IE, A2IE, INTCN) the chip's interrupt line
is asserted until the program clears the flag. On a Waspmote v15 that line wakes the MCU
(alarm 1: the node's sleep) or resets it (alarm 2: the RTC watchdog):
:meth:`RealTimeClock.next_interrupt` says when and which, :meth:`line_asserted` whether.

The clock runs on the MCU's time: what it reads is the time it was set to plus the MCU
seconds since, so a program that sleeps or waits sees its clock move as a node's would. A
write to the time registers sets the clock when the transaction ends (as the chip does), and
reading latches the time at the read's start, so the seconds never change under a read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from openpcs.twin.devices.rtc_alarms import Alarm, from_bcd, hour_of, next_match
from openpcs.twin.harness import CLOCK_HZ

__all__ = ["RTC_ADDRESS", "RealTimeClock"]

RTC_ADDRESS: Final = 0x68
_REGISTERS: Final = 0x13
_TIME: Final = range(0, 7)
_STATUS: Final = 0x0F
_TEMPERATURE: Final = 0x11
_TWELVE_HOUR: Final = 0x40
_PM: Final = 0x20
_CLEAR_ONLY: Final = 0x83  # OSF, A2F, A1F
_BUSY: Final = 0x04
_EN32KHZ: Final = 0x08
_CONTROL: Final = 0x0E
_INTCN: Final = 0x04
_ALARM_REGISTERS: Final = range(0x07, 0x0E)
#: per alarm: its registers, whether it has seconds, its flag and interrupt-enable bit
_ALARMS: Final = ((slice(0x07, 0x0B), True, 0x01), (slice(0x0B, 0x0E), False, 0x02))


def _bcd(value: int) -> int:
    return (value // 10) << 4 | value % 10


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
        self._alarm_written = False
        #: per alarm, the time up to which its matches have raised its flag
        self._checked = [self._base, self._base]
        #: what the program did that the chip would not take
        self.problems: list[str] = []

    def time_at(self, cycle: int) -> datetime:
        """The clock's time at an MCU cycle."""
        return self._base + timedelta(seconds=(cycle - self._base_cycle) // CLOCK_HZ)

    def _latch(self, cycle: int) -> None:
        moment = self.time_at(cycle)
        self.registers[0] = _bcd(moment.second)
        self.registers[1] = _bcd(moment.minute)
        if self.registers[2] & _TWELVE_HOUR:  # the mode the program chose, and AM/PM
            twelve = moment.hour % 12 or 12
            self.registers[2] = _TWELVE_HOUR | (_PM if moment.hour >= 12 else 0) | _bcd(twelve)
        else:
            self.registers[2] = _bcd(moment.hour)
        self.registers[3] = moment.isoweekday() % 7 + 1
        self.registers[4] = _bcd(moment.day)
        self.registers[5] = _bcd(moment.month)
        self.registers[6] = _bcd(moment.year % 100)

    def _alarm(self, index: int) -> Alarm:
        where, has_seconds, _ = _ALARMS[index]
        return Alarm.from_registers(bytes(self.registers[where]), has_seconds=has_seconds)

    def _raise_flags(self, cycle: int) -> None:
        """Raise the flag of each alarm whose time came since it was last looked at."""
        now = self.time_at(cycle)
        for index in range(len(_ALARMS)):
            match = next_match(self._alarm(index), self._checked[index])
            if match is not None and match <= now:
                self.registers[_STATUS] |= _ALARMS[index][2]
            self._checked[index] = max(now, self._checked[index])

    def asserted_alarms(self, cycle: int) -> int:
        """The enabled alarms whose flags hold the interrupt line at ``cycle``: bit 0 alarm
        1, bit 1 alarm 2 (0: the line is released)."""
        self._raise_flags(cycle)
        control, status = self.registers[_CONTROL], self.registers[_STATUS]
        return control & status & 0x03 if control & _INTCN else 0

    def line_asserted(self, cycle: int) -> bool:
        """Whether the interrupt line is asserted at ``cycle``: an enabled alarm's flag up."""
        return self.asserted_alarms(cycle) != 0

    def watchdog_asserted(self, cycle: int) -> bool:
        """Whether alarm 2 (the API's RTC watchdog) holds the line at ``cycle``."""
        return bool(self.asserted_alarms(cycle) & 0x02)

    def next_interrupt(self, cycle: int) -> tuple[int, int] | None:
        """The cycle at which the interrupt line will next be asserted, and by which alarm
        (1 or 2); None when no enabled alarm will match."""
        self._raise_flags(cycle)
        control = self.registers[_CONTROL]
        if not control & _INTCN:
            return None
        found: tuple[int, int] | None = None
        for index, (_, _, bit) in enumerate(_ALARMS):
            if not control & bit:
                continue
            match = next_match(self._alarm(index), self._checked[index])
            if match is None:
                continue
            at = self._base_cycle + int((match - self._base).total_seconds()) * CLOCK_HZ
            if found is None or at < found[0]:
                found = (max(at, cycle), index + 1)
        return found

    def start(self, read: bool, cycle: int) -> None:
        """Addressed: a read latches the time; a write's first byte moves the pointer."""
        self._raise_flags(cycle)
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
        if self._pointer in _ALARM_REGISTERS:
            self._alarm_written = True
        if self._pointer == _STATUS:  # OSF and the alarm flags are only cleared, BSY is kept
            old = self.registers[_STATUS]
            byte = (old & _BUSY) | (byte & _EN32KHZ) | (old & byte & _CLEAR_ONLY)
        self.registers[self._pointer] = byte & 0xFF
        self._pointer = (self._pointer + 1) % _REGISTERS

    def read(self, cycle: int) -> int:
        """The register at the pointer; the pointer moves on."""
        value = self.registers[self._pointer]
        self._pointer = (self._pointer + 1) % _REGISTERS
        return value

    def stop(self, cycle: int) -> None:
        """A write to the time registers sets the clock now; a new alarm (or a new time)
        matches from now on."""
        if self._alarm_written or self._time_written:
            self._alarm_written = False
            now = self.time_at(cycle)
            self._checked = [now, now]
        if self._time_written:
            r = self.registers
            self._time_written = False
            try:
                base = datetime(
                    2000 + from_bcd(r[6]),
                    from_bcd(r[5] & 0x1F),
                    from_bcd(r[4] & 0x3F),
                    hour_of(r[2]),
                    from_bcd(r[1] & 0x7F),
                    from_bcd(r[0] & 0x7F),
                    tzinfo=UTC,
                )
            except ValueError:  # no such date: the chip would count from nonsense
                self.problems.append(f"the program set the clock to no valid date: {r[:7].hex()}")
                return
            self._base, self._base_cycle = base, cycle
            self._checked = [base, base]
