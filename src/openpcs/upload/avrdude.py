"""Writing a program to the node with Debian's ``avrdude``: the command the node's bootloader
needs (``upload/data/waspmote_upload.yaml``), its progress read as it goes, and its outcome in
the user's words.

An upload counts as done only when avrdude ends well and said the flash was verified
(``<n> bytes of flash verified``). Its failures become an :class:`UploadError` that says what
to do: no port, no permission on it (the ``dialout`` group), the port taken by another program,
no answer from the bootloader (switch the node on), a verification that failed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from openpcs.upload.facts import UploadFacts
from openpcs.upload.program_file import UploadError

__all__ = ["Progress", "Uploaded", "avrdude_command", "in_user_words", "write_program"]

#: a phase of the upload ("preparing", "writing", "verifying") and how far it is (0..100)
Progress = Callable[[str, int], None]

_BAR_HASHES: Final = 50
_COUNT: Final = re.compile(r"(\d+) bytes of flash (written|verified)")
_VERSION: Final = re.compile(r"version (\d+)\.(\d+)", re.IGNORECASE)
_NO_ANSWER: Final = (
    "no answer from the node's bootloader on {port}: switch the node on and try again"
)
_NOT_VERIFIED: Final = (
    "the node's flash does not hold what was written (verification failed): try again"
)
#: what avrdude says, and what the user is told ({port} is the port)
_FAILURES: Final = (
    ("No such file or directory", "no port {port}: is the node connected by USB?"),
    (
        "Permission denied",
        "no permission on {port}: add yourself to the dialout group (sudo usermod -aG "
        "dialout $USER), then log out and in again",
    ),
    (
        "Device or resource busy",
        "{port} is in use by another program (a serial monitor?): close it and try again",
    ),
    ("verification", _NOT_VERIFIED),
    ("mismatch", _NOT_VERIFIED),
    ("not in sync", _NO_ANSWER),
    ("not responding", _NO_ANSWER),
    (
        "Inappropriate ioctl",
        "{port} is not a serial port: name the node's USB port (/dev/ttyUSB0, say)",
    ),
)


@dataclass(frozen=True)
class Uploaded:
    """A program written and verified: how many bytes, with which command."""

    port: str
    written: int
    verified: int
    command: tuple[str, ...]


def in_user_words(said: str, port: str) -> str | None:
    """What the user is told of a failure on ``port`` whose message is ``said`` (avrdude's, or
    the system's on opening the port); ``None`` when it is none the user can act on."""
    for clue, message in _FAILURES:
        if clue in said:
            return message.format(port=port)
    return None


def _avrdude() -> str:
    found = shutil.which("avrdude")
    if found is None:
        raise UploadError("avrdude is not installed: apt-get install avrdude")
    return found


def _takes_attempts(avrdude: str) -> bool:
    """Whether this avrdude takes ``-x attempts=`` (version 7 on)."""
    try:
        said = subprocess.run(
            [avrdude, "-?"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    version = _VERSION.search(said.stderr + said.stdout)
    return version is not None and int(version.group(1)) >= 7


def avrdude_command(facts: UploadFacts, port: str, hex_path: Path) -> list[str]:
    """The avrdude command that writes ``hex_path`` to the node on ``port`` and verifies it."""
    avrdude = _avrdude()
    command = [avrdude, "-p", facts.part, "-c", facts.programmer, "-P", port]
    command += ["-b", str(facts.baud), *facts.options]
    if _takes_attempts(avrdude):
        command += ["-x", f"attempts={facts.attempts}"]
    return [*command, "-U", f"flash:w:{hex_path}:i"]


class _ProgressReader:
    """avrdude's messages read as they come: its bars' hashes become progress."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.text: list[str] = []
        self._line: list[str] = []
        self._phase = "preparing"
        self._hashes = 0

    def feed(self, character: str) -> None:
        self.text.append(character)
        if character == "\n":
            self._end_line("".join(self._line))
            self._line = []
            return
        self._line.append(character)
        if character == "#" and "|" in self._line:
            self._hashes = min(_BAR_HASHES, self._hashes + 1)
            self.progress(self._phase, 100 * self._hashes // _BAR_HASHES)

    def _end_line(self, line: str) -> None:
        """A bar ends with its line; the lines before the bars say what the next one is."""
        self._hashes = 0
        if re.search(r"writing .*flash", line, re.IGNORECASE):
            self._phase = "writing"
        elif "verifying" in line.lower():
            self._phase = "verifying"


def write_program(command: list[str], port: str, progress: Progress) -> Uploaded:
    """Run ``command`` (from :func:`avrdude_command`) and follow it; :class:`UploadError` in the
    user's words unless the flash was written and verified."""
    reader = _ProgressReader(progress)
    try:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=0,
        )
    except OSError as exc:
        raise UploadError(f"avrdude cannot be run: {exc}") from None
    stream: IO[str] | None = process.stdout
    assert stream is not None
    while character := stream.read(1):
        reader.feed(character)
    status = process.wait()
    said = "".join(reader.text)
    counts = {kind: int(number) for number, kind in _COUNT.findall(said)}
    if status == 0 and "verified" in counts:
        return Uploaded(port, counts.get("written", 0), counts["verified"], tuple(command))
    told = in_user_words(said, port)
    if told is not None:
        raise UploadError(told)
    errors = [line for line in said.splitlines() if "error" in line.lower()]
    # the system's reason (an "OS error" line) says more than avrdude's last words
    causes = [line for line in errors if "os error" in line.lower()] or errors
    last = causes[-1].strip() if causes else f"it ended with status {status}"
    raise UploadError(f"avrdude did not write the program: {last}")
