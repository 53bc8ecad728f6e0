"""The RTC's interrupt line as a Waspmote v15 wires it to the MCU.

The line rises when an enabled alarm's time comes (alarm 1: the end of the node's deep
sleep; alarm 2: the RTC watchdog, which resets the MCU) and falls when the program clears
the flag. A sleeping node costs nothing: :meth:`RtcWiring.wake_cycle` tells the harness the
cycle of the next interrupt, and the line rises there.
"""

from __future__ import annotations

from openpcs.twin.devices.rtc import RealTimeClock
from openpcs.twin.harness import Link
from openpcs.twin.waspmote import rtc_interrupt_lines

__all__ = ["RtcWiring"]

_WATCHDOG_ALARM = 2
_WATCHDOG_BIT = 0x02


class RtcWiring:
    """Drives the RTC's lines (``rtc_interrupt_lines``) from ``clock``'s alarms."""

    def __init__(self, clock: RealTimeClock) -> None:
        self.clock = clock
        self.lines = rtc_interrupt_lines()
        self._link: Link | None = None
        self._level = False
        #: alarm 2 resets so far (the RTC watchdog bit)
        self.watchdog_resets = 0
        self._watchdog_seen = False

    def connect(self, link: Link) -> None:
        """The run starts: the lines are low."""
        self._link = link
        self._level = False
        self._watchdog_seen = False

    def update(self, cycle: int) -> None:
        """Bring the lines to what the clock says at ``cycle`` (after each bus transaction
        and each message from the program); reset the MCU when the watchdog alarm fires."""
        asserted = self.clock.asserted_alarms(cycle)
        level, watchdog = asserted != 0, bool(asserted & _WATCHDOG_BIT)
        if self._link is None:
            return
        if watchdog and not self._watchdog_seen:
            self.watchdog_resets += 1
            self._link.reset()
        self._watchdog_seen = watchdog
        if level != self._level:
            self._level = level
            for port, pin in self.lines:
                self._link.drive(port, pin, level)

    def wake_cycle(self, cycle: int) -> int:
        """The MCU goes into power-down at ``cycle``: the cycle the clock's next interrupt
        wakes it at, its lines up there (0: no alarm is set to wake it)."""
        coming = self.clock.next_interrupt(cycle)
        if coming is None:
            return 0
        at, alarm = coming
        if self._level and alarm != _WATCHDOG_ALARM:
            # the line is still up from an alarm not cleared: no edge, nothing wakes the MCU
            return 0
        self.update(at)
        return at
