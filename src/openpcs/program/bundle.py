"""The zip "Compile and Download Binary" returns (guide §2.14).

Layout::

    <serial>-<yy>-<mm>-<dd>-<hh>-<mm>-<ss>.zip         (…-source.zip when nothing was built)
        <serial>-<yy>-<mm>-<dd>-<hh>-<mm>-<ss>.hex   only when it was really built
        summary.txt                                  what "Check configuration" prints
        source/<sketch>/<sketch>.pde, node_values.h, node_values.cpp
        manifest.json                                versions, hashes, what is missing and why

The time in the names is the build time in UTC. Without a toolchain or API tree the bundle
holds the source only, and the manifest says so (``binary.included: false`` and the reason);
a ``.hex`` is never made up.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from openpcs import __version__
from openpcs.program.build import BuildResult
from openpcs.program.source import ProgramSource

__all__ = ["SOURCE_ONLY_SUFFIX", "Bundle", "BundleContents", "bundle_stem", "write_bundle"]

_MANIFEST: Final = "manifest.json"
#: added to the name of a bundle that holds no .hex, so the file name says it
SOURCE_ONLY_SUFFIX: Final = "-source"
_SUMMARY: Final = "summary.txt"


def bundle_stem(serial: str, when: datetime) -> str:
    """``<serial>-<yy>-<mm>-<dd>-<hh>-<mm>-<ss>`` with the time in UTC."""
    return f"{serial}-{when.astimezone(UTC):%y-%m-%d-%H-%M-%S}"


@dataclass(frozen=True)
class BundleContents:
    """What goes in a bundle, before it is written."""

    serial: str
    program: ProgramSource
    summary_text: str
    config_facts: dict[str, Any]
    build: BuildResult | None = None
    not_built_reason: str = ""
    toolchain: dict[str, str] | None = None
    api_tree: dict[str, str] | None = None


@dataclass(frozen=True)
class Bundle:
    """A written bundle: the zip's path, whether it holds a ``.hex``, and its manifest."""

    path: Path
    has_hex: bool
    manifest: dict[str, Any]


def _entries(contents: BundleContents, stem: str) -> dict[str, bytes]:
    program = contents.program
    folder = f"source/{program.sketch_name}"
    entries = {f"{folder}/{name}": text.encode() for name, text in program.files.items()}
    entries[_SUMMARY] = contents.summary_text.encode()
    if contents.build is not None:
        entries[f"{stem}.hex"] = contents.build.hex_path.read_bytes()
    return entries


def _manifest(
    contents: BundleContents, entries: dict[str, bytes], stem: str, when: datetime
) -> dict[str, Any]:
    binary: dict[str, Any] = {"included": contents.build is not None}
    if contents.build is not None:
        binary |= contents.build.to_dict() | {"hex": f"{stem}.hex"}
    else:
        binary["reason"] = contents.not_built_reason or "not built"
    return {
        "openpcs_version": __version__,
        "serial": contents.serial,
        **contents.config_facts,
        "config_sha256": contents.program.config_hash,
        "built_at": when.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "binary": binary,
        "toolchain": contents.toolchain,
        "waspmote_api": contents.api_tree,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(entries.items())},
    }


def write_bundle(
    contents: BundleContents, out_dir: Path, *, when: datetime | None = None
) -> Bundle:
    """Write the zip into ``out_dir`` (created if needed) and return where it is."""
    moment = when or datetime.now(UTC)
    stem = bundle_stem(contents.serial, moment)
    entries = _entries(contents, stem)
    manifest = _manifest(contents, entries, stem, moment)
    entries[_MANIFEST] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    stamp = moment.astimezone(UTC).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name])
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "" if contents.build is not None else SOURCE_ONLY_SUFFIX
    path = out_dir / f"{stem}{suffix}.zip"
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(buffer.getvalue())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Bundle(path, contents.build is not None, manifest)
