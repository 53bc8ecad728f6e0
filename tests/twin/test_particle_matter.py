"""The particle matter sensor model with a node written here in plain avr-libc (CI has no
Waspmote API): the node powers the sensor, gives UART1 to the multiplexer's AUX2 setting at
9,600 baud and samples; the sensor answers the values it was given, in the adapter's line, and
refuses a command it does not know. On another multiplexer setting it hears nothing."""

from __future__ import annotations

from pathlib import Path

from openpcs.twin.devices.particle_matter import ParticleMatterSensor
from openpcs.twin.harness import CLOCK_HZ, run_program
from openpcs.twin.node import NodeWorld
from openpcs.twin.sensors import load_values
from tests.twin.test_harness import _built

_SERIAL = bytes.fromhex("3F5A1C0B7E2D4A92")
_VALUES = {**load_values(None), "PM1": 3.5, "PM2_5": 7.125, "PM10": 15.0625}


def _run(out: Path, *defines: str) -> tuple[ParticleMatterSensor, NodeWorld]:
    program, _ = _built("pm_node", out, *defines)
    sensor = ParticleMatterSensor(_VALUES)
    world = NodeWorld(_SERIAL, None, cycles=1, uart_devices={"particle_matter": sensor})
    run_program(program, cycles=15 * CLOCK_HZ, world=world, cache_root=out)
    return sensor, world


def test_the_sensor_answers_its_sample_on_uart1_aux2(tmp_path: Path) -> None:
    sensor, world = _run(tmp_path)
    (line,) = [line.text for line in world.console.lines]
    assert line == "A OK V 3.5,7.125,15.0625 X ERROR"
    assert sensor.measured == {"PM1": 3.5, "PM2_5": 7.125, "PM10": 15.0625}
    assert sensor.problems == ["the particle matter sensor has no command 'AT$999'"]
    assert world.uart1 == b""


def test_on_another_multiplexer_setting_the_sensor_hears_nothing(tmp_path: Path) -> None:
    sensor, world = _run(tmp_path, "WRONG_SETTING")
    assert [line.text for line in world.console.lines] == ["A NO"]
    assert sensor.measured == {}
    assert world.uart1.startswith(b"AT\rAT\r")


def test_the_sample_line_is_the_adapters_second_format() -> None:
    sensor = ParticleMatterSensor(_VALUES)
    assert sensor.received(b"AT\r", 0) == []  # off
    sensor.power(True, 0)
    assert sensor.received(b"AT\r", CLOCK_HZ) == []  # starting
    ready = 5 * CLOCK_HZ
    (sample,) = sensor.received(b"AT$200=5000,5000,2\r", ready)
    text = sample.data.decode("ascii")
    head, line, ok = text.split("\r\n")[:3]
    assert (head, ok) == ("$200", "OK")
    assert line.count(",") == 34  # the adapter's second format: the OPC-N3's
    assert line.split(",")[-1] == "51"
    assert len(text) - len("$200") <= 149  # what the API's buffer holds
    assert sample.cycle >= ready + 10 * CLOCK_HZ  # the two sampling times
