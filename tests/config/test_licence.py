"""Licence gates beyond one node: node counts 6/20/100 and batch programming (Elite)."""

from __future__ import annotations

import pytest

from openpcs.config.licence import check_batch, check_node_count


@pytest.mark.parametrize(("licence", "limit"), [("basic", 6), ("pro", 20), ("elite", 100)])
def test_node_counts(licence: str, limit: int) -> None:
    assert check_node_count(licence, limit) is None
    issue = check_node_count(licence, limit + 1)
    assert issue is not None
    assert issue.path == "licence"
    assert f"up to {limit} nodes" in issue.message


def test_batch_programming_is_elite_only() -> None:
    for licence in ("basic", "pro"):
        issue = check_batch(licence, 2)
        assert issue is not None
        assert "Elite" in issue.message
    assert check_batch("elite", 100) is None
    too_many = check_batch("elite", 101)
    assert too_many is not None
    assert "up to 100" in too_many.message
