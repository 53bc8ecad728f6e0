"""The Smart Cities PRO's noise sensor model, with a node written here in plain avr-libc that
asks it as the API does: on UART1's AUX1 setting it answers the sound level after a slow
measurement; on another setting it hears nothing."""

from __future__ import annotations

from pathlib import Path

from openpcs.twin.devices.noise import NoiseSensor
from openpcs.twin.harness import CLOCK_HZ, run_program
from openpcs.twin.node import NodeWorld
from tests.twin.test_harness import _built


def _run(out: Path, *defines: str) -> tuple[str, NoiseSensor]:
    program, _ = _built("noise_node", out, *defines)
    sensor = NoiseSensor({"NOISE": 63.25})
    world = NodeWorld(bytes(8), None, cycles=1, uart_devices={"noise": sensor})
    run_program(program, cycles=8 * CLOCK_HZ, world=world, cache_root=out)
    (line,) = [line.text for line in world.console.lines]
    return line, sensor


def test_the_sensor_answers_the_level_on_uart1_aux1(tmp_path: Path) -> None:
    line, sensor = _run(tmp_path)
    assert line == "N OK 63.2"
    assert sensor.measured == {"NOISE": 63.20000076293945}


def test_on_another_multiplexer_setting_the_sensor_hears_nothing(tmp_path: Path) -> None:
    line, sensor = _run(tmp_path, "WRONG_SETTING")
    assert line == "N NO"
    assert sensor.measured == {}


def test_a_fast_measurement_answers_sooner_and_noise_is_ignored() -> None:
    sensor = NoiseSensor({"NOISE": 41.0})
    sensor.power(True, 0)
    assert sensor.received(b"\r\nhello AT", 0) == []
    (fast,) = sensor.received(b"FAST", 0)
    assert fast.data == b"OK\r\n41.0\r\n"
    (slow,) = sensor.received(b"ATSLOW", 0)
    assert fast.cycle < CLOCK_HZ // 4 < slow.cycle
    sensor.power(False, 0)
    assert sensor.received(b"ATSLOW", 0) == []
