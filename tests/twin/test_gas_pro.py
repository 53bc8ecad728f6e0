"""The Gases PRO probe model: a program that reads socket A's probe as the API's Gas class
does, in the MCU's own float arithmetic, gets the concentration the probe was told the air has
(to what four ADC codes can give, which the model reports as measured); with the socket's
enable line low no probe answers; the model's single-precision computation follows the API's
temperature compensation."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openpcs.twin.devices.gas_pro import GasProbe, GasProBoard
from openpcs.twin.harness import CLOCK_HZ, run_program
from openpcs.twin.lines import PortLevels
from openpcs.twin.node import NodeWorld
from tests.twin.test_harness import _built


def _run(
    out: Path, ppm: float, *defines: str, celsius: float | None = None, kind: str = "gas_co"
) -> tuple[str, GasProBoard]:
    program, _ = _built("gas_pro_read", out, *defines)
    levels = PortLevels()
    field = "NO2" if kind == "gas_no2" else "CO"
    board = GasProBoard({"A": GasProbe(kind, {field: ppm}, lambda: celsius)}, levels)
    world = NodeWorld(bytes(8), None, cycles=1, chips=board.chips, levels=levels)
    run_program(program, cycles=CLOCK_HZ, world=world, cache_root=out)
    (line,) = [line.text for line in world.console.lines]
    return line, board


@pytest.mark.parametrize("ppm", [1.75, 10.0, 123.456])
def test_a_program_reads_the_concentration_it_was_given(tmp_path: Path, ppm: float) -> None:
    line, board = _run(tmp_path, ppm)
    words = line.split()
    assert words[:8] == ["V", "3", "T", "1", "K", "OK", "R", "1"]
    measured = board.probes["A"].measured["CO"]
    assert int(words[9]) == round(measured * 1000)
    assert measured == pytest.approx(ppm, abs=0.01)
    assert board.problems == []


def test_a_reducing_sensor_s_current_is_turned_as_the_api_turns_it(tmp_path: Path) -> None:
    """The NO2 probe (NO2_SS_CLE, type 9): its current flows the other way, below the
    front end's zero, and the API turns its sign before it becomes ppm."""
    line, board = _run(tmp_path, 0.875, "REDUCING", kind="gas_no2")
    words = line.split()
    assert words[:8] == ["V", "3", "T", "9", "K", "OK", "R", "1"]
    probe = board.probes["A"]
    assert int(words[9]) == round(probe.measured["NO2"] * 1000)
    assert probe.measured["NO2"] == pytest.approx(0.875, abs=0.001)
    assert all(probe.convert() < 1024 * 16 for _ in range(4))  # below the 1024 mV zero


@pytest.mark.parametrize("celsius", [-12.5, 31.5, 46.0])
def test_the_no2_compensation_matches_the_api_s_too(tmp_path: Path, celsius: float) -> None:
    line, board = _run(
        tmp_path, 2.5, "REDUCING", f"CELSIUS={celsius}f", celsius=celsius, kind="gas_no2"
    )
    measured = board.probes["A"].measured["NO2"]
    assert int(line.split()[9]) == round(measured * 1000)
    assert measured == pytest.approx(2.5, abs=0.005)


@pytest.mark.parametrize("celsius", [-12.5, 7.25, 31.5, 46.0])
def test_the_compensation_matches_the_api_s_in_the_mcu_s_floats(
    tmp_path: Path, celsius: float
) -> None:
    line, board = _run(tmp_path, 57.125, f"CELSIUS={celsius}f", celsius=celsius)
    measured = board.probes["A"].measured["CO"]
    assert int(line.split()[9]) == round(measured * 1000)
    assert measured == pytest.approx(57.125, abs=0.02)


def test_with_the_enable_line_low_no_probe_answers(tmp_path: Path) -> None:
    line, board = _run(tmp_path, 10.0, "NO_ENABLE")
    assert line.startswith("V 0 T 0 K OK R 0")
    assert board.problems == [
        "the program addressed a probe's chip with no Gases PRO socket enabled"
    ]


@settings(max_examples=60, deadline=None)
@given(
    ppm=st.floats(min_value=0.0, max_value=350.0),
    celsius=st.one_of(st.none(), st.floats(min_value=-20.0, max_value=50.0)),
)
def test_the_planned_codes_give_the_value_within_a_step(ppm: float, celsius: float | None) -> None:
    probe = GasProbe("gas_co", {"CO": ppm}, lambda: celsius)
    probe.front_end[0x10], probe.front_end[0x11] = 0x16, 0xB0  # as the API sets them
    codes = [probe.convert() for _ in range(4)]
    assert probe.compute(codes) == probe.measured["CO"]
    # a quarter code is 1/64 mV: 0.0064 ppm at 70 nA/ppm, scaled by the compensation
    assert probe.measured["CO"] == pytest.approx(ppm, abs=0.02)


def _codes(celsius: float | None) -> list[int]:
    probe = GasProbe("gas_co", {"CO": 42.0}, lambda: celsius)
    probe.front_end[0x10], probe.front_end[0x11] = 0x16, 0xB0
    return [probe.convert() for _ in range(4)]


def test_at_twenty_degrees_the_compensation_is_none() -> None:
    assert _codes(20.0) == _codes(None)
    # warmer, the sensor gives more current for the same gas (S = 1 / 1.045 at 30 degC)
    assert sum(_codes(30.0)) > sum(_codes(20.0))
