"""The AVR toolchain: where its programs are, which version they are, and the Waspmote flags.

The flags are those the Waspmote IDE uses for the ATmega1281 at 14.7456 MHz (reference §7, §9):
``-Os`` with function and data sections, C++ as gnu++11 without exceptions, and a link with
``--gc-sections`` then ``-lm``. Two more serve the stack check and change no code: every unit
is compiled with ``-fstack-usage`` (a ``.su`` file beside each object) and the link keeps its
relocations (``--emit-relocs``), which say which functions the program takes the address of.
``OPENPCS_AVR_BIN`` points at a directory holding the programs when they are not on ``PATH``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from openpcs.program.errors import ToolchainMissing

__all__ = [
    "CXX_FLAGS",
    "C_FLAGS",
    "FLASH_LIMIT",
    "LINK_FLAGS",
    "MCU",
    "RAM_LIMIT",
    "SYNTAX_FLAGS",
    "Toolchain",
    "find_toolchain",
    "libc_path",
]

MCU: Final = "atmega1281"
#: ``upload.maximum_size`` and ``upload.maximum_data_size`` of the Waspmote board definition.
FLASH_LIMIT: Final = 122_880
RAM_LIMIT: Final = 8_192
_DEFINES: Final = (
    f"-mmcu={MCU}",
    "-DF_CPU=14745600L",
    "-DARDUINO=10613",
    "-DARDUINO_AVR_WASP",
    "-DARDUINO_ARCH_AVR",
)
_COMPILE: Final = (
    "-c",
    "-g",
    "-Os",
    "-w",
    "-ffunction-sections",
    "-fdata-sections",
    "-fstack-usage",
)
C_FLAGS: Final = (*_DEFINES, *_COMPILE, "-std=gnu11")
CXX_FLAGS: Final = (
    *_DEFINES,
    *_COMPILE,
    "-std=gnu++11",
    "-fno-exceptions",
    "-fno-threadsafe-statics",
)
LINK_FLAGS: Final = ("-w", "-Os", "-Wl,--gc-sections", "-Wl,--emit-relocs", f"-mmcu={MCU}")
#: What the on-every-machine compile check uses against declaration-only headers.
SYNTAX_FLAGS: Final = (f"-mmcu={MCU}", "-std=gnu++11", "-fsyntax-only", "-DF_CPU=14745600L")
_PROGRAMS: Final = ("avr-gcc", "avr-g++", "avr-ar", "avr-objcopy", "avr-objdump", "avr-size")


@dataclass(frozen=True, slots=True)
class Toolchain:
    """Paths of the AVR programs and the compiler's version line."""

    gcc: Path
    gxx: Path
    ar: Path
    objcopy: Path
    objdump: Path
    size: Path
    version: str

    @property
    def identity(self) -> str:
        """A short text naming the toolchain, for manifests and cache keys."""
        return f"{self.version} ({self.gcc})"

    def fingerprint(self) -> str:
        """Hash of the compiler version, its C library and the flags: a change in any of them
        invalidates cached objects."""
        text = "\n".join((self.version, _libc_digest(self.gcc), *C_FLAGS, *CXX_FLAGS, *LINK_FLAGS))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _locate(name: str, directory: str | None) -> Path | None:
    if directory:
        candidate = Path(directory) / name
        return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None
    found = shutil.which(name)
    return Path(found) if found else None


@cache
def _version(gcc: Path) -> str:
    try:
        result = subprocess.run(
            [str(gcc), "--version"], capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolchainMissing(f"{gcc} does not run ({exc.__class__.__name__})") from None
    return result.stdout.splitlines()[0].strip() if result.stdout else "avr-gcc (unknown version)"


def libc_path(gcc: Path) -> Path | None:
    """The avr-libc archive the compiler links for the ATmega1281, or ``None`` when the
    compiler does not run or avr-libc is not installed."""
    try:
        result = subprocess.run(
            [str(gcc), f"-mmcu={MCU}", "-print-file-name=libc.a"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(result.stdout.strip())
    return path.resolve() if path.is_absolute() and path.is_file() else None


@cache
def _libc_digest(gcc: Path) -> str:
    """SHA-256 of the avr-libc the compiler links for the ATmega1281 (empty if not found)."""
    path = libc_path(gcc)
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else ""
    except OSError:
        return ""


def find_toolchain(directory: str | None = None) -> Toolchain:
    """Find the AVR programs in ``directory``, ``$OPENPCS_AVR_BIN`` or on ``PATH``.

    Raises :class:`ToolchainMissing` naming every program that was not found and how to get it.
    """
    where = directory or os.environ.get("OPENPCS_AVR_BIN") or None
    paths = {name: _locate(name, where) for name in _PROGRAMS}
    missing = [name for name, path in paths.items() if path is None]
    if missing:
        place = f"in {where}" if where else "on PATH"
        raise ToolchainMissing(
            f"the AVR toolchain is not installed ({', '.join(missing)} not found {place}); "
            "on Debian or Ubuntu: apt-get install gcc-avr avr-libc binutils-avr"
        )
    found = {name: path for name, path in paths.items() if path is not None}
    return Toolchain(
        gcc=found["avr-gcc"],
        gxx=found["avr-g++"],
        ar=found["avr-ar"],
        objcopy=found["avr-objcopy"],
        objdump=found["avr-objdump"],
        size=found["avr-size"],
        version=_version(found["avr-gcc"]),
    )
