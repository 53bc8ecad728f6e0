"""``openpcs upload`` against a real AVR serial bootloader on the emulated ATmega1281 (the upload
bench: UART0 on a pseudo-terminal, reset when the port is opened) and the real avrdude: a
bundle is written, verified, and the flash read back holds it byte for byte; a bundle for
another node is refused once the node has said which it is; a source-only bundle, a port
that does not exist and a silent bootloader each end with a clear message and exit 1."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openpcs.cli import app
from openpcs.program.intel_hex import read_intel_hex
from openpcs.twin.bench import FLASH_BYTES, UploadBench
from tests.twin.test_harness import _built
from tests.upload.bench_node import BOOT_SECTION, bootloader, bundle_of, node_program

runner = CliRunner()
_NODE = "0011A2B3C4D5E6F7"
_OTHER = "7C8D9EAFB0C1D2E4"
#: the bench bootloader's idle wait (ATmegaBOOT's MAX_TIME_COUNT, F_CPU >> 4 loops), in µs
_LISTENING_US = 1_000_000


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[UploadBench]:
    with UploadBench(
        bootloader(tmp_path), reset_address=BOOT_SECTION, cache_root=tmp_path
    ) as running:
        yield running


def _upload(*arguments: str) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["upload", *arguments, "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_a_bundle_is_written_verified_and_read_back_equal(
    tmp_path: Path, bench: UploadBench
) -> None:
    program = node_program(tmp_path, _NODE)
    code, outcome = _upload(str(bundle_of(tmp_path, _NODE, program)), "--port", bench.port)
    assert code == 0, outcome
    image = read_intel_hex(program.read_text())
    assert outcome["bytes_verified"] == image.size
    # the bootloader (the node's own program, none yet) says nothing: the serial is not checked
    assert str(outcome["node_check"]).startswith("not checked: the node's program did not tell")
    flash = bench.flash()
    assert len(flash) == FLASH_BYTES
    assert flash[: image.end] == image.fill(image.end)
    assert flash[image.end : BOOT_SECTION] == b"\xff" * (BOOT_SECTION - image.end)
    # avrdude's first byte came within the bootloader's listening window after the reset
    assert bench.heard
    assert all(0 < heard < _LISTENING_US for heard in bench.heard)


def test_a_bundle_for_another_node_is_refused_once_the_node_says_which_it_is(
    tmp_path: Path, bench: UploadBench
) -> None:
    mine = node_program(tmp_path, _NODE)
    assert _upload(str(bundle_of(tmp_path, _NODE, mine)), "--port", bench.port)[0] == 0
    other = bundle_of(tmp_path, _OTHER, node_program(tmp_path, _OTHER))
    code, outcome = _upload(str(other), "--port", bench.port)
    assert code == 1
    assert outcome["error"] == (
        f"this bundle is for node {_OTHER}, the node on {bench.port} is {_NODE}: connect the "
        "right node (or give --force to write it anyway)"
    )
    image = read_intel_hex(mine.read_text())
    assert bench.flash()[: image.end] == image.fill(image.end)  # nothing was written
    # the right bundle goes on, and the node says it is the one
    code, outcome = _upload(str(bundle_of(tmp_path, _NODE, mine)), "--port", bench.port)
    assert (code, outcome["node_check"]) == (0, f"node {_NODE}")
    code, outcome = _upload(str(other), "--port", bench.port, "--force")
    assert (code, outcome["node_check"]) == (0, f"node {_NODE} (another node: --force)")


def test_a_node_whose_serial_chip_did_not_answer_is_not_checked(
    tmp_path: Path, bench: UploadBench
) -> None:
    """An openpcs program on a board whose serial chip does not answer (the bench has none)
    says node 0000000000000000: not another node, one that cannot be checked."""
    unread = node_program(tmp_path, "0" * 16)
    assert _upload(str(unread), "--port", bench.port)[0] == 0
    code, outcome = _upload(str(bundle_of(tmp_path, _NODE, unread)), "--port", bench.port)
    assert code == 0
    assert outcome["node_check"] == (
        "not checked: the node's program could not read its serial chip (it said 0000000000000000)"
    )
    assert outcome["bundle_serial"] == _NODE


def test_a_source_only_bundle_and_a_missing_port_are_refused(tmp_path: Path) -> None:
    source_only = bundle_of(tmp_path, _NODE, None)
    code, outcome = _upload(str(source_only), "--port", "/dev/null")
    assert code == 1
    assert outcome["error"] == (
        f"{source_only}: the bundle holds no binary (source only was asked for "
        "(--source-only)): build it with the Waspmote API (--api-dir)"
    )
    program = bundle_of(tmp_path, _NODE, node_program(tmp_path, _NODE))
    code, outcome = _upload(str(program), "--port", "/dev/ttyUSB-not-there")
    assert (code, outcome["error"]) == (
        1,
        "no port /dev/ttyUSB-not-there: is the node connected by USB?",
    )


def test_a_silent_bootloader_is_a_node_to_switch_on(tmp_path: Path) -> None:
    """A node whose bootloader does not answer (here: no bootloader, a program that never
    touches its UART, as a node that is off says nothing) ends the upload after avrdude's
    three attempts, not its own ten (about 50 s)."""
    silent_program, _ = _built("spin", tmp_path)
    program = tmp_path / "node.hex"
    program.write_text(silent_program.read_text())
    started = time.monotonic()
    with UploadBench(silent_program, reset_address=0, cache_root=tmp_path) as silent:
        code, outcome = _upload(str(program), "--port", silent.port)
    assert code == 1
    assert outcome["error"] == (
        f"no answer from the node's bootloader on {silent.port}: switch the node on and try again"
    )
    assert time.monotonic() - started < 40
