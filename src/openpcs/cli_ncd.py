"""``openpcs api`` and ``openpcs mesh``: the NCD communication layer from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError

from openpcs.cli_common import fail, hex_bytes, out
from openpcs.ncd.api import ReceivePacket, TransmitRequest, parse_api_frame
from openpcs.ncd.errors import ApiFrameError, MeshPacketError, PayloadError
from openpcs.ncd.mesh import LinkSettings, MeshTransmitter, inspect_packet
from openpcs.ncd.payloads import decode_payload
from openpcs.ncd.simulator import Topology, simulate

__all__ = ["api_app", "mesh_app"]

api_app = typer.Typer(help="NCD / XBee API frames.", no_args_is_help=True)
mesh_app = typer.Typer(help="The NCD mesh layer: seal, open and simulate.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="Output JSON.")]
KeyOption = Annotated[str, typer.Option("--key", help="AES-128 link key, 32 hex digits.")]
NetOption = Annotated[str, typer.Option("--net", help="Network ID, 4 hex digits.")]
ProfileOption = Annotated[str, typer.Option("--profile", help="spec (MD5, default) or secure.")]


def _settings(**values: Any) -> LinkSettings:
    try:
        return LinkSettings(mode="mesh", **values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise typer.BadParameter(f"{field}: {first['msg']}") from None


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


def _frame_document(raw: bytes, *, escaped: bool) -> dict[str, Any]:
    frame = parse_api_frame(raw, escaped=escaped)
    document = frame.to_dict()
    payload = frame.payload if isinstance(frame, TransmitRequest) else None
    if isinstance(frame, ReceivePacket):
        payload = frame.data_bytes
    if payload is not None:
        document["decoded"] = decode_payload(payload).to_dict()
    return document


@api_app.command("decode")
def api_decode(
    frame_hex: Annotated[list[str], typer.Argument(metavar="HEX", help="An API frame in hex.")],
    escaped: Annotated[bool, typer.Option("--escaped", help="API mode 2 (escaped) bytes.")] = False,
    as_json: Json = False,
) -> None:
    """Parse an API frame (0x10, 0x90, 0x8B, 0x08, 0x88) and decode its payload."""
    try:
        document = _frame_document(hex_bytes(frame_hex), escaped=escaped)
    except (ApiFrameError, PayloadError) as exc:
        fail(str(exc))
    _emit(document, as_json)


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
    settings = _settings(key=key, network_id=net, address=src, profile=profile)
    try:
        packet = MeshTransmitter(settings).seal(hex_bytes(api_hex))
    except MeshPacketError as exc:
        fail(str(exc))
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
    settings = _settings(key=key, network_id=net, address=address, profile=profile)
    try:
        document = inspect_packet(settings, hex_bytes(packet_hex))
        if "delivered_frame" in document:
            frame = _frame_document(bytes.fromhex(document["delivered_frame"]), escaped=False)
            document["decoded"] = frame.get("decoded")
    except (MeshPacketError, ApiFrameError, PayloadError) as exc:
        fail(str(exc))
    _emit(document, as_json)
    if document["outcome"] not in ("delivered",):
        raise typer.Exit(1)


@mesh_app.command("simulate")
def mesh_simulate(
    topology_file: Annotated[Path, typer.Argument(metavar="TOPOLOGY.yaml", help="The topology.")],
    as_json: Json = False,
) -> None:
    """Run a seeded simulation of nodes, repeaters and gateways and report what happened."""
    try:
        document = yaml.safe_load(topology_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{topology_file}: cannot read ({exc.__class__.__name__})")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        fail(f"{topology_file}{where}: invalid YAML")
    try:
        topology = Topology.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "topology"
        fail(f"{topology_file}: {where}: {first['msg']}")
    report = simulate(topology).to_dict()
    _emit(report, as_json)
