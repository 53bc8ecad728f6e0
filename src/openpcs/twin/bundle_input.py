"""A bundle ``openpcs build`` wrote (or the web app's "Compile and Download Binary" gave), run
as it is: its ``.hex``, judged against the configuration it was built from.

A bundle holds the binary, the sources (with the node's keys) and a manifest, but not the
configuration; the twin needs it (its planned fields, keys and network identities) and checks
it is the one the bundle was built from (the manifest's ``config_sha256``, the configuration's
hash with secrets masked, and the serial: a configuration that differs only in its keys is
taken, and its keys are the ones the twin's network and gateway use). A bundle's ``.hex`` has
no symbols: its cycles are counted by the node's deep sleeps (a probe's warm-up sleep counts
as one).
"""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Any, Final

from openpcs.config.check import CheckResult
from openpcs.program.generator import config_hash
from openpcs.twin.run import RAM_START, BuiltNode, TwinError

__all__ = ["built_from_bundle"]

_MANIFEST: Final = "manifest.json"
#: the largest .hex a bundle may hold (the ATmega1281's 128 KiB of flash as Intel HEX)
_LARGEST_HEX: Final = 400_000
#: the largest manifest read (one openpcs writes is a few kilobytes)
_LARGEST_MANIFEST: Final = 1_000_000
#: what reading a damaged, unsupported or encrypted member raises (zipfile, zlib, bz2, lzma)
_UNREADABLE: Final = (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError)


def _manifest(bundle: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    try:
        info = bundle.getinfo(_MANIFEST)
    except KeyError:
        raise TwinError(f"{path}: not an openpcs bundle (no {_MANIFEST})") from None
    if info.file_size > _LARGEST_MANIFEST:
        raise TwinError(f"{path}: its {_MANIFEST} is larger than any openpcs writes")
    try:
        manifest = json.loads(bundle.read(info))
    except (ValueError, UnicodeDecodeError):
        raise TwinError(f"{path}: its {_MANIFEST} is not JSON") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("binary"), dict):
        raise TwinError(f"{path}: its {_MANIFEST} is not an openpcs bundle's")
    return manifest


def built_from_bundle(path: Path, result: CheckResult, work: Path) -> BuiltNode:
    """The bundle's program, for the node ``result`` configures; :class:`TwinError` when the
    file is no bundle, holds no binary, or was built from another configuration."""
    config = result.config
    if config is None:
        raise TwinError("the configuration has errors")
    try:
        with zipfile.ZipFile(path) as bundle:
            manifest = _manifest(bundle, path)
            binary = manifest["binary"]
            if binary.get("included") is not True:
                said = binary.get("reason", "built source only")
                raise TwinError(f"{path}: the bundle holds no binary ({said})")
            name = binary.get("hex")
            if not isinstance(name, str) or PurePosixPath(name).name != name or not name:
                raise TwinError(f"{path}: its manifest names no .hex in the bundle")
            if manifest.get("serial") != config.serial:
                raise TwinError(
                    f"{path}: the bundle is node {manifest.get('serial')}'s, "
                    f"the configuration node {config.serial}'s"
                )
            if manifest.get("config_sha256") != config_hash(config):
                raise TwinError(
                    f"{path}: the bundle was built from another configuration "
                    "(its config_sha256 differs)"
                )
            try:
                info = bundle.getinfo(name)
            except KeyError:
                raise TwinError(f"{path}: the bundle lacks {name}") from None
            if info.file_size > _LARGEST_HEX:
                raise TwinError(f"{path}: {name} is larger than any ATmega1281 program")
            hex_path = work / "node.hex"
            hex_path.write_bytes(bundle.read(info))
    except _UNREADABLE as exc:
        raise TwinError(f"{path}: cannot be read as a zip ({exc})") from None
    except zlib.error as exc:
        raise TwinError(f"{path}: a member is damaged ({exc})") from None
    ram = binary.get("ram_bytes")
    stack_limit = RAM_START + ram if type(ram) is int and 0 < ram <= 8192 else 0
    return BuiltNode(hex_path, stack_limit, loop_address=0)
