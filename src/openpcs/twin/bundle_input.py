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

from pathlib import Path

from openpcs.config.check import CheckResult
from openpcs.program.bundle_read import BundleError, read_bundle
from openpcs.program.generator import config_hash
from openpcs.twin.run import RAM_START, BuiltNode, TwinError

__all__ = ["built_from_bundle"]


def built_from_bundle(path: Path, result: CheckResult, work: Path) -> BuiltNode:
    """The bundle's program, for the node ``result`` configures; :class:`TwinError` when the
    file is no bundle, holds no binary, or was built from another configuration."""
    config = result.config
    if config is None:
        raise TwinError("the configuration has errors")
    try:
        bundle = read_bundle(path)
    except BundleError as exc:
        raise TwinError(str(exc)) from None
    manifest = bundle.manifest
    if bundle.serial != config.serial:
        raise TwinError(
            f"{path}: the bundle is node {manifest.get('serial')}'s, "
            f"the configuration node {config.serial}'s"
        )
    if manifest.get("config_sha256") != config_hash(config):
        raise TwinError(
            f"{path}: the bundle was built from another configuration (its config_sha256 differs)"
        )
    hex_path = work / "node.hex"
    hex_path.write_text(bundle.hex_text, "ascii")
    ram = manifest["binary"].get("ram_bytes")
    stack_limit = RAM_START + ram if type(ram) is int and 0 < ram <= 8192 else 0
    return BuiltNode(hex_path, stack_limit, loop_address=0)
