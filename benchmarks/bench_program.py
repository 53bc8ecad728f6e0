"""Program generation, bundling and building: the figures batch programming depends on.

1. 100 nodes from one template, generation plus bundling only (no compiler): the aim is under
   5 s in total.
2. With a Waspmote API tree (``WASPMOTE_API_DIR``) and the AVR toolchain: one cold build into an
   empty cache, then the marginal cost per node of a batch with the cache warm.

Run with ``make bench``; the figures go in the closing notes, never in tests.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from openpcs.config.check import check_file
from openpcs.program import build as build_module
from openpcs.program.api_tree import find_api_tree
from openpcs.program.batch import run_batch
from openpcs.program.build import Builder
from openpcs.program.errors import ApiTreeError, ToolchainMissing
from openpcs.program.generator import generate_checked
from openpcs.program.pipeline import BuilderChoice
from openpcs.program.source import ProgramSource
from openpcs.program.stack_usage import StackReport
from openpcs.program.toolchain import find_toolchain

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "examples" / "batch" / "air-quality-template.yaml"
EXAMPLE = ROOT / "examples" / "nodes" / "smart-environment-pro_xbee-802-15-4_meshlium.yaml"


def _nodes_csv(directory: Path, count: int) -> Path:
    path = directory / "nodes.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["serial", "name", "encryption.key"])
        for index in range(count):
            writer.writerow([f"3C{index:014X}", f"node-{index:03d}", f"{index:032d}"])
    return path


def source_only_batch() -> None:
    """100 nodes: check, generate and zip each (no compiler)."""
    with tempfile.TemporaryDirectory() as scratch:
        nodes = _nodes_csv(Path(scratch), 100)
        choice = BuilderChoice(None, "benchmark")
        start = time.perf_counter()
        report = run_batch(TEMPLATE, nodes, Path(scratch) / "out", choice, jobs=1)
        elapsed = time.perf_counter() - start
    assert not report.failed
    print(
        f"100 nodes, generation + bundling: {elapsed:.2f} s in total "
        f"({elapsed * 10:.1f} ms per node)"
    )
    result = check_file(EXAMPLE)
    rounds = 200
    start = time.perf_counter()
    for _ in range(rounds):
        generate_checked(result)
    per = (time.perf_counter() - start) / rounds
    print(f"generate one program: {per * 1000:.2f} ms")


def real_builds() -> None:
    """A cold build, then the per-node cost of a warm 20-node batch (1 and 2 jobs)."""
    try:
        tree = find_api_tree(os.environ.get("WASPMOTE_API_DIR"))
        toolchain = find_toolchain()
    except (ApiTreeError, ToolchainMissing) as exc:
        print(f"real builds skipped: {exc}")
        return
    with tempfile.TemporaryDirectory() as scratch:
        cache = Path(scratch) / "cache"
        builder = Builder(tree, toolchain, cache_root=cache)
        program = generate_checked(check_file(EXAMPLE))
        start = time.perf_counter()
        result = builder.build(program, Path(scratch) / "cold", hex_name="x.hex")
        cold = time.perf_counter() - start
        print(
            f"cold build (core + {len(result.libraries)} libraries + program): {cold:.2f} s, "
            f"{result.flash_bytes:,} B flash"
        )
        _stack_check_share(builder, program, Path(scratch))
        nodes = _nodes_csv(Path(scratch), 20)
        for jobs in (1, 2):
            choice = BuilderChoice(Builder(tree, toolchain, cache_root=cache, jobs=1))
            start = time.perf_counter()
            report = run_batch(TEMPLATE, nodes, Path(scratch) / f"out{jobs}", choice, jobs=jobs)
            elapsed = time.perf_counter() - start
            assert not report.failed, report.failed[0].message
            print(
                f"warm batch of 20 nodes with builds, {jobs} job(s): {elapsed:.2f} s, "
                f"{elapsed / 20 * 1000:.0f} ms per node"
            )


def _stack_check_share(builder: Builder, program: ProgramSource, scratch: Path) -> None:
    """The stack check's time inside whole warm builds of the same program (its anchor): a
    new builder each round, so the check is not served from the builder's own reports."""
    rounds = 5
    spent: list[float] = []
    real_check = build_module.check_stack

    def timed_check(*args: Any) -> StackReport:
        started = time.perf_counter()
        try:
            return real_check(*args)
        finally:
            spent.append(time.perf_counter() - started)

    build_module.check_stack = timed_check
    try:
        start = time.perf_counter()
        for index in range(rounds):
            fresh = Builder(
                builder.tree, builder.toolchain, cache_root=builder.cache.directory.parents[1]
            )
            fresh.build(program, scratch / f"warm{index}", hex_name="x.hex")
        build = (time.perf_counter() - start) / rounds
    finally:
        build_module.check_stack = real_check
    assert len(spent) == rounds, "every fresh builder checks the stack once"
    stack = sum(spent) / rounds
    print(
        f"warm build of a program not yet checked: {build * 1000:.0f} ms, of which the stack "
        f"check {stack * 1000:.0f} ms ({stack / build:.0%}); the other nodes of a batch reuse "
        "the check"
    )


def main() -> None:
    """Print the figures."""
    source_only_batch()
    real_builds()


if __name__ == "__main__":
    main()
