"""Shared test settings: hypothesis never asserts on time (no deadline)."""

import pytest
from hypothesis import HealthCheck, settings

from tests.requirements import require_programs

settings.register_profile(
    "openpcs",
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("openpcs")


@pytest.fixture
def avr_toolchain() -> None:
    """The AVR toolchain is on PATH (skips, or fails on CI, when it is not)."""
    require_programs("avr-gcc", "avr-g++", "avr-objdump", "avr-size")
