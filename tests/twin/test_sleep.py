"""Power-down sleep in the twin: the clock jumps to the RTC's alarm, the alarm's line wakes
the MCU on INT2 as on a Waspmote v15, the MCU's timers stand still while it sleeps, and a
node with nothing set to wake it is said to be so."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpcs.twin.harness import CLOCK_HZ, StopReason, run_program
from openpcs.twin.node import NodeWorld
from tests.twin.test_harness import _built

_SERIAL = bytes(8)


class _Counted(NodeWorld):
    """A Waspmote with no radio, whose sleeps are counted."""

    def __init__(self) -> None:
        super().__init__(_SERIAL, None, cycles=100)
        self.slept: list[int] = []

    def sleeps(self, cycle: int) -> int:
        self.slept.append(cycle)
        return super().sleeps(cycle)


def test_the_alarm_wakes_the_sleeping_node_and_the_clock_jumps(tmp_path: Path) -> None:
    program, _ = _built("rtc_sleep", tmp_path)
    world = _Counted()
    # 60 s of MCU time would take a minute of host time if sleep were run through
    result = run_program(program, cycles=60 * CLOCK_HZ, world=world, cache_root=tmp_path)
    lines = result.sent[0].decode().splitlines()
    times = [datetime.strptime(line[2:], "%S %M %H %d %m %y") for line in lines[0::2]]
    # set to 23:59:50 on 2026-12-31; alarms at :54, :58 and :02 of the new year
    assert [t.strftime("%Y-%m-%d %H:%M:%S") for t in times] == [
        "2026-12-31 23:59:54",
        "2026-12-31 23:59:58",
        "2027-01-01 00:00:02",
    ]
    # one INT2 interrupt per wake, and no Timer0 overflow while asleep
    assert lines[1::2] == ["W 01 00", "W 02 00", "W 03 00"]
    assert len(world.slept) == 4
    assert result.stop.reason is StopReason.STOPPED
    assert result.stop.text == "the node went to sleep with nothing set to wake it"
    assert 12 <= result.stop.seconds < 13  # three wakes four seconds apart, then the last
    assert world.clock.problems == []


def test_a_node_that_sleeps_with_nothing_to_wake_it_is_stopped(tmp_path: Path) -> None:
    """A world that has no wake-up for the sleeping MCU (0) ends the run there, saying so."""
    program, _ = _built("rtc_sleep", tmp_path)

    class _Never(_Counted):
        def sleeps(self, cycle: int) -> int:
            self.slept.append(cycle)
            return 0

    world = _Never()
    result = run_program(program, cycles=10 * CLOCK_HZ, world=world, cache_root=tmp_path)
    assert result.sent.get(0, b"") == b""
    assert result.stop.reason is StopReason.STOPPED
    assert "nothing set to wake it" in result.stop.text
    assert len(world.slept) == 1
