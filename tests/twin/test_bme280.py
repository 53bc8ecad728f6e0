"""The BME280 model: a program that reads it as the API's library does, and compensates in the
MCU's own arithmetic, gets back the values the chip was told the air has (to the chip's
resolution); the compensation formulas agree with the datasheet's worked example."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openpcs.twin.devices.bme280 import BME280, BME280_ADDRESS
from openpcs.twin.devices.bme280_compensation import pressure_q8, t_fine_of, temperature
from openpcs.twin.harness import CLOCK_HZ, run_program
from openpcs.twin.node import NodeWorld
from tests.twin.test_harness import _built


def test_the_datasheet_example_compensates_as_printed() -> None:
    chip = BME280({"TC": 20.0, "HUM": 50.0, "PRES": 100_000.0})
    fine = t_fine_of(519888, chip.calibration)
    assert fine == 128422
    assert temperature(519888, chip.calibration) == 2508  # 25.08 degC
    assert pressure_q8(415148, fine, chip.calibration) / 256 == pytest.approx(100653.27, abs=0.1)


@pytest.mark.parametrize(
    ("air", "printed"),
    [
        ({"TC": 21.5, "HUM": 48.2, "PRES": 101325.0}, (2150, 101324.92, 48.2)),
        ({"TC": -10.25, "HUM": 95.0, "PRES": 87000.0}, (-1025, 87000.0, 95.0)),
    ],
)
def test_a_program_reads_the_air_it_was_given(
    tmp_path: Path, air: dict[str, float], printed: tuple[int, float, float]
) -> None:
    program, _ = _built("bme280_read", tmp_path)
    chip = BME280(air)
    world = NodeWorld(bytes(8), None, cycles=1, chips={BME280_ADDRESS: chip})
    run_program(program, cycles=CLOCK_HZ, world=world, cache_root=tmp_path)
    (line,) = [line.text for line in world.console.lines]
    words = line.split()
    assert words[:2] == ["ID", "60"]
    temperature_c, pressure, humidity = int(words[3]), int(words[5]), int(words[7])
    assert temperature_c == printed[0]
    assert pressure / 256 == pytest.approx(printed[1], abs=0.01)
    assert humidity / 1024 == pytest.approx(printed[2], abs=0.01)
    # what the chip says it measured is what the program computed
    assert chip.measured["TC"] == temperature_c / 100
    assert chip.measured["HUM"] == humidity / 1024


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-40, 85).map(lambda t: round(t, 2)),
    st.floats(0, 100).map(lambda h: round(h, 1)),
    st.floats(30_000, 110_000).map(lambda p: round(p, 2)),
)
def test_the_chip_comes_within_its_resolution_of_any_air(
    temperature_c: float, humidity: float, pressure: float
) -> None:
    chip = BME280({"TC": temperature_c, "HUM": humidity, "PRES": pressure})
    for data in ((0xF2, 0x01), (0xF4, 0x25)):
        chip.start(False, 0)
        for byte in data:
            chip.write(byte, 0)
        chip.stop(0)
    assert chip.measured["TC"] == pytest.approx(temperature_c, abs=0.006)
    assert chip.measured["HUM"] == pytest.approx(humidity, abs=0.05)
    assert chip.measured["PRES"] == pytest.approx(pressure, abs=0.5)
    assert chip.registers[0xF4] & 0x03 == 0  # forced: asleep again
