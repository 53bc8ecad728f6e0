"""What the upload tests share: a real AVR serial bootloader built for the Waspmote's clock and
baud rate, the node's programs, and bundles holding them.

The bootloader is ATmegaBOOT, whose source Debian's arduino-core-avr ships; it is built here
with avr-gcc for the ATmega1281's sibling (the ATmega1280: the same core, UART0 and 128 KiB
flash; its source does not name the 1281), at 14.7456 MHz and 115,200 baud, in a 4 KiB boot
section at 0x1F000. It gives up waiting after about a second without a byte, and reports the
1280's signature (avrdude's -F lets that pass, as it must for the Waspmote's own).
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path
from typing import Final

from tests.requirements import require_programs, skip_or_fail
from tests.twin.test_harness import _built

__all__ = ["BOOT_SECTION", "bootloader", "bundle_of", "node_program"]

_SOURCE: Final = Path("/usr/share/arduino/hardware/arduino/avr/bootloaders/atmega/ATmegaBOOT_168.c")
BOOT_SECTION: Final = 0x1F000


def bootloader(out: Path) -> Path:
    """The bootloader, built in ``out`` (its .hex)."""
    require_programs("avr-gcc", "avr-objcopy", "avrdude", "gcc")
    if not _SOURCE.is_file():
        skip_or_fail(f"{_SOURCE} not found (make deps, or apt-get install arduino-core-avr)")
    elf, hex_path = out / "bootloader.elf", out / "bootloader.hex"
    flags = ["-DF_CPU=14745600L", "-DMAX_TIME_COUNT=F_CPU>>4", "-DNUM_LED_FLASHES=0"]
    flags += ["-DBAUD_RATE=115200", f"-Wl,--section-start=.text={BOOT_SECTION:#x}"]
    subprocess.run(
        ["avr-gcc", "-Os", "-mmcu=atmega1280", *flags, "-o", str(elf), str(_SOURCE)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["avr-objcopy", "-O", "ihex", "-R", ".eeprom", str(elf), str(hex_path)], check=True
    )
    return hex_path


def node_program(out: Path, serial: str) -> Path:
    """A program that says it is node ``serial`` (its .hex, in ``out``)."""
    folder = out / serial
    folder.mkdir(exist_ok=True)
    program, _ = _built("says_node", folder, f'SERIAL="{serial}"')
    return program


def bundle_of(out: Path, serial: str, program: Path | None) -> Path:
    """A bundle as openpcs build writes it for node ``serial``, holding ``program`` (``None``:
    built source only)."""
    binary: dict[str, object] = {"included": program is not None}
    if program is None:
        binary["reason"] = "source only was asked for (--source-only)"
    else:
        binary["hex"] = f"{serial}.hex"
    manifest = {"openpcs_version": "0.1.0", "serial": serial, "binary": binary}
    path = out / f"{serial}-{'built' if program else 'source'}.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("manifest.json", json.dumps(manifest))
        if program is not None:
            bundle.write(program, f"{serial}.hex")
    return path
