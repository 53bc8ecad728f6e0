"""Licence gates that depend on more than one node: node counts and batch programming."""

from __future__ import annotations

from openpcs.catalog.devices import licences
from openpcs.config.issues import Issue, Severity

__all__ = ["check_batch", "check_node_count"]


def check_node_count(licence: str, nodes: int) -> Issue | None:
    """An error when a registry holds more nodes than the licence allows (6 / 20 / 100)."""
    spec = licences()[licence]
    if nodes > spec.nodes:
        return Issue(
            Severity.ERROR,
            "licence",
            f"{spec.name} programs up to {spec.nodes} nodes; this registry has {nodes}",
            rule="licence-nodes",
        )
    return None


def check_batch(licence: str, nodes: int) -> Issue | None:
    """An error when batch programming is asked of a licence without it, or beyond 100 nodes."""
    spec = licences()[licence]
    if not spec.batch_programming:
        return Issue(
            Severity.ERROR,
            "licence",
            f"batch programming needs the Elite licence, not {spec.name}",
            rule="licence-batch",
        )
    if nodes > spec.nodes:
        return Issue(
            Severity.ERROR,
            "licence",
            f"a batch holds up to {spec.nodes} nodes, not {nodes}",
            rule="licence-batch",
        )
    return None
