"""``openpcs upload``: put a built program on a node over its USB port (guide §2.15), with
avrdude, as the node's bootloader takes it.

Exit status: 0 once avrdude has written the program and verified the node's flash against
it; 1 when it could not (the message says why and what to do: no port, no permission on it,
no answer from the node, a bundle without a binary, a bundle for another node).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import serial
import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from openpcs.cli.common import err, out
from openpcs.upload.avrdude import avrdude_command, in_user_words, write_program
from openpcs.upload.facts import upload_facts
from openpcs.upload.node_serial import node_serial
from openpcs.upload.ports import SerialPort, choose_port, usb_serial_ports
from openpcs.upload.program_file import ProgramToUpload, UploadError, program_to_upload

__all__ = ["register"]

#: what a program says when the board's serial chip did not answer
_UNREAD_SERIALS = frozenset({"0" * 16, "F" * 16})
#: the bars shown (avrdude's reading of the signature is too short for one)
_PHASES = ("writing", "verifying")


def _ask_port(candidates: list[SerialPort]) -> SerialPort:
    for number, port in enumerate(candidates, 1):
        err.print(f"  {number}. {port}", markup=False)
    chosen = int(typer.prompt("Which port is the node's", type=int, err=True))
    if not 1 <= chosen <= len(candidates):
        raise UploadError(f"no port number {chosen}")
    picked: SerialPort = candidates[chosen - 1]
    return picked


def _checked_node(program: ProgramToUpload, port: str, force: bool) -> str:
    """What was learnt of the node on ``port`` (``UploadError`` for another node's bundle)."""
    if program.serial is None:
        return "not checked: a .hex file names no node"
    facts = upload_facts()
    try:
        told = node_serial(port, facts.console_baud, facts.listen_s)
    except serial.SerialException as exc:
        told = in_user_words(str(exc), port)
        raise UploadError(told or f"{port} cannot be opened ({exc})") from None
    if told is None:
        return (
            "not checked: the node's program did not tell its serial "
            "(openpcs programs print it as they start)"
        )
    if told in _UNREAD_SERIALS:
        return f"not checked: the node's program could not read its serial chip (it said {told})"
    if told != program.serial and not force:
        raise UploadError(
            f"this bundle is for node {program.serial}, the node on {port} is {told}: "
            "connect the right node (or give --force to write it anyway)"
        )
    return f"node {told}" + ("" if told == program.serial else " (another node: --force)")


def _upload(target: Path, port: str | None, force: bool, quiet: bool) -> dict[str, object]:
    facts = upload_facts()
    program = program_to_upload(target, facts.application_limit)
    interactive = sys.stdin.isatty() and not quiet
    chosen = choose_port(
        port, usb_serial_ports(facts.usb_serial), _ask_port if interactive else None
    )
    node = _checked_node(program, chosen, force)
    if not quiet:
        err.print(f"{target}: {program.image.size} bytes for {chosen}; {node}", markup=False)
    with tempfile.TemporaryDirectory(prefix="openpcs-upload-") as scratch:
        hex_path = Path(scratch) / "program.hex"
        hex_path.write_text(program.hex_text, "ascii")
        command = avrdude_command(facts, chosen, hex_path)
        with Progress(
            TextColumn("{task.description:>10}"), BarColumn(), console=err, disable=quiet
        ) as bars:
            tasks: dict[str, TaskID] = {p: bars.add_task(p, total=100) for p in _PHASES}

            def advance(phase: str, percent: int) -> None:
                if phase in tasks:
                    bars.update(tasks[phase], completed=percent)

            uploaded = write_program(command, chosen, advance)
    return {
        "port": chosen,
        "node_check": node,
        "bundle_serial": program.serial,
        "bytes_written": uploaded.written,
        "bytes_verified": uploaded.verified,
        "command": [*uploaded.command[:-2], "-U", "flash:w:<program>:i"],
    }


def upload(
    target: Annotated[
        Path,
        typer.Argument(metavar="BUNDLE.zip|FILE.hex", help="A built bundle, or a .hex file."),
    ],
    port: Annotated[
        str | None,
        typer.Option("--port", help="The node's USB port (default: the one found)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write a bundle to a node it was not built for.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Write a built program to a node over USB (avrdude) and verify it."""
    try:
        outcome = _upload(target, port, force, quiet=as_json)
    except UploadError as exc:
        if as_json:
            print(json.dumps({"uploaded": False, "error": str(exc)}, indent=2))
        else:
            err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps({"uploaded": True, **outcome}, indent=2))
    else:
        out.print(
            f"uploaded: {outcome['bytes_verified']} bytes written to {outcome['port']} "
            "and verified",
            markup=False,
        )


def register(app: typer.Typer) -> None:
    """Add ``upload`` to the top-level app."""
    app.command("upload")(upload)
