"""The emulator harness built once per source into the openpcs cache (docs/twin.md).

:func:`harness_binary` compiles the C sources (``harness*.c``) with the
system ``gcc`` against ``libsimavr`` the first time a source is seen
(``<cache>/twin/<sha256 of the sources and simavr's headers>/harness``), written to a
temporary name and renamed, so two processes never run half a file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path
from typing import Final

from openpcs.program.cache import default_cache_dir

__all__ = ["HarnessError", "harness_binary"]

_SOURCES: Final = (
    "harness.c",
    "harness_load.c",
    "harness_load.h",
    "harness_pipe.c",
    "harness_pipe.h",
    "harness_uart.c",
    "harness_uart.h",
)
_BUILD_TIMEOUT_S: Final = 120
_SIMAVR_HEADERS: Final = tuple(
    Path("/usr/include/simavr") / name
    for name in ("sim_avr.h", "avr_uart.h", "avr_twi.h", "avr_ioport.h", "sim_cycle_timers.h")
)


class HarnessError(Exception):
    """The harness cannot be built or run; the message says what to install or what failed."""


def _sources() -> dict[str, bytes]:
    package = resources.files("openpcs.twin")
    return {name: package.joinpath(name).read_bytes() for name in _SOURCES}


def harness_binary(cache_root: Path | None = None) -> Path:
    """The built harness for these sources, compiling it on first use; :class:`HarnessError`
    naming the packages to install when ``gcc`` or simavr's library is missing."""
    sources = _sources()
    # the harness reads simavr's structures: a new libsimavr is a new harness
    headers = b"".join(path.read_bytes() for path in _SIMAVR_HEADERS if path.is_file())
    digest = hashlib.sha256(b"".join(sources.values()) + headers).hexdigest()[:20]
    target = (cache_root or default_cache_dir()) / "twin" / digest / "harness"
    if target.is_file():
        return target
    compiler = shutil.which("gcc")
    if compiler is None:
        raise HarnessError("the twin needs gcc to build its harness: apt-get install gcc")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="openpcs-twin-") as scratch:
        for name, text in sources.items():
            (Path(scratch) / name).write_bytes(text)
        built = Path(scratch) / "harness"
        units = [str(Path(scratch) / name) for name in _SOURCES if name.endswith(".c")]
        command = [compiler, "-O2", "-o", str(built), *units, "-lsimavr"]
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
        _keep(built, target)
    return target


def _keep(built: Path, target: Path) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".harness.")
    os.close(handle)
    try:
        shutil.copyfile(built, temporary)
        os.chmod(temporary, 0o755)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise HarnessError(f"the twin's harness cannot be kept in the cache: {exc}") from None
