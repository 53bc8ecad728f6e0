"""With a real Waspmote API (``WASPMOTE_API_DIR``; skipped with the reason when absent, as CI
has none): the program openpcs builds boots in the twin as a v15 Waspmote (its factory EEPROM,
the RTC answering), prints its banner and sets its XBee up, where simavr as packaged left it
waiting for UDRE0 before its first character (docs/twin.md)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from openpcs.config.check import check_file
from openpcs.program.api_tree import API_DIR_ENV
from openpcs.program.pipeline import choose_builder, program_node
from openpcs.twin.bus import I2cBus
from openpcs.twin.devices.crypto_eeprom import CRYPTO_EEPROM_ADDRESS, CryptoEeprom
from openpcs.twin.devices.rtc import RTC_ADDRESS, RealTimeClock
from openpcs.twin.harness import CLOCK_HZ, StopReason, run_program
from openpcs.twin.waspmote import factory_eeprom
from tests.config.test_examples import NODES

#: the first RAM address of an ATmega1281
_RAM_START = 0x200


@pytest.mark.usefixtures("avr_toolchain")
def test_the_built_program_boots_and_prints_its_banner(tmp_path: Path) -> None:
    api_dir = os.environ.get(API_DIR_ENV)
    if not api_dir:
        pytest.skip(f"needs a Waspmote API tree: set {API_DIR_ENV}")
    result = check_file(NODES / "smart-environment-pro_xbee-802-15-4_meshlium.yaml")
    assert result.config is not None
    made = program_node(result, tmp_path, choose_builder(api_dir))
    assert made.build is not None
    with zipfile.ZipFile(made.bundle.path) as bundle:
        hex_name = next(name for name in bundle.namelist() if name.endswith(".hex"))
        program = tmp_path / hex_name
        program.write_bytes(bundle.read(hex_name))
    clock = RealTimeClock()
    chip = CryptoEeprom(bytes.fromhex(result.config.serial or ""))
    run = run_program(
        program,
        cycles=3 * CLOCK_HZ,  # three seconds of the node's time
        stack_limit=_RAM_START + made.build.ram_bytes,
        bus=I2cBus({RTC_ADDRESS: clock, CRYPTO_EEPROM_ADDRESS: chip}),
        eeprom=factory_eeprom(),
        cache_root=tmp_path,
    )
    console = run.sent.get(0, b"")  # UART0: the USB console and socket 0's XBee in turn
    assert console.startswith(b"openpcs "), console[:200]
    assert b"Smart Environment PRO program" in console
    assert b"Waspmote version is v12" not in console  # the factory EEPROM says v15
    assert b"it runs on" not in console  # the serial number read is the node's own
    assert b"\x7e\x00\x05\x08" in console  # an XBee API frame: an AT command to the module
    assert run.stop.reason is StopReason.CYCLE_LIMIT  # neither crashed nor out of stack
    assert clock.problems == []
    assert chip.problems == []
