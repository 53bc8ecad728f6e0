"""A bundle ``openpcs build`` wrote (or the web app's "Compile and Download Binary" gave), run
as it is: its ``.hex``, judged against the configuration it was built from.

A bundle holds the binary, the sources and a manifest, but not the configuration's secrets;
the twin needs the configuration (its planned fields, keys and network identities) and
checks it is the one the bundle was built from (the manifest's ``config_sha256``, the
configuration's hash with secrets masked, and the serial). A bundle's ``.hex`` has no symbols:
its cycles are counted by the node's deep sleeps (a probe's warm-up sleep counts as one).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any, Final

from openpcs.config.check import CheckResult
from openpcs.program.generator import config_hash
from openpcs.twin.run import RAM_START, BuiltNode, TwinError

__all__ = ["built_from_bundle"]

_MANIFEST: Final = "manifest.json"
#: the largest .hex a bundle may hold (the ATmega1281's 128 KiB of flash as Intel HEX)
_LARGEST_HEX: Final = 400_000


def _manifest(bundle: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(bundle.read(_MANIFEST))
    except KeyError:
        raise TwinError(f"{path}: not an openpcs bundle (no {_MANIFEST})") from None
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
            if not binary.get("included"):
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
    except (zipfile.BadZipFile, OSError) as exc:
        raise TwinError(f"{path}: cannot be read as a zip ({exc})") from None
    ram = binary.get("ram_bytes")
    stack_limit = RAM_START + ram if isinstance(ram, int) and ram > 0 else 0
    return BuiltNode(hex_path, stack_limit, loop_address=0)
