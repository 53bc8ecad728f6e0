"""What a test needs from the machine: programs on PATH, checked before the test runs.

A test that needs a program the machine lacks skips and names the Debian package that brings it
(``make deps`` installs them all); with ``OPENPCS_REQUIRE_SERVICES=1`` (set by CI) it fails
instead, so that on CI nothing skips.
"""

from __future__ import annotations

import os
import shutil

import pytest

__all__ = ["REQUIRE_SERVICES", "require_programs", "skip_or_fail"]

REQUIRE_SERVICES = os.environ.get("OPENPCS_REQUIRE_SERVICES") == "1"
#: the Debian package that brings each program the tests run
PACKAGES = {
    "avr-gcc": "gcc-avr",
    "avr-g++": "gcc-avr",
    "avr-objdump": "binutils-avr",
    "avr-size": "binutils-avr",
    "avr-objcopy": "binutils-avr",
    "avr-nm": "binutils-avr",
    "avrdude": "avrdude",
    "gcc": "gcc",
    "g++": "g++",
    "git": "git",
}


def skip_or_fail(message: str) -> None:
    """Skip (or, on CI, fail) a test that cannot run here, saying why."""
    if REQUIRE_SERVICES:
        pytest.fail(message + " and OPENPCS_REQUIRE_SERVICES=1 demands it")
    pytest.skip(message)


def require_programs(*programs: str) -> None:
    """Skip (or fail on CI) unless every one of ``programs`` is on PATH."""
    missing = [name for name in programs if shutil.which(name) is None]
    if missing:
        packages = sorted({PACKAGES.get(name, name) for name in missing})
        skip_or_fail(
            f"{', '.join(missing)} not installed (make deps, or apt-get install "
            f"{' '.join(packages)})"
        )
