"""The emulator harness: ``harness.c`` built once per source into the openpcs cache, run on a
program, and what it says read back (docs/twin.md).

:func:`harness_binary` compiles the C source with the system ``gcc`` against ``libsimavr``
the first time a source is seen (``<cache>/twin/<sha256 of the source>/harness``, written to a
temporary name and renamed, so two processes never run half a file). :func:`run_program`
runs a ``.hex`` for a number of MCU cycles with the bytes each UART is to receive, and gives
back what the program sent and why the run stopped.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass, field
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Final

from openpcs.program.cache import default_cache_dir

__all__ = [
    "CLOCK_HZ",
    "HarnessError",
    "RunResult",
    "Stop",
    "StopReason",
    "harness_binary",
    "run_program",
]

#: the Waspmote's crystal
CLOCK_HZ: Final = 14_745_600
_SOURCE: Final = "harness.c"
_BUILD_TIMEOUT_S: Final = 120
_HEADER: Final = struct.Struct("<cH")
_STOP: Final = struct.Struct("<cIQ")


class HarnessError(Exception):
    """The harness cannot be built or run; the message says what to install or what failed."""


class StopReason(Enum):
    """Why a run ended."""

    CYCLE_LIMIT = "L"
    STACK_GUARD = "G"
    CRASHED = "C"
    STOPPED = "D"


@dataclass(frozen=True)
class Stop:
    """Where and when the run ended (``pc`` a byte address in flash, ``cycle`` the MCU's)."""

    reason: StopReason
    pc: int
    cycle: int
    text: str

    @property
    def seconds(self) -> float:
        """The MCU time at the stop."""
        return self.cycle / CLOCK_HZ


@dataclass
class RunResult:
    """What the program sent on each UART (by port number) and how the run ended."""

    stop: Stop
    sent: dict[int, bytes] = field(default_factory=dict)


def _source_text() -> bytes:
    return resources.files("openpcs.twin").joinpath(_SOURCE).read_bytes()


def harness_binary(cache_root: Path | None = None) -> Path:
    """The built harness for this source, compiling it on first use; :class:`HarnessError`
    naming the packages to install when ``gcc`` or simavr's library is missing."""
    source = _source_text()
    digest = hashlib.sha256(source).hexdigest()[:20]
    target = (cache_root or default_cache_dir()) / "twin" / digest / "harness"
    if target.is_file():
        return target
    compiler = shutil.which("gcc")
    if compiler is None:
        raise HarnessError("the twin needs gcc to build its harness: apt-get install gcc")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="openpcs-twin-") as scratch:
        source_path = Path(scratch) / _SOURCE
        source_path.write_bytes(source)
        built = Path(scratch) / "harness"
        command = [compiler, "-O2", "-o", str(built), str(source_path), "-lsimavr"]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=_BUILD_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            raise HarnessError("building the twin's harness timed out") from None
        if done.returncode != 0:
            first = (done.stderr.strip().splitlines() or ["no message"])[0]
            if "simavr" in done.stderr:
                raise HarnessError(
                    "the twin needs simavr's library: apt-get install simavr libsimavr-dev "
                    f"({first})"
                )
            raise HarnessError(f"building the twin's harness failed: {first}")
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".harness.")
        os.close(handle)
        shutil.copyfile(built, temporary)
        os.chmod(temporary, 0o755)
        os.replace(temporary, target)
    return target


def _messages(data: bytes) -> list[tuple[str, bytes]]:
    """The harness's messages; :class:`HarnessError` when its output is cut short."""
    found = []
    at = 0
    while at < len(data):
        if len(data) - at < _HEADER.size:
            raise HarnessError("the harness's output ends inside a message")
        kind, length = _HEADER.unpack_from(data, at)
        at += _HEADER.size
        payload = data[at : at + length]
        if len(payload) != length:
            raise HarnessError("the harness's output ends inside a message")
        found.append((kind.decode("ascii"), payload))
        at += length
    return found


def _framed(port: int, data: bytes) -> bytes:
    chunks = []
    for start in range(0, len(data), 60_000):
        part = bytes([port]) + data[start : start + 60_000]
        chunks.append(_HEADER.pack(b"U", len(part)) + part)
    return b"".join(chunks)


def run_program(
    hex_path: Path,
    *,
    cycles: int,
    stack_limit: int = 0,
    received: dict[int, bytes] | None = None,
    cache_root: Path | None = None,
    timeout_s: float = 600,
) -> RunResult:
    """Run ``hex_path`` for at most ``cycles`` MCU cycles, each UART receiving the bytes of
    ``received`` (port → bytes) as fast as the program reads them. ``stack_limit`` (the first
    address above ``.data``/``.bss``) turns the stack guard on. :class:`HarnessError` when
    the harness cannot run the file or ends without saying why."""
    binary = harness_binary(cache_root)
    command = [str(binary), str(hex_path), str(CLOCK_HZ), str(stack_limit), str(cycles)]
    feed = b"".join(_framed(port, data) for port, data in (received or {}).items())
    try:
        done = subprocess.run(
            command, input=feed, capture_output=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        raise HarnessError(f"the run took longer than {timeout_s:g} s of host time") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise HarnessError(f"the harness could not run {hex_path.name}: {said}")
    sent: dict[int, bytearray] = {}
    stop: Stop | None = None
    for kind, payload in _messages(done.stdout):
        if kind == "U" and payload:
            sent.setdefault(payload[0], bytearray()).extend(payload[1:])
        elif kind == "S" and len(payload) >= _STOP.size:
            code, pc, cycle = _STOP.unpack_from(payload)
            text = payload[_STOP.size :].decode("utf-8", "replace")
            stop = Stop(StopReason(code.decode("ascii")), pc, cycle, text)
    if stop is None:
        raise HarnessError("the harness ended without saying why")
    return RunResult(stop, {port: bytes(data) for port, data in sent.items()})
