"""Tiny-frame reassembly and the deduplication window, with a clock the tests control."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from openpcs.gateway.dedup import DedupWindow, frame_key
from openpcs.gateway.records import TinyPart
from openpcs.gateway.tiny_sets import TinyAssembler, judge

T = datetime(2026, 11, 21, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _part(sequence: int, counter: int | None, *sensors: str, serial: str = "A1") -> TinyPart:
    return TinyPart(serial, sequence, counter, sensors)


def test_a_new_sequence_closes_the_previous_set() -> None:
    assembler = TinyAssembler(60, Clock())
    first, closed = assembler.add(_part(7, 10, "TC", "HUM"), T, None)
    assert closed is None
    same, closed = assembler.add(_part(7, 11, "PRES"), T, None)
    assert same is first
    assert closed is None
    second, closed = assembler.add(_part(8, 12, "TC"), T, None)
    assert closed is first
    assert (first.status, first.parts, first.counters) == ("complete", 2, [10, 11])
    assert first.sensors == {"TC", "HUM", "PRES"}
    assert second.status == "open"


def test_sets_of_different_devices_do_not_mix() -> None:
    assembler = TinyAssembler(60, Clock())
    a, _ = assembler.add(_part(7, 1, "TC", serial="A1"), T, None)
    b, closed = assembler.add(_part(9, 1, "TC", serial="B2"), T, None)
    assert closed is None
    assert a is not b
    assert len(assembler) == 2


def test_sets_close_after_the_timeout_only() -> None:
    clock = Clock()
    assembler = TinyAssembler(60, clock)
    assembler.add(_part(7, 1, "TC"), T, None)
    clock.now = 59.9
    assert assembler.expired() == []
    clock.now = 60.0
    (closed,) = assembler.expired()
    assert closed.status == "complete"
    assert len(assembler) == 0


def test_judging_by_expected_sensors_names_the_missing() -> None:
    expected = frozenset({"TC", "HUM", "BAT"})
    assert judge({"TC", "HUM", "BAT"}, [1, 5], expected) == ("complete", [])
    assert judge({"TC"}, [1, 2], expected) == ("partial", ["BAT", "HUM"])


def test_judging_by_counters_sees_gaps_and_counter_wraps() -> None:
    assert judge({"TC"}, [10, 11, 12], None) == ("complete", None)
    assert judge({"TC"}, [10, 12], None) == ("partial", None)
    assert judge({"TC"}, [4095, 0, 1], None) == ("complete", None)  # Sigfox's 12 bits
    assert judge({"TC"}, [65535, 0], None) == ("complete", None)
    assert judge({"TC"}, [], None) == ("complete", None)


@given(st.integers(0, 2**32 - 2), st.integers(1, 20))
def test_consecutive_counters_are_always_complete(start: int, count: int) -> None:
    counters = [(start + n) % 2**32 for n in range(count)]
    assert judge({"TC"}, counters, None)[0] == "complete"


def test_dedup_window_forgets_after_the_window_and_on_request() -> None:
    clock = Clock()
    window = DedupWindow(600, clock)
    key = frame_key(b"<=>frame")
    assert not window.seen(key)
    assert window.seen(key)
    clock.now = 599
    assert window.seen(key)
    clock.now = 601
    assert not window.seen(key)  # forgotten, then remembered again
    window.forget(key)
    assert not window.seen(key)


def test_dedup_keys_tell_senders_apart_and_seed_from_ages() -> None:
    assert frame_key(b"\x07\x05abc", "A1") != frame_key(b"\x07\x05abc", "B2")
    assert frame_key(b"<=>x") == frame_key(b"<=>x")
    clock = Clock()
    clock.now = 1000
    window = DedupWindow(600, clock)
    window.seed([(b"old" * 5 + b"0", 700.0), (b"new" * 5 + b"0", 10.0)])
    assert len(window) == 1
    assert window.seen(b"new" * 5 + b"0")
    assert not window.seen(b"old" * 5 + b"0")


def test_keys_merged_on_a_takeover_keep_the_window_in_time_order() -> None:
    clock = Clock()
    clock.now = 1000
    window = DedupWindow(600, clock)
    mine, theirs, stale = b"m" * 16, b"t" * 16, b"s" * 16
    assert not window.seen(mine)  # seen at 1000
    window.merge([(theirs, 300.0), (stale, 900.0), (mine, 500.0)])  # theirs: seen at 700
    assert len(window) == 2  # the stale key is past the window; mine keeps its later time
    clock.now = 1299  # theirs is 599 s old, mine 299 s
    assert window.seen(theirs)
    clock.now = 1301  # theirs is past the window and forgotten first; mine is still held
    assert not window.seen(theirs)
    assert window.seen(mine)
    clock.now = 1601
    assert not window.seen(mine)
