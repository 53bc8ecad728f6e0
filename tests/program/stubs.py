"""The compile check on every machine: generated programs against declaration-only headers.

``tests/waspmote_headers/`` holds headers written from the API signatures (reference §6); they
are not the Waspmote API, only enough of it to type-check a program. The sensor-id constants
come from the catalog's tables, written into ``openpcs_frame_ids.h`` by :func:`write_frame_ids`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from openpcs.catalog import sensor_table
from openpcs.program.source import ProgramSource
from openpcs.program.toolchain import SYNTAX_FLAGS

HEADERS = Path(__file__).resolve().parents[1] / "waspmote_headers"
COMPILER = "avr-g++"


def compiler() -> str | None:
    """The path of avr-g++, or ``None`` when it is not installed."""
    return shutil.which(COMPILER)


def write_frame_ids(directory: Path) -> Path:
    """``openpcs_frame_ids.h``: every API constant of the three sensor tables, with its id."""
    seen: dict[str, int] = {}
    for frame_type in (6, 7, 8):
        for sensor in sensor_table(frame_type).sensors:
            for constant in sensor.api_constants:
                seen.setdefault(constant, sensor.id)
    lines = ["/* sensor ids of the catalog's tables, for the compile check */"]
    lines += [f"#define {name} {value}" for name, value in sorted(seen.items())]
    path = directory / "openpcs_frame_ids.h"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def syntax_check(program: ProgramSource, directory: Path) -> subprocess.CompletedProcess[str]:
    """Type-check every translation unit of ``program`` (written into ``directory``)."""
    directory.mkdir(parents=True, exist_ok=True)
    write_frame_ids(directory)
    for name, text in program.files.items():
        (directory / name).write_text(text, encoding="utf-8")
    units = []
    for name, text in program.translation_units().items():
        path = directory / f"unit_{name}"
        path.write_text(text, encoding="utf-8")
        units.append(str(path))
    command = [
        compiler() or COMPILER,
        *SYNTAX_FLAGS,
        f"-I{HEADERS}",
        f"-I{directory}",
        *units,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
