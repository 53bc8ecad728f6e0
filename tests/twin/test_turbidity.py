"""The Smart Water turbidity sensor model (a Modbus RTU slave), with a node written here in
plain avr-libc that asks it as the API's library does: a measurement written, its block of
registers read, the turbidity float taken high word first; without the measurement the
registers read 0; a request with a wrong CRC gets no answer and is reported."""

from __future__ import annotations

from pathlib import Path

from openpcs.twin.devices.modbus import modbus_crc
from openpcs.twin.devices.turbidity import TurbiditySensor
from openpcs.twin.harness import CLOCK_HZ, run_program
from openpcs.twin.node import NodeWorld
from tests.twin.test_harness import _built


def _run(out: Path, *defines: str) -> tuple[list[str], TurbiditySensor]:
    program, _ = _built("turbidity_node", out, *defines)
    sensor = TurbiditySensor({"TURB": 12.75})
    world = NodeWorld(bytes(8), None, cycles=1, uart_devices={"turbidity": sensor})
    run_program(program, cycles=3 * CLOCK_HZ, world=world, cache_root=out)
    (line,) = [line.text for line in world.console.lines]
    return line.split(), sensor


def test_a_measurement_reads_the_turbidity(tmp_path: Path) -> None:
    words, sensor = _run(tmp_path)
    write_echo = bytes([40, 0x10, 0x00, 0x01, 0x00, 0x01])
    assert words[:2] == ["W", (write_echo + modbus_crc(write_echo)).hex()]
    assert words[2:] == ["R", str(3 + 22 + 2), "T", "1275"]
    assert sensor.measured == {"TURB": 12.75}


def test_without_a_measurement_the_registers_read_zero(tmp_path: Path) -> None:
    words, sensor = _run(tmp_path, "SKIP_MEASURE")
    assert words == ["W", "R", "27", "T", "0"]
    assert sensor.measured == {}


def test_a_request_with_a_wrong_crc_gets_no_answer(tmp_path: Path) -> None:
    words, sensor = _run(tmp_path, "BAD_CRC")
    assert words[2:] == ["R", "0", "T", "0"]
    assert sensor.problems[0].startswith("a request with a wrong CRC: 280300520")


def _ask(sensor: TurbiditySensor, request: bytes) -> bytes:
    (reply,) = sensor.received(request + modbus_crc(request), 0)
    assert modbus_crc(reply.data[:-2]) == reply.data[-2:]
    return reply.data[:-2]


def test_the_slave_answers_exceptions_and_only_its_own_address() -> None:
    sensor = TurbiditySensor({"TURB": 1.0})
    sensor.power(True, 0)
    assert _ask(sensor, bytes([40, 0x04, 0x00, 0x52, 0x00, 0x01])) == bytes([40, 0x84, 0x01])
    assert _ask(sensor, bytes([40, 0x03, 0x00, 0x60, 0x00, 0x01])) == bytes([40, 0x83, 0x02])
    other = bytes([41, 0x03, 0x00, 0x52, 0x00, 0x01])
    assert sensor.received(other + modbus_crc(other), 0) == []
    sensor.power(False, 0)
    mine = bytes([40, 0x03, 0x00, 0x52, 0x00, 0x01])
    assert sensor.received(mine + modbus_crc(mine), 0) == []


def test_the_crc_is_modbus_s() -> None:
    # the specification's example: 01 03 00 00 00 01 -> CRC 84 0A
    assert modbus_crc(bytes([0x01, 0x03, 0x00, 0x00, 0x00, 0x01])) == bytes([0x84, 0x0A])


def test_a_silence_ends_a_frame_so_a_stray_byte_is_forgotten() -> None:
    sensor = TurbiditySensor({"TURB": 2.0})
    sensor.power(True, 0)
    request = bytes([40, 0x03, 0x00, 0x52, 0x00, 0x01])
    assert sensor.received(b"\x00", 0) == []  # a stray byte, then 10 ms of silence
    (reply,) = sensor.received(request + modbus_crc(request), CLOCK_HZ // 100)
    assert reply.data[:3] == bytes([40, 0x03, 0x02])
    assert sensor.problems == ["a request cut short: 00"]


def test_counts_past_the_specification_s_limits_are_refused() -> None:
    sensor = TurbiditySensor({"TURB": 2.0})
    sensor.power(True, 0)
    assert _ask(sensor, bytes([40, 0x03, 0x00, 0x52, 0x00, 0x00])) == bytes([40, 0x83, 0x03])
    assert _ask(sensor, bytes([40, 0x03, 0x00, 0x00, 0x00, 0x7E])) == bytes([40, 0x83, 0x03])
    # the API's getConcentration() writes 40 registers from 0x01: not the sensor's
    write = bytes([40, 0x10, 0x00, 0x01, 0x00, 0x28, 0x50]) + bytes(80)
    assert _ask(sensor, write) == bytes([40, 0x90, 0x02])
