"""Example programs for the program tests: every shipped example and the coverage set."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from openpcs.config.check import CheckResult, check_file
from openpcs.program.generator import generate_checked
from openpcs.program.source import ProgramSource
from tests.config.helpers import check
from tests.program.coverage import coverage_configs

ROOT = Path(__file__).resolve().parents[2]
NODES = ROOT / "examples" / "nodes"
EXAMPLES = sorted(p for p in NODES.glob("*.yaml") if p.name != "secrets.yaml")
SKETCH = "openpcs_node.pde"


@cache
def example_result(name: str) -> CheckResult:
    """The check of one example by file stem."""
    return check_file(NODES / f"{name}.yaml")


@cache
def example_program(name: str) -> ProgramSource:
    """The program of one example by file stem."""
    return generate_checked(example_result(name))


@cache
def coverage_programs() -> tuple[tuple[str, ProgramSource], ...]:
    """The programs of the coverage configurations (every probe in every socket)."""
    return tuple((name, generate_checked(check(data))) for name, data in coverage_configs())


def added_constants(sketch: str) -> list[str]:
    """The sensor constants a sketch adds, in order."""
    return re.findall(r"frame\.addSensor\((\w+)", sketch)
