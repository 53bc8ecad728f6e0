"""The battery level: the ADC count the emulated MCU reads for a voltage on ADC0 against the
2.56 V reference is the one the battery model expects, and each level 0-100 % has a voltage
the API's formula reads as that level."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openpcs.twin.devices.battery import (
    BATTERY_CHANNEL,
    api_battery_level,
    battery_millivolts,
)
from openpcs.twin.harness import CLOCK_HZ, run_program
from openpcs.twin.node import NodeWorld
from tests.twin.test_harness import _built


@pytest.mark.parametrize("millivolts", [0, 832, 1711, 2051, 2559, 3000])
def test_the_mcu_reads_the_count_the_model_expects(tmp_path: Path, millivolts: int) -> None:
    program, _ = _built("adc_read", tmp_path)
    world = NodeWorld(bytes(8), None, cycles=1, analog={BATTERY_CHANNEL: millivolts})
    run_program(program, cycles=CLOCK_HZ, world=world, cache_root=tmp_path)
    assert [line.text for line in world.console.lines] == [
        f"{min(1023, millivolts * 1023 // 2560):04x}"
    ]


@given(st.integers(0, 100))
def test_every_level_has_a_voltage_that_reads_as_it(level: int) -> None:
    millivolts = battery_millivolts(level)
    assert api_battery_level(millivolts) == level


def test_the_api_formula_at_its_edges() -> None:
    assert api_battery_level(0) == 0
    assert api_battery_level(2560) == 100
    with pytest.raises(ValueError, match="reads as 101 %"):
        battery_millivolts(101)
