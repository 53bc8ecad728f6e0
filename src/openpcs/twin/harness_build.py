"""The emulator programs built once per source into the openpcs cache (docs/twin.md): the node
twin's harness and the upload bench, which share the chip, loading and UART sources.

:func:`harness_binary` compiles a program's C sources with the system ``gcc`` against
``libsimavr`` the first time a source is seen (``<cache>/twin/<sha256 of the sources and
simavr's headers>/<program>``), written to a temporary name and renamed, so two processes
never run half a file.
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

__all__ = ["PROGRAMS", "HarnessError", "harness_binary"]

#: what every program is built from besides its own main source
_SHARED: Final = (
    "harness_chip.c",
    "harness_chip.h",
    "harness_load.c",
    "harness_load.h",
    "harness_pipe.c",
    "harness_pipe.h",
    "harness_uart.c",
    "harness_uart.h",
)
#: the programs, by name: their main source
PROGRAMS: Final = {"harness": "harness.c", "bench": "bench.c"}
_BUILD_TIMEOUT_S: Final = 120
_SIMAVR_HEADERS: Final = tuple(
    Path("/usr/include/simavr") / name
    for name in ("sim_avr.h", "avr_uart.h", "avr_twi.h", "avr_ioport.h", "sim_cycle_timers.h")
)


class HarnessError(Exception):
    """The harness cannot be built or run; the message says what to install or what failed."""


def _sources(program: str) -> dict[str, bytes]:
    package = resources.files("openpcs.twin")
    names = (PROGRAMS[program], *_SHARED)
    return {name: package.joinpath(name).read_bytes() for name in names}


def harness_binary(cache_root: Path | None = None, program: str = "harness") -> Path:
    """The built ``program`` (a name of :data:`PROGRAMS`) for these sources, compiling it on
    first use; :class:`HarnessError` naming the packages to install when ``gcc`` or simavr's
    library is missing."""
    sources = _sources(program)
    # the harness reads simavr's structures: a new libsimavr is a new harness
    headers = b"".join(path.read_bytes() for path in _SIMAVR_HEADERS if path.is_file())
    digest = hashlib.sha256(b"".join(sources.values()) + headers).hexdigest()[:20]
    target = (cache_root or default_cache_dir()) / "twin" / digest / program
    if target.is_file():
        return target
    compiler = shutil.which("gcc")
    if compiler is None:
        raise HarnessError(f"the twin needs gcc to build its {program}: apt-get install gcc")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="openpcs-twin-") as scratch:
        for name, text in sources.items():
            (Path(scratch) / name).write_bytes(text)
        built = Path(scratch) / program
        units = [str(Path(scratch) / name) for name in sources if name.endswith(".c")]
        command = [compiler, "-O2", "-o", str(built), *units, "-lsimavr"]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=_BUILD_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            raise HarnessError(f"building the twin's {program} timed out") from None
        if done.returncode != 0:
            first = (done.stderr.strip().splitlines() or ["no message"])[0]
            if "simavr" in done.stderr:
                raise HarnessError(
                    "the twin needs simavr's library: apt-get install simavr libsimavr-dev "
                    f"({first})"
                )
            raise HarnessError(f"building the twin's {program} failed: {first}")
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
