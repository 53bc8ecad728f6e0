"""When the RTC's alarms match, mask by mask, and the clock's flags and line from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from openpcs.twin.devices.rtc import RealTimeClock
from openpcs.twin.devices.rtc_alarms import Alarm, next_match
from openpcs.twin.harness import CLOCK_HZ

_START = datetime(2026, 12, 31, 23, 59, 50, tzinfo=UTC)


def _alarm1(second: int, minute: int, hour: int, day: int) -> Alarm:
    return Alarm.from_registers(bytes([second, minute, hour, day]), has_seconds=True)


def test_each_mask_of_alarm_1() -> None:
    every_second = _alarm1(0x80, 0x80, 0x80, 0x80)
    assert next_match(every_second, _START) == _START + timedelta(seconds=1)
    seconds = _alarm1(0x05, 0x80, 0x80, 0x80)
    assert next_match(seconds, _START) == datetime(2027, 1, 1, 0, 0, 5, tzinfo=UTC)
    hours = _alarm1(0x30, 0x15, 0x07, 0x80)
    assert next_match(hours, _START) == datetime(2027, 1, 1, 7, 15, 30, tzinfo=UTC)
    date = _alarm1(0x00, 0x00, 0x12, 0x31)  # the 31st at noon: February has none
    assert next_match(date, datetime(2027, 1, 31, 13, tzinfo=UTC)) == datetime(
        2027, 3, 31, 12, tzinfo=UTC
    )
    weekday = _alarm1(0x00, 0x00, 0x08, 0x40 | 2)  # day 2: Monday, the API counting Sunday 1
    assert next_match(weekday, _START) == datetime(2027, 1, 4, 8, tzinfo=UTC)


def test_alarm_2_matches_at_second_zero_and_twelve_hour_registers_read_as_the_chip() -> None:
    minutes = Alarm.from_registers(bytes([0x10, 0x80, 0x80]), has_seconds=False)
    assert next_match(minutes, _START) == datetime(2027, 1, 1, 0, 10, tzinfo=UTC)
    pm = Alarm.from_registers(bytes([0x00, 0x40 | 0x20 | 0x03, 0x80]), has_seconds=False)
    assert next_match(pm, _START) == datetime(2027, 1, 1, 15, 0, tzinfo=UTC)


def test_an_alarm_no_clock_reaches_never_matches() -> None:
    assert next_match(_alarm1(0x61, 0x80, 0x80, 0x80), _START) is None  # second 61
    assert next_match(_alarm1(0x00, 0x00, 0x00, 0x32), _START) is None  # the 32nd


@given(st.integers(0, 59), st.integers(0, 10**6))
def test_a_seconds_alarm_matches_within_a_minute(second: int, offset: int) -> None:
    after = _START + timedelta(seconds=offset)
    found = next_match(_alarm1((second // 10) << 4 | second % 10, 0x80, 0x80, 0x80), after)
    assert found is not None
    assert found.second == second
    assert timedelta(0) < found - after <= timedelta(seconds=60)


def _write(clock: RealTimeClock, pointer: int, values: bytes, cycle: int) -> None:
    clock.start(False, cycle)
    clock.write(pointer, cycle)
    for value in values:
        clock.write(value, cycle)
    clock.stop(cycle)


def test_the_flag_rises_at_the_alarm_and_the_line_follows_it_until_cleared() -> None:
    clock = RealTimeClock(_START)
    _write(clock, 0x07, bytes([0x55, 0x80, 0x80, 0x80]), 0)  # at second 55
    _write(clock, 0x0E, bytes([0x05, 0x00]), 0)  # INTCN, A1IE
    assert clock.next_interrupt(0) == (5 * CLOCK_HZ, 1)
    assert not clock.line_asserted(5 * CLOCK_HZ - 1)
    assert clock.line_asserted(5 * CLOCK_HZ)
    assert clock.registers[0x0F] & 0x01
    _write(clock, 0x0F, bytes([0x00]), 6 * CLOCK_HZ)  # the program clears A1F
    assert not clock.line_asserted(6 * CLOCK_HZ)
    assert clock.next_interrupt(6 * CLOCK_HZ) == (65 * CLOCK_HZ, 1)  # a minute on
    _write(clock, 0x0E, bytes([0x04]), 7 * CLOCK_HZ)  # the interrupt off: no line
    assert clock.next_interrupt(7 * CLOCK_HZ) is None


def test_alarm_2_is_the_watchdog() -> None:
    clock = RealTimeClock(_START)
    _write(clock, 0x0B, bytes([0x01, 0x80, 0x80]), 0)  # minute 01 (00:01:00)
    _write(clock, 0x0E, bytes([0x06]), 0)  # INTCN, A2IE
    assert clock.next_interrupt(0) == (70 * CLOCK_HZ, 2)
    assert not clock.watchdog_asserted(69 * CLOCK_HZ)
    assert clock.watchdog_asserted(70 * CLOCK_HZ)


def test_an_hour_no_clock_reaches_never_matches_and_breaks_nothing() -> None:
    assert next_match(_alarm1(0x00, 0x00, 0x24, 0x80), _START) is None  # hour 24
    assert next_match(_alarm1(0x00, 0x3F, 0x3F, 0x80), _START) is None
    clock = RealTimeClock(_START)
    _write(clock, 0x07, bytes([0x00, 0x00, 0x24, 0x80]), 0)
    _write(clock, 0x0E, bytes([0x05]), 0)
    assert clock.next_interrupt(CLOCK_HZ) is None
