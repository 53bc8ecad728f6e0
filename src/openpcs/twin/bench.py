"""The upload bench (``bench.c``): a program on the emulated ATmega1281, in real time, with
UART0 on a pseudo-terminal that a host program opens as it would a node's USB port.

``with UploadBench(bootloader_hex, reset_address=0x1F000) as bench:`` gives the port's path
(:attr:`UploadBench.port`); opening it resets the MCU, as a node's USB chip does with DTR.
:meth:`UploadBench.flash` reads the whole flash back; :attr:`UploadBench.heard` holds, for each
reset, how long after it the host's first byte came (µs of MCU time).
"""

from __future__ import annotations

import queue
import subprocess
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import IO, Final

from openpcs.twin.harness import CLOCK_HZ
from openpcs.twin.harness_build import HarnessError, harness_binary

__all__ = ["FLASH_BYTES", "BenchError", "UploadBench"]

#: the ATmega1281's flash
FLASH_BYTES: Final = 0x20000
_START_TIMEOUT_S: Final = 10
_ANSWER_TIMEOUT_S: Final = 10


class BenchError(Exception):
    """The bench cannot be built, started or asked; the message says why."""


class UploadBench:
    """``program`` (Intel HEX) run from ``reset_address`` after each reset."""

    def __init__(
        self, program: Path, *, reset_address: int, cache_root: Path | None = None
    ) -> None:
        self.program = program
        self.reset_address = reset_address
        self.cache_root = cache_root
        #: µs of MCU time from each reset to the host's first byte after it
        self.heard: list[float] = []
        self.port = ""
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> UploadBench:
        try:
            binary = harness_binary(self.cache_root, "bench")
        except HarnessError as exc:
            raise BenchError(str(exc)) from None
        self._scratch = tempfile.TemporaryDirectory(prefix="openpcs-bench-")
        dump = Path(self._scratch.name) / "flash.bin"
        command = [str(binary), str(self.program), hex(self.reset_address), str(CLOCK_HZ)]
        # what it says of itself goes to a file: a pipe nobody reads would fill and block it
        with (Path(self._scratch.name) / "said.txt").open("w") as said:
            self._process = subprocess.Popen(
                [*command, str(dump)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=said,
                text=True,
            )
        assert self._process.stdout is not None
        threading.Thread(target=self._read, args=(self._process.stdout,), daemon=True).start()
        first = self._next_line(_START_TIMEOUT_S)
        if not first.startswith("pty "):
            self._stop()
            raise BenchError(f"the bench did not start: {first or self._said()}")
        self.port = first.removeprefix("pty ")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            text = line.strip()
            if text.startswith("heard "):
                self.heard.append(float(text.removeprefix("heard ")))
            else:
                self._lines.put(text)
        self._lines.put(None)

    def _next_line(self, timeout: float) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            return ""
        return line or ""

    def _said(self) -> str:
        process = self._process
        if process is None or process.poll() is None or self._scratch is None:
            return "no answer"
        said = (Path(self._scratch.name) / "said.txt").read_text().strip()
        return said or f"it ended with status {process.returncode}"

    def _ask(self, command: str, answer: str) -> None:
        process = self._process
        if process is None or process.stdin is None:
            raise BenchError("the bench is not running")
        process.stdin.write(command + "\n")
        process.stdin.flush()
        got = self._next_line(_ANSWER_TIMEOUT_S)
        if got != answer:
            raise BenchError(f"the bench answered {got or self._said()!r} to {command!r}")

    def reset(self) -> None:
        """Reset the MCU now."""
        self._ask("reset", "reset")

    def flash(self) -> bytes:
        """The whole flash, as the MCU holds it now."""
        self._ask("dump", "dumped")
        assert self._scratch is not None
        return (Path(self._scratch.name) / "flash.bin").read_bytes()

    def _stop(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            try:
                assert process.stdin is not None
                process.stdin.write("quit\n")
                process.stdin.close()
                process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
