"""The TSL2561 model (the luxes probes), with a program written here in plain avr-libc that
reads it as the API's library does and computes lux with the same integer formula: the counts
the chip gives come out as the wanted lux; read before its integration time ends, the chip
gives zeros and says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openpcs.twin.devices.tsl2561 import TSL2561, TSL2561_ADDRESS, api_lux
from openpcs.twin.harness import CLOCK_HZ, run_program
from openpcs.twin.node import NodeWorld
from tests.twin.test_harness import _built

_OUTDOOR: int = 0x02  # 402 ms, gain 1x
_INDOOR: int = 0x12  # 402 ms, gain 16x


def _read(out: Path, lux: float, *defines: str) -> tuple[list[str], TSL2561]:
    program, _ = _built("tsl2561_read", out, *defines)
    chip = TSL2561({"LUX": lux})
    world = NodeWorld(bytes(8), None, cycles=1, chips={TSL2561_ADDRESS: chip})
    run_program(program, cycles=CLOCK_HZ, world=world, cache_root=out)
    (line,) = [line.text for line in world.console.lines]
    return line.split(), chip


def test_the_datasheet_calculation() -> None:
    # ratio 0.1 (first segment): 0.0304 * 1000 - 0.0272 * 100 = 27.68 lx, at 16x gain 402 ms
    assert api_lux(1000, 100, _INDOOR) == 28
    # at gain 1x the counts are scaled by 16
    assert api_lux(1000, 100, _OUTDOOR) == 443
    # an infrared share past 1.3 reads as no light (the formula's last segment)
    assert api_lux(100, 200, _INDOOR) == 0


@pytest.mark.parametrize("lux", [0, 350, 12_000])
def test_a_program_reads_the_lux_it_was_given(tmp_path: Path, lux: float) -> None:
    words, chip = _read(tmp_path, lux)
    assert words[:2] == ["ID", "0A"]
    assert int(words[7]) == lux
    assert chip.measured == {"LUX": float(lux)}
    assert api_lux(int(words[3]), int(words[5]), _OUTDOOR) == lux
    assert chip.problems == []


@pytest.mark.parametrize(
    ("timing", "lux"), [(0x00, 900), (0x01, 5000), (0x11, 300), (0x12, 40), (0x10, 20)]
)
def test_every_integration_time_and_gain_reads_as_the_mcu_computes_it(
    tmp_path: Path, timing: int, lux: int
) -> None:
    words, chip = _read(tmp_path, lux, f"TIMING={timing:#04x}")
    full, computed = int(words[3]), int(words[7])
    assert chip.measured == {"LUX": float(computed)}
    assert computed == pytest.approx(lux, rel=0.02, abs=2)
    assert full <= {0: 5047, 1: 37177, 2: 65535}[timing & 3]


def test_a_light_past_the_chip_s_range_reads_as_much_as_it_can(tmp_path: Path) -> None:
    """13.7 ms at 16x gain saturates near 300 lx: the counts stop at 5047."""
    words, chip = _read(tmp_path, 5000, "TIMING=0x10")
    assert int(words[3]) == 5047
    assert chip.measured["LUX"] < 5000


def test_channels_read_before_the_integration_ends_are_zeros(tmp_path: Path) -> None:
    words, chip = _read(tmp_path, 350, "EARLY")
    assert words[2:] == ["F", "0", "I", "0", "L", "0"]
    assert chip.measured == {}
    assert chip.problems == ["the channels read before its integration ended: zeros"]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 20_000), st.sampled_from([_OUTDOOR, _INDOOR, 0x00, 0x01]))
def test_the_chip_reaches_any_lux_its_counts_can(lux: int, timing: int) -> None:
    chip = TSL2561({"LUX": lux})
    chip.start(False, 0)
    for byte in (0x81, timing):
        chip.write(byte, 0)
    chip.stop(0)
    chip.start(False, 0)
    for byte in (0x80, 0x03):
        chip.write(byte, 0)
    chip.stop(0)
    chip.start(False, 0)
    chip.write(0xAC, 0)
    chip.stop(0)
    chip.start(True, CLOCK_HZ)
    data = [chip.read(CLOCK_HZ) for _ in range(4)]
    full, infrared = data[0] | data[1] << 8, data[2] | data[3] << 8
    reached = api_lux(full, infrared, timing)
    assert chip.measured == {"LUX": float(reached)}
    # no count near comes nearer (the chip saturates at 0xFFFF)
    for other in range(max(0, full - 8), min(0xFFFF, full + 8) + 1):
        assert abs(api_lux(other, round(other / 4), timing) - lux) >= abs(reached - lux)
