"""What the ``openpcs`` commands share: the consoles, failing with a one-line message, hex, the
sensor table option."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from openpcs.catalog import sensor_tables
from openpcs.errors import OffsetError
from openpcs.frames.hextext import parse_hex

__all__ = ["err", "fail", "hex_bytes", "out", "table_option"]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str) -> NoReturn:
    """Print a one-line error on stderr and exit with status 1 (invalid input)."""
    err.print(f"error: {message}", markup=False)
    raise typer.Exit(1)


def hex_bytes(parts: list[str]) -> bytes:
    """Bytes from hex given as one or several arguments (spaces allowed); exit 1 if not hex."""
    try:
        return parse_hex(" ".join(parts))
    except OffsetError as exc:
        fail(str(exc))


def table_option(value: int) -> int:
    """``--table``: one of the sensor tables (by frame type); bad usage otherwise."""
    if value not in {table.frame_type for table in sensor_tables()}:
        raise typer.BadParameter("the sensor tables are 6, 7 and 8", param_hint="--table")
    return value
