"""``openpcs api`` and ``openpcs mesh``: the NCD communication layer from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from openpcs.cli.common import err, fail, hex_bytes, out
from openpcs.config.loader import ConfigLoadError, load_document
from openpcs.ncd.api import ReceivePacket, TransmitRequest, parse_api_frame
from openpcs.ncd.errors import ApiFrameError, MeshPacketError, PayloadError
from openpcs.ncd.mesh import LinkSettings, MeshTransmitter, inspect_packet
from openpcs.ncd.payloads import decode_payload
from openpcs.ncd.simulator import SimulationTooLarge, simulate
from openpcs.ncd.topology import Topology

__all__ = ["api_app", "mesh_app"]

api_app = typer.Typer(help="NCD / XBee API frames.", no_args_is_help=True)
mesh_app = typer.Typer(help="The NCD mesh layer: seal, open and simulate.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="Output JSON.")]
KeyOption = Annotated[str, typer.Option("--key", help="AES-128 link key, 32 hex digits.")]
NetOption = Annotated[str, typer.Option("--net", help="Network ID, 4 hex digits.")]
ProfileOption = Annotated[str, typer.Option("--profile", help="spec (MD5, default) or secure.")]


def _settings(options: dict[str, str], **values: Any) -> LinkSettings:
    """Link settings from command-line values; ``options`` maps each field to its option."""
    try:
        return LinkSettings(mode="mesh", **values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        message = str(first["msg"]).removeprefix("Value error, ")
        raise typer.BadParameter(message, param_hint=options.get(field, field)) from None


def _emit(document: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(document, ensure_ascii=False))
        return
    for key, value in document.items():
        if isinstance(value, dict):
            out.print(f"{key}:", markup=False)
            for inner, item in value.items():
                out.print(f"  {inner}: {item}", markup=False)
        else:
            out.print(f"{key}: {value}", markup=False)


def _frame_document(raw: bytes, *, escaped: bool) -> tuple[dict[str, Any], bool]:
    """The frame's fields and its decoded payload; ``False`` when the payload is malformed.

    A malformed payload does not hide the frame: its error, with the offset counted from the
    frame's first byte (of the unescaped bytes), is reported under ``payload_error``.
    """
    frame = parse_api_frame(raw, escaped=escaped)
    document = frame.to_dict()
    payload, start = None, 0
    if isinstance(frame, TransmitRequest):
        payload, start = frame.payload, 3 + TransmitRequest.HEADER
    elif isinstance(frame, ReceivePacket):
        payload, start = frame.data_bytes, 3 + ReceivePacket.HEADER
    if payload is None:
        return document, True
    try:
        document["decoded"] = decode_payload(payload).to_dict()
    except PayloadError as exc:
        document["payload_error"] = str(exc.shifted(start))
        return document, False
    return document, True


@api_app.command("decode")
def api_decode(
    frame_hex: Annotated[list[str], typer.Argument(metavar="HEX", help="An API frame in hex.")],
    escaped: Annotated[bool, typer.Option("--escaped", help="API mode 2 (escaped) bytes.")] = False,
    as_json: Json = False,
) -> None:
    """Parse an API frame (0x10, 0x90, 0x8B, 0x08, 0x88) and decode its payload."""
    try:
        document, payload_ok = _frame_document(hex_bytes(frame_hex), escaped=escaped)
    except ApiFrameError as exc:
        fail(str(exc))
    _emit(document, as_json)
    if not payload_ok:
        raise typer.Exit(1)


@mesh_app.command("encode")
def mesh_encode(
    api_hex: Annotated[list[str], typer.Argument(metavar="API_HEX", help="The API frame to seal.")],
    key: KeyOption = "55AA" * 8,
    net: NetOption = "7FFF",
    src: Annotated[str, typer.Option("--src", help="Source address, 16 hex digits.")] = "",
    profile: ProfileOption = "spec",
    as_json: Json = False,
) -> None:
    """Seal an API frame into an over-the-air mesh packet (hash ‖ ciphertext)."""
    if not src:
        raise typer.BadParameter("give the sending module's address", param_hint="--src")
    options = {"key": "--key", "network_id": "--net", "address": "--src", "profile": "--profile"}
    settings = _settings(options, key=key, network_id=net, address=src, profile=profile)
    try:
        packet = MeshTransmitter(settings).seal(hex_bytes(api_hex))
    except MeshPacketError as exc:
        fail(f"API_HEX: {exc}")
    document = {"packet": packet.hex().upper(), "tag": packet[:16].hex(), "bytes": len(packet)}
    if as_json:
        print(json.dumps(document))
    else:
        print(document["packet"])


@mesh_app.command("decode")
def mesh_decode(
    packet_hex: Annotated[list[str], typer.Argument(metavar="PACKET_HEX", help="A mesh packet.")],
    key: KeyOption = "55AA" * 8,
    net: NetOption = "7FFF",
    address: Annotated[
        str, typer.Option("--address", help="This module's address (default: accept any).")
    ] = "000000000000FFFF",
    profile: ProfileOption = "spec",
    as_json: Json = False,
) -> None:
    """Open a mesh packet: verify it, show its fields and the API frame it delivers."""
    options = {
        "key": "--key",
        "network_id": "--net",
        "address": "--address",
        "profile": "--profile",
    }
    settings = _settings(options, key=key, network_id=net, address=address, profile=profile)
    try:
        document = inspect_packet(settings, hex_bytes(packet_hex))
    except MeshPacketError as exc:
        fail(str(exc))
    payload_ok = True
    if "delivered_frame" in document:
        frame, payload_ok = _frame_document(
            bytes.fromhex(document["delivered_frame"]), escaped=False
        )
        for key_name in ("decoded", "payload_error"):
            if key_name in frame:
                document[key_name] = frame[key_name]
    _emit(document, as_json)
    if document["outcome"] != "delivered" or not payload_ok:
        raise typer.Exit(1)


@mesh_app.command("simulate")
def mesh_simulate(
    topology_file: Annotated[Path, typer.Argument(metavar="TOPOLOGY.yaml", help="The topology.")],
    as_json: Json = False,
) -> None:
    """Run a seeded simulation of nodes, repeaters and gateways and report what happened."""
    try:
        loaded = load_document(topology_file, Topology, what="a topology")
    except ConfigLoadError as exc:
        fail(str(exc))
    if loaded.value is None:
        for issue in loaded.issues:
            err.print(f"error: {issue.describe(str(topology_file))}", markup=False)
        raise typer.Exit(1)
    try:
        report = simulate(loaded.value).to_dict()
    except SimulationTooLarge as exc:
        fail(f"{topology_file}: {exc}")
    _emit(report, as_json)
