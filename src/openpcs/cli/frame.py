"""``openpcs frame``: decode (v15 and v12), encode and split Waspmote data frames.

Exit status: 0 on success, 1 when the input (a frame, a frame file) is invalid, with a one-line
message on stderr, 2 on bad usage (unknown option, bad key size, missing argument).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from openpcs.cli.common import err, fail, out, table_option
from openpcs.frames import (
    BadKey,
    Frame,
    FrameEncodeError,
    FrameError,
    Split,
    decode_any,
    normalize_key,
    parse_hex,
    split_fragments,
    split_tiny,
)
from openpcs.frames.document import encode_document
from openpcs.frames.model import json_value

__all__ = ["frame_app"]

frame_app = typer.Typer(
    help="Decode (v15 and v12), encode and split Waspmote data frames.", no_args_is_help=True
)


def _checked_keys(keys: list[str] | None) -> list[str]:
    for key in keys or []:
        try:
            normalize_key(key)
        except BadKey as exc:
            raise typer.BadParameter(str(exc), param_hint="--key") from None
    return keys or []


def _format_values(frame_field: Any) -> str:
    values = [json_value(v, frame_field.sensor.type) for v in frame_field.values]
    text = "; ".join("null" if v is None else str(v) for v in values)
    return f"{text} {frame_field.unit}".rstrip()


def _print_frame(frame: Frame) -> None:
    layers = "".join(f" in type {t}" for t in frame.encrypted_as)
    if frame.ciphertext is not None:
        out.print(
            f"encrypted frame, type {frame.frame_type}, serial {frame.serial}: "
            f"{len(frame.ciphertext)} bytes of ciphertext (give --key to decrypt)",
            markup=False,
        )
        return
    head = f"{frame.kind.value} frame"
    if frame.frame_type is not None:
        head += f", type {frame.frame_type} (0x{frame.frame_type:02X})"
    head += f"{layers}, sensor table {frame.sensor_table}"
    if frame.serial is not None:
        head += f", serial {frame.serial}, node {frame.node_name!r}"
    head += f", sequence {frame.sequence}"
    out.print(head, markup=False)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("tag", "id", "name", "value"):
        table.add_column(column)
    for item in frame.fields:
        table.add_row(item.tag, str(item.id), item.name, _format_values(item))
    out.print(table)


def _decode_lines(lines: list[str], keys: list[str], table: int, as_json: bool) -> int:
    """Decode one hex frame per line; return how many lines failed."""
    failed = 0
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            frame = decode_any(parse_hex(text), keys, tiny_table=table)
        except FrameError as exc:
            failed += 1
            if as_json:
                print(json.dumps({"line": number, "error": exc.reason, "offset": exc.offset}))
            else:
                out.print(f"line {number}: error: {exc}", markup=False)
            continue
        if as_json:
            print(frame.to_json())
        else:
            _print_frame(frame)
            out.print()
    return failed


@frame_app.command("decode")
def frame_decode(
    frame_hex: Annotated[
        list[str],
        typer.Argument(metavar="HEX", help="The frame in hex (spaces allowed), or '-' for stdin."),
    ],
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key", "-k", help="AES key (16/24/32 characters); repeat for nested or several keys."
        ),
    ] = None,
    as_json: Annotated[
        bool | None,
        typer.Option(
            "--json/--text", help="Output JSON (default for '-') or text (default for one frame)."
        ),
    ] = None,
    table: Annotated[
        int,
        typer.Option(
            "--table", callback=table_option, help="Sensor table of tiny frames (6, 7, 8)."
        ),
    ] = 6,
) -> None:
    """Decode a binary, ASCII, tiny or encrypted frame."""
    keys = _checked_keys(key)
    if frame_hex == ["-"]:
        lines = sys.stdin.read().splitlines()
        failed = _decode_lines(lines, keys, table, as_json is not False)
        if failed:
            fail(f"{failed} frame(s) could not be decoded")
        return
    try:
        frame = decode_any(parse_hex(" ".join(frame_hex)), keys, tiny_table=table)
    except FrameError as exc:
        fail(str(exc))
    if as_json:
        print(frame.to_json())
    else:
        _print_frame(frame)


def _load_document(path: str) -> object:
    source = "<stdin>" if path == "-" else path
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"{source}: cannot read ({exc.strerror})")
    except UnicodeDecodeError:
        fail(f"{source}: not UTF-8 text")
    try:
        if source.endswith(".json"):
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        fail(f"{source} line {exc.lineno}: invalid JSON ({exc.msg})")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        fail(f"{source}{where}: {problem}")


@frame_app.command("encode")
def frame_encode(
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="YAML or JSON frame description ('-' for stdin).")
    ],
) -> None:
    """Encode a frame described in a YAML/JSON file and print it in hex."""
    document = _load_document(file)
    try:
        frame = encode_document(document)
    except FrameEncodeError as exc:
        fail(f"{file}: {exc}")
    print(frame.hex().upper())


def _print_split(split: Split, as_json: bool, what: str, limit: int) -> None:
    if as_json:
        print(
            json.dumps(
                {
                    "parts": [part.hex().upper() for part in split.parts],
                    "dropped": [{"id": f.id, "tag": f.tag} for f in split.dropped],
                }
            )
        )
    else:
        for part in split.parts:
            print(part.hex().upper())
    for item in split.dropped:
        err.print(
            f"warning: field {item.tag} (id {item.id}) never fits in a {limit}-byte {what}; "
            "it was left out",
            markup=False,
        )


@frame_app.command("tiny")
def frame_tiny(
    frame_hex: Annotated[list[str], typer.Argument(metavar="HEX", help="A binary frame in hex.")],
    max_length: Annotated[
        int, typer.Option("--max", min=10, max=100, help="Largest tiny frame, bytes (10-100).")
    ] = 12,
    as_json: Annotated[bool, typer.Option("--json", help="Output JSON.")] = False,
) -> None:
    """Split a binary frame into tiny frames (Sigfox, LoRaWAN), one hex frame per line."""
    try:
        split = split_tiny(parse_hex(" ".join(frame_hex)), max_length)
    except (FrameError, FrameEncodeError) as exc:
        fail(str(exc))
    _print_split(split, as_json, "tiny frame", max_length)


@frame_app.command("fragment")
def frame_fragment(
    frame_hex: Annotated[list[str], typer.Argument(metavar="HEX", help="A binary frame in hex.")],
    max_size: Annotated[
        int, typer.Option("--max", min=16, max=255, help="Radio's largest frame, bytes.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Output JSON.")] = False,
) -> None:
    """Split a binary frame too large for a radio into complete smaller frames."""
    try:
        split = split_fragments(parse_hex(" ".join(frame_hex)), max_size)
    except (FrameError, FrameEncodeError) as exc:
        fail(str(exc))
    _print_split(split, as_json, "fragment", max_size)
