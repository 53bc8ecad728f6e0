"""One invalid configuration file per error rule; each fails with its rule at its path."""

from __future__ import annotations

from pathlib import Path

import pytest

from openpcs.config.check import check_file
from openpcs.config.rules import registered_rules

INVALID = sorted((Path(__file__).parent / "invalid").glob("*.yaml"))
WARNING_ONLY = {"event-power", "memory"}


def _expected(path: Path) -> tuple[str, str]:
    for line in path.read_text().splitlines():
        if line.startswith("# expect:"):
            rule, field = line.removeprefix("# expect:").split()
            return rule, field
    raise AssertionError(f"{path.name} has no '# expect:' line")


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_file_fails_at_its_path(path: Path) -> None:
    rule, field = _expected(path)
    result = check_file(path)
    found = [(i.rule, i.path) for i in result.errors]
    assert (rule, field) in found, found
    written = path.read_text()
    for issue in result.errors:  # a finding about a key in the file points at its line
        if f"\n{issue.path.split('.')[0]}:" in written:
            assert issue.line is not None, issue


def test_there_is_one_file_per_error_rule() -> None:
    assert {p.stem for p in INVALID} == set(registered_rules()) - WARNING_ONLY
