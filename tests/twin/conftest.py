"""What every twin test needs: the AVR toolchain, the host's gcc and simavr's library."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.requirements import require_programs, skip_or_fail


@pytest.fixture(autouse=True)
def _simavr() -> None:
    require_programs("avr-gcc", "avr-objcopy", "avr-nm", "gcc")
    if not Path("/usr/include/simavr/sim_avr.h").is_file():
        skip_or_fail(
            "simavr's library is not installed (make deps, or apt-get install simavr libsimavr-dev)"
        )
