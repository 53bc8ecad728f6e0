"""When a DS3231's alarms match: the alarm registers read as the chip reads them.

Alarm 1 (registers 0x07-0x0A) has seconds, minutes, hours and a day or date, alarm 2
(0x0B-0x0D) the same without seconds (it matches at second 00). Bit 7 of each register (AxMn)
says "any value"; bit 6 of the day register (DY/DT) says the day is a weekday (1-7, the
clock's own count) rather than a date. The chip's modes are the combinations of these masks
its datasheet lists (every second; seconds; minutes and seconds; …; date or day, hours,
minutes and seconds): :func:`next_match` takes the masks as they are set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

__all__ = ["Alarm", "from_bcd", "hour_of", "next_match"]

_ANY: Final = 0x80
_WEEKDAY: Final = 0x40
_TWELVE_HOUR: Final = 0x40
_PM: Final = 0x20
#: a date alarm (the 31st) may wait past a month without one
_DAYS_SEARCHED: Final = 63


def from_bcd(value: int) -> int:
    """A BCD byte's value."""
    return (value >> 4) * 10 + (value & 0x0F)


def hour_of(register: int) -> int:
    """An hour register in 24-hour terms, whichever mode (12 or 24 hours) it is in."""
    if register & _TWELVE_HOUR:
        return from_bcd(register & 0x1F) % 12 + (12 if register & _PM else 0)
    return from_bcd(register & 0x3F)


@dataclass(frozen=True)
class Alarm:
    """One alarm's fields; ``None`` is "any value" (a mask bit set)."""

    second: int | None
    minute: int | None
    hour: int | None
    day: int | None
    weekday: bool

    @classmethod
    def from_registers(cls, registers: bytes, *, has_seconds: bool) -> Alarm:
        """Alarm 1 from registers 0x07-0x0A, alarm 2 from 0x0B-0x0D (``has_seconds`` false:
        second 0)."""
        values = list(registers)
        second: int | None = 0
        if has_seconds:
            raw = values.pop(0)
            second = None if raw & _ANY else from_bcd(raw & 0x7F)
        minute_raw, hour_raw, day_raw = values[:3]
        return cls(
            second=second,
            minute=None if minute_raw & _ANY else from_bcd(minute_raw & 0x7F),
            hour=None if hour_raw & _ANY else hour_of(hour_raw),
            day=None if day_raw & _ANY else from_bcd(day_raw & 0x3F),
            weekday=bool(day_raw & _WEEKDAY),
        )

    def _day_fits(self, moment: datetime) -> bool:
        if self.day is None:
            return True
        if self.weekday:  # the clock counts Sunday as 1, as the API sets it
            return moment.isoweekday() % 7 + 1 == self.day
        return moment.day == self.day


def next_match(alarm: Alarm, after: datetime) -> datetime | None:
    """The first whole second strictly after ``after`` at which ``alarm`` matches (None: no
    such second in the next two months: a date no month has)."""
    start = after.replace(microsecond=0) + timedelta(seconds=1)
    day = start.replace(hour=0, minute=0, second=0)
    hours = range(24) if alarm.hour is None else (alarm.hour,)
    minutes = range(60) if alarm.minute is None else (alarm.minute,)
    seconds = range(60) if alarm.second is None else (alarm.second,)
    if any(
        value > limit
        for value, limit in ((alarm.hour, 23), (alarm.minute, 59), (alarm.second, 59))
        if value is not None
    ):
        return None  # a value no clock reaches: the alarm never matches
    for offset in range(_DAYS_SEARCHED):
        moment = day + timedelta(days=offset)
        if not alarm._day_fits(moment):
            continue
        for hour in hours:
            if moment.replace(hour=hour, minute=59, second=59) < start:
                continue
            for minute in minutes:
                for second in seconds:
                    candidate = moment.replace(hour=hour, minute=minute, second=second)
                    if candidate >= start:
                        return candidate
    return None
