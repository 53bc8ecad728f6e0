"""The real-time clock model: set and read over I2C by a program in the twin, running on the
MCU's time; its registers as the chip keeps them; the bus answering absent chips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from openpcs.twin.bus import I2cBus
from openpcs.twin.devices.rtc import RTC_ADDRESS, RealTimeClock
from openpcs.twin.harness import CLOCK_HZ, run_program
from tests.twin.test_harness import _built


def test_a_program_sets_the_clock_and_sees_it_run(tmp_path: Path) -> None:
    program, _ = _built("rtc_clock", tmp_path)
    clock = RealTimeClock()
    bus = I2cBus({RTC_ADDRESS: clock}, unmodelled="absent")
    result = run_program(program, cycles=6 * CLOCK_HZ, bus=bus, cache_root=tmp_path)
    lines = result.sent[0].decode().splitlines()
    # set to 2026-12-06 10:59:58; read at once, then about three MCU seconds later
    assert lines[0] == "T 58 59 10 06 12 26"
    later = datetime.strptime(lines[1][2:], "%S %M %H %d %m %y")
    assert later.strftime("%H:%M") == "11:00"
    assert 1 <= later.second <= 4
    assert lines[2] == "N 50"  # no chip at 0x50: no ACK, as on a bus without one
    assert bus.unmodelled == {0x50: 1}
    assert clock.problems == []


def _set(clock: RealTimeClock, moment: datetime, cycle: int) -> None:
    digits = [moment.second, moment.minute, moment.hour, 1, moment.day, moment.month]
    values = [(d // 10) << 4 | d % 10 for d in digits] + [
        (moment.year % 100 // 10) << 4 | moment.year % 10
    ]
    clock.start(False, cycle)
    clock.write(0, cycle)
    for value in values:
        clock.write(value, cycle)
    clock.stop(cycle)


def _read(clock: RealTimeClock, cycle: int) -> list[int]:
    clock.start(False, cycle)
    clock.write(0, cycle)
    clock.stop(cycle)
    clock.start(True, cycle)
    found = [clock.read(cycle) for _ in range(7)]
    clock.stop(cycle)
    return found


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23, 0)),
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=0, max_value=3600),
)
def test_the_clock_reads_what_was_set_plus_the_seconds_since(
    moment: datetime, set_at: int, seconds: int
) -> None:
    moment = moment.replace(microsecond=0, tzinfo=UTC)
    clock = RealTimeClock()
    _set(clock, moment, set_at)
    assert clock.time_at(set_at + seconds * CLOCK_HZ) == moment + timedelta(seconds=seconds)
    registers = _read(clock, set_at + seconds * CLOCK_HZ)
    expected = moment + timedelta(seconds=seconds)
    assert registers[0] == (expected.second // 10) << 4 | expected.second % 10
    assert registers[6] == (expected.year % 100 // 10) << 4 | expected.year % 10


def test_a_date_that_does_not_exist_is_reported_and_the_clock_runs_on() -> None:
    clock = RealTimeClock(datetime(2026, 3, 1, tzinfo=UTC))
    clock.start(False, 0)
    for value in (5, 0x13):  # register 5, the month: 13
        clock.write(value, 0)
    clock.stop(0)
    assert clock.problems == ["the program set the clock to no valid date: 00000001011326"]
    assert clock.time_at(CLOCK_HZ) == datetime(2026, 3, 1, 0, 0, 1, tzinfo=UTC)


def test_alarm_flags_are_cleared_by_writes_and_never_set_by_them() -> None:
    clock = RealTimeClock()
    clock.registers[0x0F] = 0x03  # both alarms fired
    clock.start(False, 0)
    clock.write(0x0F, 0)
    clock.write(0x02, 0)  # clears alarm 1, tries to keep alarm 2
    clock.stop(0)
    assert clock.registers[0x0F] == 0x02
    clock.start(False, 0)
    clock.write(0x0F, 0)
    clock.write(0x03, 0)  # a write cannot raise a flag
    clock.stop(0)
    assert clock.registers[0x0F] == 0x02


def test_an_unmodelled_chip_acks_and_reads_zero_and_is_reported() -> None:
    bus = I2cBus()
    assert bus.step("a", 0x77 << 1 | 1, 10) == 1
    assert bus.step("r", 0, 11) == 0
    assert bus.step("p", 0, 12) == 0
    assert bus.unmodelled == {0x77: 1}
    absent = I2cBus(unmodelled="absent")
    assert absent.step("a", 0x39 << 1, 10) == 0
    assert absent.step("w", 0x12, 11) == 0


def test_a_clock_in_twelve_hour_mode_stays_in_it() -> None:
    clock = RealTimeClock()
    clock.start(False, 0)
    for value in (0, 0x00, 0x59, 0x40 | 0x20 | 0x11, 1, 0x06, 0x12, 0x26):  # 11:59:00 PM
        clock.write(value, 0)
    clock.stop(0)
    assert clock.time_at(0) == datetime(2026, 12, 6, 23, 59, tzinfo=UTC)
    registers = _read(clock, 60 * CLOCK_HZ)  # a minute later: 12:00:00 AM the next day
    assert registers[2] == 0x40 | 0x12  # 12-hour, AM, 12
    assert registers[4] == 0x07


def test_the_oscillator_flag_is_only_ever_cleared_by_a_write() -> None:
    clock = RealTimeClock()
    clock.start(False, 0)
    clock.write(0x0F, 0)
    clock.write(0x88, 0)  # OSF and EN32kHz: only EN32kHz takes
    clock.stop(0)
    assert clock.registers[0x0F] == 0x08


def test_a_driver_that_writes_twcr_twice_a_byte_reads_every_byte(tmp_path: Path) -> None:
    """The API's TWI driver sets TWEA and TWINT in two writes: simavr asked the device for a
    byte on each, and the program got one byte in two (the node's serial number was lost)."""
    program, _ = _built("twi_two_writes", tmp_path)
    clock = RealTimeClock(datetime(2026, 12, 6, 10, 59, 58, tzinfo=UTC))
    bus = I2cBus({RTC_ADDRESS: clock}, unmodelled="absent")
    result = run_program(program, cycles=CLOCK_HZ // 10, bus=bus, cache_root=tmp_path)
    assert result.sent[0] == b"R 58 59 10\n"
