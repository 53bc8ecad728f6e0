"""The emulator harness: ``harness.c`` built once per source into the openpcs cache, run on a
program, and what it says read back (docs/twin.md).

:func:`harness_binary` compiles the C source with the system ``gcc`` against ``libsimavr``
the first time a source is seen (``<cache>/twin/<sha256 of the source>/harness``, written to a
temporary name and renamed, so two processes never run half a file). :func:`run_program`
runs a ``.hex`` for a number of MCU cycles with the bytes each UART is to receive, and gives
back what the program sent and why the run stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import IO, Final

from openpcs.program.cache import default_cache_dir
from openpcs.twin.bus import I2cBus

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
_I2C: Final = struct.Struct("<cBQ")
_SIMAVR_HEADERS: Final = tuple(
    Path("/usr/include/simavr") / name for name in ("sim_avr.h", "avr_uart.h", "avr_twi.h")
)


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
    # the harness reads simavr's structures: a new libsimavr is a new harness
    headers = b"".join(path.read_bytes() for path in _SIMAVR_HEADERS if path.is_file())
    digest = hashlib.sha256(source + headers).hexdigest()[:20]
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
        try:
            shutil.copyfile(built, temporary)
            os.chmod(temporary, 0o755)
            os.replace(temporary, target)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise HarnessError(f"the twin's harness cannot be kept in the cache: {exc}") from None
    return target


def _framed(port: int, data: bytes) -> bytes:
    chunks = []
    for start in range(0, len(data), 60_000):
        part = bytes([port]) + data[start : start + 60_000]
        chunks.append(_HEADER.pack(b"U", len(part)) + part)
    return b"".join(chunks)


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    return data if data is not None else b""


def run_program(
    hex_path: Path,
    *,
    cycles: int,
    stack_limit: int = 0,
    received: dict[int, bytes] | None = None,
    bus: I2cBus | None = None,
    eeprom: bytes | None = None,
    cache_root: Path | None = None,
    timeout_s: float = 600,
) -> RunResult:
    """Run ``hex_path`` for at most ``cycles`` MCU cycles, each UART receiving the bytes of
    ``received`` (port → bytes) as fast as the program reads them, and ``bus`` answering its
    I2C steps (none: every address answers as an unmodelled chip). ``stack_limit`` (the first
    address above ``.data``/``.bss``) turns the stack guard on; ``eeprom`` is the MCU's EEPROM
    at start (from address 0, at most 4 KiB). :class:`HarnessError` when the harness cannot
    run the file or ends without saying why."""
    binary = harness_binary(cache_root)
    bus = bus if bus is not None else I2cBus()
    command = [str(binary), str(hex_path), str(CLOCK_HZ), str(stack_limit), str(cycles)]
    with tempfile.TemporaryDirectory(prefix="openpcs-twin-run-") as scratch:
        if eeprom is not None:
            image = Path(scratch) / "eeprom.bin"
            image.write_bytes(eeprom[:4096])
            command.append(str(image))
        return _run(command, hex_path, received, bus, timeout_s)


def _run(
    command: list[str],
    hex_path: Path,
    received: dict[int, bytes] | None,
    bus: I2cBus,
    timeout_s: float,
) -> RunResult:
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stdin, stdout = process.stdin, process.stdout
    if stdin is None or stdout is None:  # both were asked for: never so
        raise HarnessError("the harness's pipes could not be opened")
    lock = threading.Lock()

    def send(frame: bytes) -> None:
        # a harness that has stopped takes nothing more: its last message says why
        with lock, contextlib.suppress(BrokenPipeError, ValueError):
            stdin.write(frame)
            stdin.flush()

    def feed() -> None:
        for port, data in (received or {}).items():
            send(_framed(port, data))

    timed_out = threading.Event()

    def kill_on_time() -> None:
        timed_out.set()
        process.kill()

    killer = threading.Timer(timeout_s, kill_on_time)
    killer.start()
    threading.Thread(target=feed, daemon=True).start()
    sent: dict[int, bytearray] = {}
    stop: Stop | None = None
    try:
        while (header := _read_exactly(stdout, _HEADER.size)) and len(header) == _HEADER.size:
            kind, length = _HEADER.unpack(header)
            payload = _read_exactly(stdout, length)
            if len(payload) != length:
                raise HarnessError("the harness's output ends inside a message")
            if kind == b"U" and payload:
                sent.setdefault(payload[0], bytearray()).extend(payload[1:])
            elif kind == b"I" and len(payload) == _I2C.size:
                step, byte, cycle = _I2C.unpack(payload)
                answer = bus.step(step.decode("ascii"), byte, cycle)
                if step != b"p":
                    send(_HEADER.pack(b"A", 1) + bytes([answer & 0xFF]))
            elif kind == b"S" and len(payload) >= _STOP.size:
                code, pc, cycle = _STOP.unpack_from(payload)
                text = payload[_STOP.size :].decode("utf-8", "replace")
                stop = Stop(StopReason(code.decode("ascii")), pc, cycle, text)
    except BaseException:
        process.kill()  # a device model failed: the harness must not wait for its answer
        raise
    finally:
        # the harness stopped first: what it was not given no longer matters
        with contextlib.suppress(BrokenPipeError, ValueError):
            stdin.close()
        returncode = process.wait()
        killer.cancel()
        error = process.stderr.read() if process.stderr is not None else b""
        stdout.close()
        if process.stderr is not None:
            process.stderr.close()
    if returncode != 0:
        said = error.decode("utf-8", "replace").strip() or f"exit {returncode}"
        if timed_out.is_set():
            said = f"it took longer than {timeout_s:g} s of host time"
        elif returncode < 0:
            said = f"the harness was stopped by signal {-returncode}"
        raise HarnessError(f"the harness could not run {hex_path.name}: {said}")
    if stop is None:
        raise HarnessError("the harness ended without saying why")
    return RunResult(stop, {port: bytes(data) for port, data in sent.items()})
