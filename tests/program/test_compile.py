"""The compile check on every machine: each example's program, and a program for every probe in
every socket, type-checks with avr-g++ against the declaration-only headers in
tests/waspmote_headers/ (written from the API signatures; not the Waspmote API)."""

from __future__ import annotations

from pathlib import Path

import pytest

from openpcs.program.source import ProgramSource
from tests.program.helpers import EXAMPLES, coverage_programs, example_program
from tests.program.stubs import syntax_check

pytestmark = pytest.mark.usefixtures("avr_toolchain")


def _assert_compiles(program: ProgramSource, directory: Path) -> None:
    result = syntax_check(program, directory)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_program_compiles(path: Path, tmp_path: Path) -> None:
    _assert_compiles(example_program(path.stem), tmp_path)


@pytest.mark.parametrize("index", range(0, 170, 10))
def test_every_probe_program_compiles(index: int, tmp_path: Path) -> None:
    for name, program in coverage_programs()[index : index + 10]:
        _assert_compiles(program, tmp_path / name)


def test_the_headers_refuse_a_wrong_call(tmp_path: Path) -> None:
    program = example_program("smart-environment-pro_lorawan-us-otaa")
    sketch = program.files["openpcs_node.pde"]
    assert "LoRaWAN.joinOTAA()" in sketch
    broken = ProgramSource(
        program.sketch,
        {**program.files, "openpcs_node.pde": sketch.replace("joinOTAA()", "joinOtaa()")},
        program.config_hash,
    )
    result = syntax_check(broken, tmp_path)
    assert result.returncode != 0
    assert "joinOtaa" in result.stderr


def test_hostile_text_in_the_configuration_stays_text(tmp_path: Path) -> None:
    from openpcs.program.generator import generate_checked
    from tests.config.helpers import check, config

    wifi = {
        "type": "wifi",
        "essid": 'a"b\\c */ d',
        "password": 'p"w\\d*/long-enough',
    }
    data = config(
        node_name="n*/x",
        radio=wifi,
        destination={"type": "http", "host": "example.org", "path": "/in"},
    )
    result = check(data)
    assert result.errors == [], [f"{i.path}: {i.message}" for i in result.errors]
    program = generate_checked(result)
    assert 'WIFI_PRO.setESSID("a\\"b\\\\c */ d");' in program.files["openpcs_node.pde"]
    assert "(n* /x)" in program.files["node_values.cpp"]  # the comment stays closed
    _assert_compiles(program, tmp_path)
