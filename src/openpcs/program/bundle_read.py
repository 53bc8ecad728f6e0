"""A bundle ``openpcs build`` wrote (or the web app's "Compile and Download Binary" gave), read
back: its manifest and its ``.hex``.

:func:`read_bundle` refuses, with a :class:`BundleError` naming the file and the reason, what
is not a bundle (no zip, no manifest, a manifest that is not openpcs's), a bundle that holds
no binary (built source only: the manifest's reason is given), one whose manifest names no
``.hex`` or names one it lacks, and members larger than any openpcs writes.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Final

__all__ = ["BundleBinary", "BundleError", "NoBinary", "read_bundle"]

_MANIFEST: Final = "manifest.json"
#: the largest .hex a bundle may hold (the ATmega1281's 128 KiB of flash as Intel HEX)
_LARGEST_HEX: Final = 400_000
#: the largest manifest read (one openpcs writes is a few kilobytes)
_LARGEST_MANIFEST: Final = 1_000_000
#: what reading a damaged, unsupported or encrypted member raises (zipfile, zlib, bz2, lzma)
_UNREADABLE: Final = (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError)


class BundleError(ValueError):
    """A file that is no bundle, or a bundle without its binary; the message says which."""


class NoBinary(BundleError):
    """A bundle built source only: it holds no ``.hex`` (the message gives its reason)."""


@dataclass(frozen=True)
class BundleBinary:
    """A bundle's manifest and the text of its ``.hex``."""

    manifest: dict[str, Any]
    hex_text: str

    @property
    def serial(self) -> str | None:
        """The node the bundle was built for."""
        serial = self.manifest.get("serial")
        return serial if isinstance(serial, str) else None


def _manifest(bundle: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    try:
        info = bundle.getinfo(_MANIFEST)
    except KeyError:
        raise BundleError(f"{path}: not an openpcs bundle (no {_MANIFEST})") from None
    if info.file_size > _LARGEST_MANIFEST:
        raise BundleError(f"{path}: its {_MANIFEST} is larger than any openpcs writes")
    try:
        manifest = json.loads(bundle.read(info))
    except (ValueError, UnicodeDecodeError):
        raise BundleError(f"{path}: its {_MANIFEST} is not JSON") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("binary"), dict):
        raise BundleError(f"{path}: its {_MANIFEST} is not an openpcs bundle's")
    return manifest


def read_bundle(path: Path) -> BundleBinary:
    """The bundle's manifest and ``.hex``; :class:`BundleError` when it has none."""
    try:
        with zipfile.ZipFile(path) as bundle:
            manifest = _manifest(bundle, path)
            binary = manifest["binary"]
            if binary.get("included") is not True:
                said = binary.get("reason", "built source only")
                raise NoBinary(f"{path}: the bundle holds no binary ({said})")
            name = binary.get("hex")
            if not isinstance(name, str) or PurePosixPath(name).name != name or not name:
                raise BundleError(f"{path}: its manifest names no .hex in the bundle")
            try:
                info = bundle.getinfo(name)
            except KeyError:
                raise BundleError(f"{path}: the bundle lacks {name}") from None
            if info.file_size > _LARGEST_HEX:
                raise BundleError(f"{path}: {name} is larger than any ATmega1281 program")
            text = bundle.read(info).decode("ascii")
    except _UNREADABLE as exc:
        raise BundleError(f"{path}: cannot be read as a zip ({exc})") from None
    except zlib.error as exc:
        raise BundleError(f"{path}: a member is damaged ({exc})") from None
    except UnicodeDecodeError:
        raise BundleError(f"{path}: its .hex is not text") from None
    return BundleBinary(manifest, text)
